#!/usr/bin/python3
"""`txt2pdf-dispatcher backfill` and the manifest mode of txt2pdf-job, end to end: real radosgw
(ListObjectsV2 paged with a small --page-size, SigV4 checked) and real fauxqs (SendMessageBatch).
boto3 arranges and checks (the independent client); the queued events are consumed by the real
txt2pdf-dispatcher; manifest children run as separate txt2pdf-job processes with their own index.

Environment (tests/integration/backfill.cmake): the S3 stack's AWS_* variables, AWS_ENDPOINT_URL_SQS,
TXT2PDF_DISPATCHER, TXT2PDF_JOB. Each test uses buckets and queues of its own.
"""
import gzip
import http.client
import http.server
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid

import boto3
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dispatcher_test import sqs_call  # noqa: E402  (the JSON-protocol SQS helper)

DISPATCHER = os.environ.get("TXT2PDF_DISPATCHER", "txt2pdf-dispatcher")
JOB = os.environ.get("TXT2PDF_JOB", "txt2pdf-job")
REGION = os.environ.get("AWS_REGION", "us-east-1")
S3_ENDPOINT = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")

KEYS = ["plain.txt", "with space.txt", "plus+sign.txt", "c++/notes.txt", "100% done.txt", "a=b&c=d.txt",
        "reports/2024 Q1/Überblick – März.txt", "日本語.txt", "emoji 😀.txt", "tilde~and'quote.txt",
        "semi;colon,comma.txt", "#hash?.txt", "line\u00a0nbsp.txt", "deep/nested/dir/file.txt"]


def dest_key_for(key):
    return key[:-4] + ".pdf" if key.endswith(".txt") else key + ".pdf"


def log_records(stderr):
    records = []
    for line in stderr.splitlines():
        line = line.strip()
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


class FaultProxy:
    """Forwards HTTP to radosgw unchanged (the Host header too, so signatures stay valid) and
    answers 503 SlowDown to GETs of keys containing `fail_marker` while `failing` is set."""

    def __init__(self, target, fail_marker):
        self.failing = True
        self.failed = 0
        parsed = urllib.parse.urlparse(target)
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if (proxy.failing and self.command == "GET"
                        and urllib.parse.quote(fail_marker) in self.path):
                    proxy.failed += 1
                    payload = b"<Error><Code>SlowDown</Code><RequestId>proxy</RequestId></Error>"
                    self.send_response(503)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                upstream = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("expect", "connection")}
                upstream.request(self.command, self.path, body=body, headers=headers)
                reply = upstream.getresponse()
                data = reply.read()
                self.send_response(reply.status)
                for name, value in reply.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                # A HEAD reply has no body but the object's length.
                length = reply.getheader("Content-Length") if self.command == "HEAD" else None
                self.send_header("Content-Length", length or str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                upstream.close()

            do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = handle_any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class BackfillTest(unittest.TestCase):
    def setUp(self):
        self.tag = uuid.uuid4().hex[:8]
        self.s3 = boto3.client("s3", region_name=REGION, endpoint_url=S3_ENDPOINT,
                               config=Config(s3={"addressing_style": "path"}))
        self.source, self.dest = "bf-src-" + self.tag, "bf-dst-" + self.tag
        self.s3.create_bucket(Bucket=self.source)
        self.s3.create_bucket(Bucket=self.dest)
        self.work = tempfile.mkdtemp(prefix="backfill-it-")
        self.processes = []

    def tearDown(self):
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()
            for stream in (process.stdout, process.stderr):
                if stream:
                    stream.close()
        self.s3.close()

    # -- helpers --------------------------------------------------------------------------------
    def upload(self, keys, body=b"hello\nworld\n"):
        return {key: self.s3.put_object(Bucket=self.source, Key=key, Body=body)["ETag"].strip('"') for key in keys}

    def pdfs(self):
        found = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.dest):
            for item in page.get("Contents", []):
                if item["Key"].endswith(".pdf"):
                    found[item["Key"]] = (item["ETag"], item["LastModified"])
        return found

    def env(self, **extra):
        env = dict(os.environ, DEST_BUCKET=self.dest, TMPDIR=self.work, TXT2PDF_LOG_FORMAT="json")
        env.update(extra)
        return env

    def backfill(self, *args, timeout=240, **extra):
        done = subprocess.run([DISPATCHER, "backfill", *args], env=self.env(**extra), capture_output=True,
                              text=True, timeout=timeout, check=False)
        records = log_records(done.stderr)
        summary = next((r for r in reversed(records) if r.get("msg") == "backfill done"), None)
        return done, summary

    def child(self, manifest_uri, index, index_variable="AWS_BATCH_JOB_ARRAY_INDEX", **extra):
        env = self.env(MANIFEST_URI=manifest_uri, REPORT_URI=f"s3://{self.dest}/backfill/reports/",
                       **{index_variable: str(index)}, **extra)
        return subprocess.Popen([JOB], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def report(self, index):
        key = f"backfill/reports/child-{index:05d}.jsonl"
        body = self.s3.get_object(Bucket=self.dest, Key=key)["Body"].read().decode()
        return [json.loads(line) for line in body.splitlines()]

    def convert_directly(self, key):
        env = self.env(SOURCE_BUCKET=self.source, OBJECT_KEY=key)
        self.assertEqual(subprocess.run([JOB], env=env, capture_output=True, timeout=120).returncode, 0)

    # -- tests ----------------------------------------------------------------------------------
    def test_enqueue_pages_weird_keys_and_dispatchers_convert_them(self):
        self.upload(KEYS + ["skip.log", "noext"])
        self.convert_directly("plain.txt")  # already done: must not be queued
        queue_url = sqs_call("CreateQueue", {"QueueName": "bf-" + self.tag})["QueueUrl"]
        done, summary = self.backfill(f"s3://{self.source}", "--enqueue", queue_url, "--page-size", "3")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual((summary["listed"], summary["skipped"], summary["queued"]), (len(KEYS), 1, len(KEYS) - 1))
        # What the queue holds: S3 events whose keys decode (unquote_plus, as AWS's own) to the keys.
        queued = []
        for _ in range(20):
            reply = sqs_call("ReceiveMessage", {"QueueUrl": queue_url, "MaxNumberOfMessages": 10,
                                                "WaitTimeSeconds": 1, "VisibilityTimeout": 1})
            if not reply.get("Messages"):
                break
            for message in reply["Messages"]:
                record = json.loads(message["Body"])["Records"][0]
                self.assertEqual(record["eventName"], "ObjectCreated:Put")
                queued.append(urllib.parse.unquote_plus(record["s3"]["object"]["key"]))
            if len(queued) >= len(KEYS) - 1:
                break
        self.assertEqual(sorted(queued), sorted(k for k in KEYS if k != "plain.txt"))
        # Run again: the checkpoint says everything was queued; nothing is sent twice.
        again, summary = self.backfill(f"s3://{self.source}", "--enqueue", queue_url, "--page-size", "3")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(summary["queued"], 0, again.stderr)
        # The running dispatcher parses the events unchanged and converts every object.
        time.sleep(1.5)  # the received messages become visible again
        dispatcher = subprocess.Popen([DISPATCHER], env=self.env(QUEUE_URL=queue_url, HEALTH_PORT="0",
                                                                 WAIT_TIME_SECONDS="1", JOB_COMMAND=JOB),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.processes.append(dispatcher)
        expected = {dest_key_for(k) for k in KEYS}
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and not expected <= set(self.pdfs()):
            time.sleep(1)
        dispatcher.send_signal(signal.SIGTERM)
        dispatcher.wait(timeout=60)
        self.assertLessEqual(expected, set(self.pdfs()), dispatcher.stderr.read()[-3000:])

    def test_convert_interrupted_then_resumed_does_no_work_twice(self):
        keys = [f"batch/{i:03d} file.txt" for i in range(24)]
        self.upload(keys)
        args = [f"s3://{self.source}/batch/", "--convert", "--page-size", "4", "--concurrency", "2"]
        first = subprocess.Popen([DISPATCHER, "backfill", *args], env=self.env(), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
        self.processes.append(first)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(self.pdfs()) < 6:
            time.sleep(0.2)
        first.send_signal(signal.SIGKILL)  # the hardest interruption: no chance to clean up
        first.wait()
        before = self.pdfs()
        self.assertGreaterEqual(len(before), 6)
        self.assertLess(len(before), len(keys), "the first run finished before it was interrupted")
        done, summary = self.backfill(*args)
        self.assertEqual(done.returncode, 0, done.stderr)
        after = self.pdfs()
        self.assertEqual(set(after), {dest_key_for(k) for k in keys})
        for key, version in before.items():
            self.assertEqual(after[key], version, f"{key} was converted twice")
        self.assertEqual(summary["converted"], len(keys) - len(before), done.stderr)
        # And a third run has nothing left to do.
        third, summary = self.backfill(*args, "--no-checkpoint")
        self.assertEqual(third.returncode, 0, third.stderr)
        self.assertEqual((summary["converted"], summary["skipped"]), (0, len(keys)))

    def test_manifest_split_over_children(self):
        self.upload(KEYS)
        manifest_uri = f"s3://{self.dest}/backfill/manifest.csv"
        done, summary = self.backfill(f"s3://{self.source}", "--manifest", manifest_uri, "--chunk-size", "5")
        self.assertEqual(done.returncode, 0, done.stderr)
        children = int(done.stdout.strip())
        self.assertEqual(children, (len(KEYS) + 4) // 5)
        # Separate processes, different indices (Batch's and Kubernetes' variables), at the same time.
        processes = [self.child(manifest_uri, i, "AWS_BATCH_JOB_ARRAY_INDEX" if i % 2 else "JOB_COMPLETION_INDEX",
                                MANIFEST_CHUNK_SIZE="5") for i in range(children)]
        for process in processes:
            _, stderr = process.communicate(timeout=240)
            self.assertEqual(process.returncode, 0, stderr[-3000:])
        self.assertEqual(set(self.pdfs()), {dest_key_for(k) for k in KEYS})
        reported = []
        for i in range(children):
            lines = self.report(i)
            self.assertLessEqual(len(lines), 5)
            self.assertTrue(all(line["outcome"] == "converted" and line["exit_code"] == 0 and line["pages"] >= 1
                                for line in lines), lines)
            reported += [line["key"] for line in lines]
        self.assertEqual(sorted(reported), sorted(KEYS))  # each key in exactly one child

    def test_transient_failure_in_one_child_is_retried_and_skips_what_is_done(self):
        keys = [f"k{i}.txt" for i in range(6)] + ["flaky one.txt"]
        self.upload(keys)
        manifest = "".join(f"{self.source},{urllib.parse.quote(k)}\n" for k in keys)
        self.s3.put_object(Bucket=self.dest, Key="backfill/m.csv", Body=manifest.encode())
        uri = f"s3://{self.dest}/backfill/m.csv"
        proxy = FaultProxy(S3_ENDPOINT, "flaky one.txt")
        self.addCleanup(proxy.close)
        # Child 1 (keys 4..6) reaches S3 through the failing proxy; child 0 does not.
        zero = self.child(uri, 0, MANIFEST_CHUNK_SIZE="4")
        one = self.child(uri, 1, MANIFEST_CHUNK_SIZE="4", AWS_ENDPOINT_URL=proxy.url, AWS_ENDPOINT_URL_S3=proxy.url,
                         TXT2PDF_MAX_ATTEMPTS="2")
        _, err0 = zero.communicate(timeout=240)
        _, err1 = one.communicate(timeout=240)
        self.assertEqual(zero.returncode, 0, err0[-2000:])
        self.assertEqual(one.returncode, 75, err1[-2000:])
        self.assertGreater(proxy.failed, 0)
        outcomes = {line["key"]: (line["outcome"], line["exit_code"]) for line in self.report(1)}
        self.assertEqual(outcomes, {"k4.txt": ("converted", 0), "k5.txt": ("converted", 0),
                                    "flaky one.txt": ("failed", 75)})
        # The scheduler runs the child again: the failure has passed, the done keys are skipped.
        proxy.failing = False
        again = self.child(uri, 1, MANIFEST_CHUNK_SIZE="4", AWS_ENDPOINT_URL=proxy.url, AWS_ENDPOINT_URL_S3=proxy.url)
        _, err = again.communicate(timeout=240)
        self.assertEqual(again.returncode, 0, err[-2000:])
        outcomes = {line["key"]: line["outcome"] for line in self.report(1)}
        self.assertEqual(outcomes, {"k4.txt": "skipped", "k5.txt": "skipped", "flaky one.txt": "converted"})
        self.assertEqual(set(self.pdfs()), {dest_key_for(k) for k in keys})

    def test_inventory_manifest_with_a_missing_key_fails_permanently(self):
        keys = ["inv a.txt", "inv+b.txt"]
        self.upload(keys)
        rows = [f'"{self.source}","{urllib.parse.quote_plus(k)}","","true","false","12"' for k in keys + ["gone.txt"]]
        # Two gzipped files, as Inventory splits large reports.
        for i, part in enumerate((rows[:2], rows[2:])):
            self.s3.put_object(Bucket=self.dest, Key=f"inv/files/{i}.csv.gz",
                               Body=gzip.compress(("\n".join(part) + "\n").encode()))
        manifest = {"sourceBucket": self.source, "destinationBucket": f"arn:aws:s3:::{self.dest}",
                    "version": "2016-11-30", "fileFormat": "CSV",
                    "fileSchema": "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size",
                    "files": [{"key": f"inv/files/{i}.csv.gz", "size": 1, "MD5checksum": "x"} for i in range(2)]}
        self.s3.put_object(Bucket=self.dest, Key="inv/manifest.json", Body=json.dumps(manifest).encode())
        child = self.child(f"s3://{self.dest}/inv/manifest.json", 0)
        _, err = child.communicate(timeout=240)
        self.assertEqual(child.returncode, 66, err[-2000:])  # not-found: Batch must not retry
        outcomes = {line["key"]: (line["outcome"], line["exit_code"]) for line in self.report(0)}
        self.assertEqual(outcomes, {"inv a.txt": ("converted", 0), "inv+b.txt": ("converted", 0),
                                    "gone.txt": ("failed", 66)})


if __name__ == "__main__":
    unittest.main()
