#!/usr/bin/python3
"""Soak: N files through one txt2pdf-dispatcher (LAUNCHER=local or worker), sampling its RSS (VmRSS) and
open file descriptors (/proc/PID/fd) every --interval seconds. Prints the samples as they come
and, at the end, the growth between the first sample after --warmup files and the last one, per
1,000 files. Exit status 1 when not every PDF arrived or the dispatcher died.

    soak.py [--files 10000] [--concurrency 4] [--interval 2] [--warmup 200] [--timeout 7200]
            [--launcher local|worker]

Environment as bench/chaos/chaos.py (bench/soak/run sets it).
"""
import argparse
import concurrent.futures
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
from dispatcher_test import REGION, S3_ENDPOINT, s3_event, sqs_call  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

DISPATCHER = os.environ.get("TXT2PDF_DISPATCHER", "txt2pdf-dispatcher")
JOB = os.environ.get("TXT2PDF_JOB", "txt2pdf-job")


def sample(pid):
    with open(f"/proc/{pid}/status") as status:
        rss_kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return rss_kib, len(os.listdir(f"/proc/{pid}/fd"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--interval", type=float, default=2)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=7200)
    # worker: the dispatcher's worker pool (README "The worker pool"); the sampled RSS and fds are
    # the dispatcher's own, its workers (replaced every WORKER_MAX_JOBS conversions) not included.
    parser.add_argument("--launcher", choices=("local", "worker"), default="local")
    args = parser.parse_args()
    tag = f"{int(time.time()) % 100000:05d}{random.randrange(1000):03d}"
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=S3_ENDPOINT,
                      config=Config(s3={"addressing_style": "path"}, max_pool_connections=16))
    source, dest = "soak-src-" + tag, "soak-dst-" + tag
    s3.create_bucket(Bucket=source)
    s3.create_bucket(Bucket=dest)
    queue_url = sqs_call("CreateQueue", {"QueueName": "soak-" + tag, "Attributes": {"VisibilityTimeout": "60"}})[
        "QueueUrl"]
    keys = [f"soak/{i // 1000:02d}/file {i:05d}.txt" for i in range(args.files)]
    etags = {}

    def upload(key):
        etags[key] = s3.put_object(Bucket=source, Key=key, Body=f"{key}\n".encode() * 40)["ETag"]

    began = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(upload, keys))
    for start in range(0, len(keys), 10):
        sqs_call("SendMessageBatch", {"QueueUrl": queue_url, "Entries": [
            {"Id": str(n), "MessageBody": json.dumps(s3_event(source, key, etags[key]))}
            for n, key in enumerate(keys[start:start + 10])]})
    print(f"soak: {args.files} files uploaded and queued in {time.monotonic() - began:.0f} s", flush=True)

    work = tempfile.mkdtemp(prefix="soak-")
    env = dict(os.environ, QUEUE_URL=queue_url, DEST_BUCKET=dest, LAUNCHER=args.launcher, JOB_COMMAND=JOB,
               MAX_CONCURRENCY=str(args.concurrency), WAIT_TIME_SECONDS="1", HEALTH_PORT="0",
               HEALTH_ADDRESS="127.0.0.1", VISIBILITY_TIMEOUT_SECONDS="60")
    with open(os.path.join(work, "dispatcher.log"), "wb") as log:
        dispatcher = subprocess.Popen([DISPATCHER], env=env, stdout=log, stderr=subprocess.STDOUT)
    samples = []  # (seconds, files done, rss KiB, fds)
    started = time.monotonic()
    done = 0
    print(f"{'seconds':>8} {'files':>7} {'rss_kib':>8} {'fds':>4}", flush=True)
    while time.monotonic() - started < args.timeout and dispatcher.poll() is None:
        time.sleep(args.interval)
        done = sum(len(page.get("Contents", [])) for page in
                   s3.get_paginator("list_objects_v2").paginate(Bucket=dest))
        rss, fds = sample(dispatcher.pid)
        samples.append((time.monotonic() - started, done, rss, fds))
        print(f"{samples[-1][0]:8.0f} {done:7d} {rss:8d} {fds:4d}", flush=True)
        if done >= args.files:
            break
    died = dispatcher.poll()
    if died is None:
        dispatcher.send_signal(signal.SIGTERM)
        dispatcher.wait(timeout=60)
    steady = [s for s in samples if s[1] >= min(args.warmup, args.files // 5)] or samples
    first, last = steady[0], steady[-1]
    files = max(1, last[1] - first[1])
    result = {"files": args.files, "converted": done, "seconds": round(samples[-1][0], 1) if samples else 0,
              "files_per_second": round(done / max(1e-9, samples[-1][0]), 1) if samples else 0,
              "rss_kib_first": first[2], "rss_kib_last": last[2], "rss_kib_max": max(s[2] for s in samples),
              "rss_kib_per_1000_files": round((last[2] - first[2]) * 1000 / files, 1),
              "fds_first": first[3], "fds_last": last[3], "fds_max": max(s[3] for s in samples),
              "measured_from_file": first[1]}
    print(f"soak: {done}/{args.files} files in {result['seconds']} s ({result['files_per_second']}/s); RSS "
          f"{first[2]} -> {last[2]} KiB (max {result['rss_kib_max']}, {result['rss_kib_per_1000_files']} KiB per "
          f"1,000 files after file {first[1]}); fds {first[3]} -> {last[3]} (max {result['fds_max']})")
    print("SOAK_RESULT " + json.dumps(result))
    if died is not None or done < args.files:
        print(f"soak: FAILED: dispatcher exit {died}, {done}/{args.files} PDFs; log in {work}")
        sys.exit(1)


if __name__ == "__main__":
    main()
