#!/usr/bin/python3
"""The dispatcher at volume against its peers, in one run, on the same servers, files and queue
set-up: txt2pdf-dispatcher with the worker pool (LAUNCHER=worker, the default), the same with the
local launcher (a txt2pdf-job process per file), the boto3 consumer (reference_consumer.py, one
process per slot) and the Node peer (node/consumer.mjs: sqs-consumer batches of 10 handled
concurrently, AWS SDK v3 with keep-alive, PDFKit Courier, HEAD before delete).

For each consumer: fresh queue and buckets, N uploads of ~2.6 KB with their S3 events sent first
(not timed), then the consumer starts and the clock runs until the queue is empty. Printed:
files/s; CPU ms per file = user+sys of the consumer and everything it started (getrusage
RUSAGE_CHILDREN around its life, start-up included); peak RSS = the largest sum of VmRSS over the
consumer's process tree (sampled every 0.1 s); $ per million files = CPU seconds per file x 10^6 at
Fargate's list price per vCPU-hour (us-east-1 Linux/x86, $0.04048; memory, $0.004445 per GB-hour,
not counted); the S3 server's (radosgw's) and fauxqs' CPU ms per file over the same interval, to
show when the local servers are the bottleneck; and the ratios against the Node peer.

Environment: AWS credentials + AWS_ENDPOINT_URL (S3), AWS_ENDPOINT_URL_SQS, TXT2PDF_DISPATCHER,
TXT2PDF_JOB; TXT2PDF_STACK_DIR (to find radosgw), TXT2PDF_SQS_PORT (to find fauxqs).
Usage: bench.py [FILES] [CONCURRENCY] [KINDS]   (defaults 300, 10, worker,local,boto3,node)
"""
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "integration"))
import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from dispatcher_test import S3_ENDPOINT, s3_event, sqs_call  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DISPATCHER = os.environ["TXT2PDF_DISPATCHER"]
JOB = os.environ["TXT2PDF_JOB"]
FARGATE_VCPU_HOUR = 0.04048
S3 = boto3.client("s3", endpoint_url=S3_ENDPOINT, config=Config(s3={"addressing_style": "path"}, max_pool_connections=20))
TICKS = os.sysconf("SC_CLK_TCK")


def text_of(index):
    lines = [f"line {n} of file {index}: the quick brown fox jumps over the lazy dog" for n in range(40)]
    return ("\n".join(lines) + "\n").encode()  # ~2.6 KB, one page


def prepare(files):
    tag = uuid.uuid4().hex[:8]
    source, dest = "bsrc-" + tag, "bdst-" + tag
    S3.create_bucket(Bucket=source)
    S3.create_bucket(Bucket=dest)
    queue = sqs_call("CreateQueue", {"QueueName": "bench-" + tag, "Attributes": {"VisibilityTimeout": "120"}})["QueueUrl"]
    for start in range(0, files, 10):
        entries = []
        for index in range(start, min(files, start + 10)):
            key = f"docs/file {index:04d}.txt"
            etag = S3.put_object(Bucket=source, Key=key, Body=text_of(index))["ETag"]
            entries.append({"Id": str(index - start), "MessageBody": json.dumps(s3_event(source, key, etag))})
        sqs_call("SendMessageBatch", {"QueueUrl": queue, "Entries": entries})
    return queue, dest


def depth(queue):
    attributes = sqs_call("GetQueueAttributes", {"QueueUrl": queue, "AttributeNames": [
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]})["Attributes"]
    return sum(int(value) for value in attributes.values())


def tree(pid):
    """pid and its descendants (via /proc/PID/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo += [int(child) for child in children.read().split()]
        except OSError:
            pass
    return found


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return total / TICKS


def server_pids():
    """radosgw of our stack and fauxqs on our SQS port (their CPU shows a server-bound run)."""
    stack = os.environ.get("TXT2PDF_STACK_DIR", "")
    port = os.environ.get("TXT2PDF_SQS_PORT", "")
    radosgw, fauxqs = [], []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                argv = cmdline.read().split(b"\0")
            with open(f"/proc/{entry}/environ", "rb") as environ:
                env = environ.read()
        except OSError:
            continue
        text = b" ".join(argv)
        if argv and argv[0].endswith(b"radosgw") and stack and os.path.abspath(stack).encode() in text:
            radosgw.append(int(entry))
        elif b"fauxqs" in text and port and (b"FAUXQS_PORT=" + port.encode() + b"\0") in env:
            fauxqs.append(int(entry))
    return radosgw, fauxqs


def consumers(kind, concurrency, queue, dest):
    env = dict(os.environ, QUEUE_URL=queue, DEST_BUCKET=dest, WAIT_TIME_SECONDS="1", TXT2PDF_LOG_FORMAT="json")
    log = open(os.devnull, "wb")
    if kind in ("worker", "local"):
        env.update(JOB_COMMAND=JOB, MAX_CONCURRENCY=str(concurrency), HEALTH_PORT="0", LAUNCHER=kind)
        return [subprocess.Popen([DISPATCHER], env=env, stderr=log, stdout=log)]
    if kind == "node":
        return [subprocess.Popen(["node", os.path.join(HERE, "node", "consumer.mjs")], env=env, stderr=log, stdout=log)]
    script = os.path.join(HERE, "reference_consumer.py")
    return [subprocess.Popen(["/usr/bin/python3", script], env=env, stderr=log, stdout=log) for _ in range(concurrency)]


def run(kind, concurrency, files):
    queue, dest = prepare(files)
    radosgw, fauxqs = server_pids()
    servers_before = (cpu_seconds(radosgw), cpu_seconds(fauxqs))
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    processes = consumers(kind, concurrency, queue, dest)
    peak = [0]
    sampling = [True]

    def sample():
        while sampling[0]:
            peak[0] = max(peak[0], sum(rss_kb(pid) for process in processes for pid in tree(process.pid)))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        while depth(queue) > 0:
            if any(p.poll() is not None for p in processes):
                raise RuntimeError(f"{kind} exited early with {[p.poll() for p in processes]}")
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        servers_after = (cpu_seconds(radosgw), cpu_seconds(fauxqs))
    finally:
        sampling[0] = False
        sampler.join()
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage_after.ru_utime - usage_before.ru_utime) + (usage_after.ru_stime - usage_before.ru_stime)
    pdfs = S3.list_objects_v2(Bucket=dest, MaxKeys=1000).get("KeyCount", 0)
    if pdfs != min(files, 1000):
        raise RuntimeError(f"{kind} x{concurrency}: {pdfs} PDFs for {files} files")
    return {"files_s": files / elapsed, "cpu_ms": cpu * 1000 / files, "rss_mb": peak[0] / 1024,
            "usd": cpu / files * 1e6 / 3600 * FARGATE_VCPU_HOUR,
            "s3_ms": (servers_after[0] - servers_before[0]) * 1000 / files if radosgw else float("nan"),
            "sqs_ms": (servers_after[1] - servers_before[1]) * 1000 / files if fauxqs else float("nan")}


NAMES = {"worker": "dispatcher (worker pool)", "local": "dispatcher (local launcher)",
         "boto3": "boto3 + ReportLab", "node": "Node peer (sqs-consumer, SDK v3, PDFKit)"}


def main():
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    kinds = (sys.argv[3] if len(sys.argv) > 3 else "worker,local,boto3,node").split(",")
    print(f"{files} files of ~2.6 KB per consumer, concurrency {concurrency}; load average "
          f"{os.getloadavg()[0]:.1f} at the start")
    results = {}
    print(f"{'consumer':<42} {'files/s':>8} {'CPU ms/file':>11} {'peak RSS MB':>11} {'$/M files':>9} "
          f"{'radosgw ms/file':>15} {'fauxqs ms/file':>14}")
    for kind in kinds:
        result = results[kind] = run(kind, concurrency, files)
        print(f"{NAMES[kind]:<42} {result['files_s']:>8.1f} {result['cpu_ms']:>11.2f} {result['rss_mb']:>11.1f} "
              f"{result['usd']:>9.3f} {result['s3_ms']:>15.2f} {result['sqs_ms']:>14.2f}", flush=True)
    if "node" in results:
        node = results["node"]
        for kind in kinds:
            if kind == "node":
                continue
            result = results[kind]
            print(f"{NAMES[kind]} / Node peer: {result['files_s'] / node['files_s']:.2f}x files/s, "
                  f"{result['cpu_ms'] / node['cpu_ms']:.2f}x CPU per file, {result['rss_mb'] / node['rss_mb']:.2f}x peak RSS")


if __name__ == "__main__":
    main()
