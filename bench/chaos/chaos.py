#!/usr/bin/python3
"""Chaos run: N files through txt2pdf-dispatcher (LAUNCHER=local) while
tests/support/fault_proxy.py fails a share of the S3 and SQS requests, the dispatcher is SIGKILLed
and restarted several times and running conversions are SIGKILLed. Then checks that every good
input has its PDF, valid (`qpdf --check`) and stamped with the source's ETag
(x-amz-meta-source-etag), that the queue is empty and that the DLQ holds exactly the bad inputs,
each with a reason. Prints a summary (and one JSON line); exit status 1 when a check failed.

    chaos.py [--files 1000] [--bad 20] [--s3-fail 0.10] [--sqs-fail 0.05] [--dispatcher-kills 5]
             [--job-kills 50] [--timeout 1800] [--concurrency 4]

Environment: the S3 stack's credentials and AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SQS (fauxqs, or the
SigV4 proxy in front of it), TXT2PDF_DISPATCHER, TXT2PDF_JOB (bench/chaos/run and
tests/integration/chaos.cmake set them).
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
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
from dispatcher_test import REGION, S3_ENDPOINT, s3_event, sqs_call  # noqa: E402
from faults_test import FaultProxy  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

SQS = os.environ.get("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9334")
DISPATCHER = os.environ.get("TXT2PDF_DISPATCHER", "txt2pdf-dispatcher")
JOB = os.environ.get("TXT2PDF_JOB", "txt2pdf-job")


def chained(rate, rules):
    """Rules are tried in turn, so a rule's own rate applies to what the rules before it let
    through: turn each rule's "share" of `rate` into that conditional rate, so that the shares
    add up to `rate` of the requests (the measured share is printed)."""
    out, passed = [], 1.0
    for rule in rules:
        absolute = rate * rule.pop("share")
        out.append(dict(rule, rate=min(1.0, absolute / passed)))
        passed -= absolute
    return out


def s3_rules(rate):
    # Shares of `rate` over every request; a body cut short (GETs only) comes on top.
    return chained(rate, [{"fault": "throttle", "share": 0.3},
                          {"fault": "error", "status": 503, "share": 0.2},
                          {"fault": "error", "status": 500, "share": 0.2},
                          {"fault": "drop", "share": 0.2},
                          {"fault": "drop", "when": "after", "share": 0.1}]) + [
        {"fault": "truncate", "method": "GET", "rate": rate * 0.2}]


def sqs_rules(rate):
    return chained(rate, [{"fault": "throttle", "share": 0.4},
                          {"fault": "error", "status": 500, "share": 0.3},
                          {"fault": "drop", "share": 0.2},
                          {"fault": "drop", "when": "after", "share": 0.1}])


class Chaos:
    def __init__(self, args):
        self.args = args
        self.tag = f"{int(time.time()) % 100000:05d}{random.randrange(1000):03d}"
        self.work = tempfile.mkdtemp(prefix="chaos-")
        self.s3 = boto3.client("s3", region_name=REGION, endpoint_url=S3_ENDPOINT,
                               config=Config(s3={"addressing_style": "path"}, max_pool_connections=16))
        self.source, self.dest = "chaos-src-" + self.tag, "chaos-dst-" + self.tag
        self.dispatchers = []
        self.kills = {"dispatcher": 0, "job": 0}
        self.failures = []

    # -- arrange -------------------------------------------------------------------------------
    def arrange(self):
        self.s3.create_bucket(Bucket=self.source)
        self.s3.create_bucket(Bucket=self.dest)
        self.dlq_url = sqs_call("CreateQueue", {"QueueName": "chaos-dlq-" + self.tag})["QueueUrl"]
        dlq_arn = sqs_call("GetQueueAttributes", {"QueueUrl": self.dlq_url, "AttributeNames": ["QueueArn"]})[
            "Attributes"]["QueueArn"]
        # Redrive only far above what the kills can cause: the dispatcher itself dead-letters.
        self.queue_url = sqs_call("CreateQueue", {"QueueName": "chaos-" + self.tag, "Attributes": {
            "VisibilityTimeout": "10",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 100})}})["QueueUrl"]
        count, bad = self.args.files, self.args.bad
        self.bad_keys = {f"bad/{i:04d}.txt" for i in range(bad)}
        self.good_keys = [f"good/{i // 100:02d}/file {i:04d}.txt" for i in range(count - bad)]
        self.etags = {}

        def upload(key):
            if key in self.bad_keys:
                body = bytes(range(256)) * 16  # NULs: refused as binary (65)
            else:
                body = "".join(f"{key}: line {n}\n" for n in range(1 + hash(key) % 400)).encode()
            self.etags[key] = self.s3.put_object(Bucket=self.source, Key=key, Body=body)["ETag"]

        keys = self.good_keys + sorted(self.bad_keys)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(upload, keys))
        random.Random(1).shuffle(keys)
        for start in range(0, len(keys), 10):
            entries = [{"Id": str(n), "MessageBody": json.dumps(s3_event(self.source, key, self.etags[key]))}
                       for n, key in enumerate(keys[start:start + 10])]
            reply = sqs_call("SendMessageBatch", {"QueueUrl": self.queue_url, "Entries": entries})
            if reply.get("Failed"):
                raise RuntimeError(f"SendMessageBatch failed: {reply['Failed']}")

    # -- act -----------------------------------------------------------------------------------
    def start_dispatcher(self):
        env = dict(os.environ)
        env.update({"QUEUE_URL": self.queue_url, "DEST_BUCKET": self.dest, "DLQ_URL": self.dlq_url,
                    "LAUNCHER": "local", "JOB_COMMAND": JOB, "MAX_CONCURRENCY": str(self.args.concurrency),
                    "WAIT_TIME_SECONDS": "1", "RETRY_BASE_SECONDS": "1", "VISIBILITY_TIMEOUT_SECONDS": "10",
                    "DRAIN_TIMEOUT_SECONDS": "10", "HEALTH_PORT": "0", "HEALTH_ADDRESS": "127.0.0.1",
                    "AWS_ENDPOINT_URL": self.s3_proxy.url, "AWS_ENDPOINT_URL_S3": self.s3_proxy.url,
                    "AWS_ENDPOINT_URL_SQS": self.sqs_proxy.url, "TXT2PDF_LOW_SPEED_TIMEOUT_S": "5"})
        log = open(os.path.join(self.work, f"dispatcher-{len(self.dispatchers)}.log"), "wb")
        process = subprocess.Popen([DISPATCHER], env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.dispatchers.append(process)
        return process

    def running_jobs(self, parent):
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == parent:
                    pids.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
        return pids

    def pdf_count(self):
        total = 0
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.dest):
            total += len(page.get("Contents", []))
        return total

    def depth(self, url):
        attributes = sqs_call("GetQueueAttributes", {"QueueUrl": url, "AttributeNames": [
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed"]})["Attributes"]
        return sum(int(value) for value in attributes.values())

    def act(self):
        self.s3_proxy = FaultProxy(S3_ENDPOINT, s3_rules(self.args.s3_fail), seed=11)
        self.sqs_proxy = FaultProxy(SQS, sqs_rules(self.args.sqs_fail), seed=12)
        rng = random.Random(3)
        good = len(self.good_keys)
        # Dispatcher kills at evenly spaced shares of the PDFs; job kills spread over the run.
        kill_at = [good * (n + 1) // (self.args.dispatcher_kills + 1) for n in range(self.args.dispatcher_kills)]
        job_kill_every = max(1, good // max(1, self.args.job_kills)) if self.args.job_kills else None
        dispatcher = self.start_dispatcher()
        started = time.monotonic()
        next_job_kill = job_kill_every
        while time.monotonic() - started < self.args.timeout:
            time.sleep(0.5)
            done = self.pdf_count()
            if kill_at and done >= kill_at[0]:
                kill_at.pop(0)
                dispatcher.send_signal(signal.SIGKILL)
                dispatcher.wait()
                self.kills["dispatcher"] += 1
                dispatcher = self.start_dispatcher()
                continue
            if job_kill_every and self.kills["job"] < self.args.job_kills and done >= next_job_kill:
                jobs = self.running_jobs(dispatcher.pid)
                if jobs:
                    os.kill(rng.choice(jobs), signal.SIGKILL)
                    self.kills["job"] += 1
                    next_job_kill += job_kill_every
            if dispatcher.poll() is not None:
                self.failures.append(f"the dispatcher exited by itself with {dispatcher.returncode}")
                dispatcher = self.start_dispatcher()
            if done >= good and not kill_at and self.depth(self.queue_url) == 0 and self.depth(self.dlq_url) >= len(self.bad_keys):
                break
        else:
            self.failures.append(f"timed out after {self.args.timeout} s with {self.pdf_count()}/{good} PDFs")
        self.elapsed = time.monotonic() - started
        dispatcher.send_signal(signal.SIGTERM)
        try:
            code = dispatcher.wait(timeout=60)
        except subprocess.TimeoutExpired:
            dispatcher.kill()
            code = "killed after 60 s"
        if code != 0:
            self.failures.append(f"the last dispatcher exited with {code} after SIGTERM")
        self.fault_stats = {"s3": self.s3_proxy.stats(), "sqs": self.sqs_proxy.stats()}
        self.s3_proxy.close()
        self.sqs_proxy.close()

    # -- assert --------------------------------------------------------------------------------
    def check(self):
        pdfs = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.dest):
            for item in page.get("Contents", []):
                pdfs[item["Key"]] = item
        expected = {key[:-4] + ".pdf": key for key in self.good_keys}
        missing = sorted(set(expected) - set(pdfs))
        extra = sorted(set(pdfs) - set(expected))
        if missing:
            self.failures.append(f"{len(missing)} PDFs missing, e.g. {missing[:3]}")
        if extra:
            self.failures.append(f"{len(extra)} unexpected objects, e.g. {extra[:3]}")
        self.invalid = []

        def verify(pdf_key):
            source = expected[pdf_key]
            head = self.s3.head_object(Bucket=self.dest, Key=pdf_key)
            stamped = head["Metadata"].get("source-etag", "").strip('"')
            if stamped != self.etags[source].strip('"'):
                return f"{pdf_key}: source-etag {stamped!r} != {self.etags[source]}"
            body = self.s3.get_object(Bucket=self.dest, Key=pdf_key)["Body"].read()
            path = os.path.join(self.work, f"check-{abs(hash(pdf_key))}.pdf")
            with open(path, "wb") as out:
                out.write(body)
            check = subprocess.run(["qpdf", "--check", path], capture_output=True, text=True, check=False)
            os.unlink(path)
            if check.returncode != 0:
                return f"{pdf_key}: qpdf --check exit {check.returncode}: {check.stdout[-200:]}{check.stderr[-200:]}"
            return None

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            self.invalid = [r for r in pool.map(verify, sorted(set(expected) & set(pdfs))) if r]
        if self.invalid:
            self.failures.append(f"{len(self.invalid)} PDFs invalid or unstamped, e.g. {self.invalid[:3]}")
        depth = self.depth(self.queue_url)
        if depth:
            self.failures.append(f"the queue still holds {depth} messages")
        self.dlq = []
        for _ in range(200):
            messages = sqs_call("ReceiveMessage", {"QueueUrl": self.dlq_url, "MaxNumberOfMessages": 10,
                                                   "WaitTimeSeconds": 1, "VisibilityTimeout": 600,
                                                   "MessageAttributeNames": ["All"]}).get("Messages", [])
            if not messages:
                break
            self.dlq += messages
        dead = [m["MessageAttributes"].get("object_key", {}).get("StringValue", "?") for m in self.dlq]
        self.dlq_duplicates = len(dead) - len(set(dead))
        if set(dead) != self.bad_keys:
            self.failures.append(f"DLQ holds {sorted(set(dead) ^ self.bad_keys)[:5]} beyond/short of the bad inputs")
        no_reason = [m for m in self.dlq if not m["MessageAttributes"].get("reason", {}).get("StringValue")]
        if no_reason:
            self.failures.append(f"{len(no_reason)} DLQ messages without a reason")
        self.reasons = sorted({m["MessageAttributes"].get("reason", {}).get("StringValue", "")[:80] for m in self.dlq})

    def report(self):
        def share(stats):
            faulted = sum(stats[k] for k in ("throttle", "error", "drop", "truncate", "blackhole"))
            return f"{faulted}/{stats['requests']} ({100.0 * faulted / max(1, stats['requests']):.1f} %)"

        summary = {
            "files": self.args.files, "bad": len(self.bad_keys), "seconds": round(self.elapsed, 1),
            "s3_faults": share(self.fault_stats["s3"]), "sqs_faults": share(self.fault_stats["sqs"]),
            "s3_by_kind": {k: self.fault_stats["s3"][k] for k in ("throttle", "error", "drop", "truncate")},
            "sqs_by_kind": {k: self.fault_stats["sqs"][k] for k in ("throttle", "error", "drop")},
            "dispatcher_kills": self.kills["dispatcher"], "job_kills": self.kills["job"],
            "pdfs_invalid": len(self.invalid), "dlq_messages": len(self.dlq),
            "dlq_duplicates": self.dlq_duplicates, "failures": self.failures}
        print(f"chaos: {summary['files']} files ({summary['bad']} bad) in {summary['seconds']} s; "
              f"S3 requests failed {summary['s3_faults']}, SQS requests failed {summary['sqs_faults']}; "
              f"dispatcher SIGKILLed {summary['dispatcher_kills']}x, jobs SIGKILLed {summary['job_kills']}x; "
              f"DLQ {summary['dlq_messages']} messages ({self.dlq_duplicates} duplicates)")
        print("chaos: DLQ reasons: " + "; ".join(self.reasons))
        print("CHAOS_RESULT " + json.dumps(summary))
        for failure in self.failures:
            print("chaos: FAILED: " + failure)
        if self.failures:
            print(f"chaos: logs in {self.work}")
        return 1 if self.failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--bad", type=int, default=None, help="bad (binary) inputs among them; default 2 %%")
    parser.add_argument("--s3-fail", type=float, default=0.10)
    parser.add_argument("--sqs-fail", type=float, default=0.05)
    parser.add_argument("--dispatcher-kills", type=int, default=5)
    parser.add_argument("--job-kills", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    if args.bad is None:
        args.bad = max(1, args.files // 50)
    chaos = Chaos(args)
    chaos.arrange()
    chaos.act()
    chaos.check()
    sys.exit(chaos.report())


if __name__ == "__main__":
    main()
