#!/usr/bin/python3
"""Times txt2pdf-job against reference_job.py (boto3 + ReportLab) on the local S3 stack.

Each run is one process, start to exit, doing the whole job: GET, render, PUT, HEAD. Both write
to a fresh destination key every run (txt2pdf-job would otherwise skip an existing PDF).
Inputs are generated deterministically: ~10 KB and ~1 MB ASCII logs, some lines longer than the
75-column grid so both wrap. Also times `txt2pdf-job render` on a one-line file (process start ->
exit) when the binary has that mode. Prints medians and ratios (reference / txt2pdf-job).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import boto3
from botocore.config import Config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STACK = os.path.join(REPO, "scripts", "local-stack")
REFERENCE = os.path.join(REPO, "bench", "job", "reference_job.py")
SOURCE, DEST = "txt2pdf-bench-in", "txt2pdf-bench-out"


def log_text(size):
    """A deterministic log of about `size` bytes; every 7th line is 160+ columns long."""
    lines, total, n = [], 0, 0
    while total < size:
        line = f"2026-11-23T12:{n // 60 % 60:02d}:{n % 60:02d}Z worker-{n % 13} request {n * 7919 % 1000003} ok"
        if n % 7 == 0:
            line += " detail=" + "abcdefghij" * 15
        lines.append(line)
        total += len(line) + 1
        n += 1
    return ("\n".join(lines) + "\n").encode("ascii")


def stack(command):
    return subprocess.run([STACK, command], check=True, capture_output=True, text=True).stdout


def stack_env():
    env = dict(os.environ, AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
               AWS_EC2_METADATA_DISABLED="true")
    for line in stack("env").splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = value
    return env


def timed(argv, env):
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{argv[0]} failed with {done.returncode}: {done.stderr.decode()[-2000:]}")
    return seconds


def ms(seconds):
    return f"{seconds * 1000:8.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job", required=True, help="txt2pdf-job binary")
    parser.add_argument("--runs", type=int, default=7, help="runs per case (median reported)")
    args = parser.parse_args()

    was_running = subprocess.run([STACK, "status"], capture_output=True).returncode == 0
    stack("start")
    try:
        env = stack_env()
        s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                          aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                          config=Config(s3={"addressing_style": "path"}))
        existing = {b["Name"] for b in s3.list_buckets()["Buckets"]}
        for bucket in (SOURCE, DEST):
            if bucket not in existing:
                s3.create_bucket(Bucket=bucket)

        print(f"txt2pdf-job vs boto3 + ReportLab reference, {args.runs} runs each, local radosgw "
              f"at {env['AWS_ENDPOINT_URL']}, medians (process start -> exit, GET+render+PUT+HEAD)")
        print(f"{'input':>8} {'txt2pdf-job':>12} {'reference':>12} {'ratio':>7} {'pdf bytes (job / ref)':>24}")
        for label, size in (("10 KB", 10_000), ("1 MB", 1_000_000)):
            key = f"input-{size}.txt"
            s3.put_object(Bucket=SOURCE, Key=key, Body=log_text(size))
            times = {"job": [], "ref": []}
            for run in range(args.runs):
                for name, argv in (("job", [args.job]), ("ref", [sys.executable, REFERENCE])):
                    run_env = dict(env, SOURCE_BUCKET=SOURCE, OBJECT_KEY=key, DEST_BUCKET=DEST,
                                   DEST_KEY=f"{name}/{size}/{run}-{time.time_ns()}.pdf")
                    times[name].append(timed(argv, run_env))
                    if run == 0:
                        times[name + "_bytes"] = s3.head_object(Bucket=DEST, Key=run_env["DEST_KEY"])["ContentLength"]
            job, ref = statistics.median(times["job"]), statistics.median(times["ref"])
            print(f"{label:>8} {ms(job):>12} {ms(ref):>12} {ref / job:6.1f}x "
                  f"{times['job_bytes']:>11} / {times['ref_bytes']}")

        with tempfile.TemporaryDirectory() as tmp:
            one = os.path.join(tmp, "one.txt")
            with open(one, "w", encoding="ascii") as f:
                f.write("Hello, one line.\n")
            out = os.path.join(tmp, "one.pdf")
            probe = subprocess.run([args.job, "render", one, out], capture_output=True, check=False)
            if probe.returncode != 0 or not os.path.exists(out):
                print(f"render mode: not available in this binary (exit {probe.returncode})")
                return
            runs = max(args.runs, 20)
            job = statistics.median(timed([args.job, "render", one, out], env) for _ in range(runs))
            ref = statistics.median(timed([sys.executable, REFERENCE, "render", one, out], env)
                                    for _ in range(runs))
            print(f"render, 1-line file, {runs} runs: txt2pdf-job render {ms(job)}, "
                  f"reference render {ms(ref)}, ratio {ref / job:.1f}x")
    finally:
        if not was_running:
            stack("stop")


if __name__ == "__main__":
    main()
