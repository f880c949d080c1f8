#!/usr/bin/python3
"""Sustained files/s: N small uploads through txt2pdf-dispatcher (local launcher, concurrency 1, 2,
4) versus the reference Python consumer (boto3 long poll + ReportLab, 1, 2, 4 processes).

Needs the local S3 stack and fauxqs running (bench/dispatcher/run starts both). For each run: fresh
queue and buckets, N uploads with their S3 events sent first (not timed), then the consumers start
and the clock runs until the queue is empty (every message deleted = every PDF written, and for
the dispatcher verified) — the time from first receive to last delete.

Environment: AWS credentials + AWS_ENDPOINT_URL (S3), AWS_ENDPOINT_URL_SQS, TXT2PDF_DISPATCHER,
TXT2PDF_JOB. Usage: bench.py [FILES] [CONCURRENCY,...]
"""
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "integration"))
import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from dispatcher_test import S3_ENDPOINT, s3_event, sqs_call  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DISPATCHER = os.environ["TXT2PDF_DISPATCHER"]
JOB = os.environ["TXT2PDF_JOB"]
S3 = boto3.client("s3", endpoint_url=S3_ENDPOINT, config=Config(s3={"addressing_style": "path"}, max_pool_connections=20))


def text_of(index):
    lines = [f"line {n} of file {index}: the quick brown fox jumps over the lazy dog" for n in range(40)]
    return ("\n".join(lines) + "\n").encode()  # ~2.6 KB, one page


def prepare(files):
    tag = uuid.uuid4().hex[:8]
    source, dest = "bsrc-" + tag, "bdst-" + tag
    S3.create_bucket(Bucket=source)
    S3.create_bucket(Bucket=dest)
    queue = sqs_call("CreateQueue", {"QueueName": "bench-" + tag, "Attributes": {"VisibilityTimeout": "120"}})["QueueUrl"]
    for index in range(files):
        key = f"docs/file {index:04d}.txt"
        etag = S3.put_object(Bucket=source, Key=key, Body=text_of(index))["ETag"]
        sqs_call("SendMessage", {"QueueUrl": queue, "MessageBody": json.dumps(s3_event(source, key, etag))})
    return queue, dest


def depth(queue):
    attributes = sqs_call("GetQueueAttributes", {"QueueUrl": queue, "AttributeNames": [
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]})["Attributes"]
    return sum(int(value) for value in attributes.values())


def consumers(kind, concurrency, queue, dest):
    env = dict(os.environ, QUEUE_URL=queue, DEST_BUCKET=dest, WAIT_TIME_SECONDS="1", TXT2PDF_LOG_FORMAT="json")
    log = open(os.devnull, "wb")
    if kind == "dispatcher":
        env.update(JOB_COMMAND=JOB, MAX_CONCURRENCY=str(concurrency), HEALTH_PORT="0")
        return [subprocess.Popen([DISPATCHER], env=env, stderr=log, stdout=log)]
    script = os.path.join(HERE, "reference_consumer.py")
    return [subprocess.Popen(["/usr/bin/python3", script], env=env, stderr=log, stdout=log) for _ in range(concurrency)]


def run(kind, concurrency, files):
    queue, dest = prepare(files)
    started = time.monotonic()
    processes = consumers(kind, concurrency, queue, dest)
    try:
        while depth(queue) > 0:
            if any(p.poll() is not None for p in processes):
                raise RuntimeError(f"{kind} exited early with {[p.poll() for p in processes]}")
            time.sleep(0.1)
        elapsed = time.monotonic() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
    pdfs = S3.list_objects_v2(Bucket=dest, MaxKeys=1000).get("KeyCount", 0)
    if pdfs != files:
        raise RuntimeError(f"{kind} x{concurrency}: {pdfs} PDFs for {files} files")
    return files / elapsed


def main():
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    levels = [int(c) for c in (sys.argv[2] if len(sys.argv) > 2 else "1,2,4").split(",")]
    repeats = int(os.environ.get("BENCH_REPEATS", "1"))
    print(f"{files} files of ~2.6 KB per run; files/s from first receive to empty queue (median of {repeats})")
    print(f"{'concurrency':>11} {'dispatcher':>11} {'python ref':>11} {'ratio':>7}")
    for concurrency in levels:
        ours = statistics.median(run("dispatcher", concurrency, files) for _ in range(repeats))
        theirs = statistics.median(run("reference", concurrency, files) for _ in range(repeats))
        print(f"{concurrency:>11} {ours:>11.1f} {theirs:>11.1f} {ours / theirs:>6.2f}x", flush=True)


if __name__ == "__main__":
    main()
