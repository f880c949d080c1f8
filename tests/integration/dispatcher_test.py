#!/usr/bin/python3
"""txt2pdf-dispatcher end to end: real fauxqs (SQS, JSON protocol) and real radosgw (S3) on
127.0.0.1, the real txt2pdf-job through the launcher TXT2PDF_TEST_LAUNCHER names: `local` (a
process per file; faults injected by shell wrappers) or `worker` (the worker pool; the same faults
injected by worker_proxy.py in front of a real `txt2pdf-job worker`). No server turns uploads into SQS
messages, so each test uploads with boto3 and then sends the exact AWS event format itself.

Environment (set by tests/integration/dispatcher.cmake): the S3 stack's credentials and
AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SQS (fauxqs), TXT2PDF_DISPATCHER, TXT2PDF_JOB.
Each test uses queues and buckets of its own, so tests can run in parallel.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request
import uuid

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
SQS = os.environ.get("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9334")
DISPATCHER = os.environ.get("TXT2PDF_DISPATCHER", "txt2pdf-dispatcher")
JOB = os.environ.get("TXT2PDF_JOB", "txt2pdf-job")
REGION = os.environ.get("AWS_REGION", "us-east-1")
LAUNCHER = os.environ.get("TXT2PDF_TEST_LAUNCHER", "local")
PROXY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker_proxy.py")
# Debian's boto3 1.26 predates AWS_ENDPOINT_URL support: pass the endpoint explicitly.
S3_ENDPOINT = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")


def sqs_call(operation, body):
    """One SQS JSON-protocol call (awscli 2.9 / botocore 1.29 speak only the query protocol)."""
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=SQS + "/", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS." + operation})
    credentials = botocore.credentials.Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
    botocore.auth.SigV4Auth(credentials, "sqs", REGION).add_auth(request)
    prepared = request.prepare()
    http_request = urllib.request.Request(prepared.url, data=prepared.body, headers=dict(prepared.headers), method="POST")
    try:
        with urllib.request.urlopen(http_request, timeout=30) as reply:
            text = reply.read().decode()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"SQS {operation} -> {error.code}: {error.read().decode()}") from None
    return json.loads(text) if text.strip() else {}


def s3_event(bucket, key, etag="", size=0):
    """The S3 notification AWS sends (eventVersion 2.1): the key form-URL-encoded, '/' kept."""
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": REGION,
        "eventTime": "2024-01-01T00:00:00.000Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:EXAMPLE"}, "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": "EXAMPLE", "x-amz-id-2": "EXAMPLE"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "txt2pdf",
               "bucket": {"name": bucket, "ownerIdentity": {"principalId": "EXAMPLE"}, "arn": "arn:aws:s3:::" + bucket},
               "object": {"key": urllib.parse.quote_plus(key, safe="/"), "size": size, "eTag": etag.strip('"'),
                          "sequencer": "0055AED6DCD90281E5"}}}]}


def sns_envelope(event):
    return {"Type": "Notification", "MessageId": str(uuid.uuid4()),
            "TopicArn": "arn:aws:sns:us-east-1:111122223333:uploads", "Subject": "Amazon S3 Notification",
            "Message": json.dumps(event), "Timestamp": "2024-01-01T00:00:00.000Z", "SignatureVersion": "1",
            "Signature": "EXAMPLE", "SigningCertURL": "https://example.invalid/cert.pem",
            "UnsubscribeURL": "https://example.invalid/unsubscribe"}


def eventbridge(bucket, key, etag):
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Object Created", "source": "aws.s3",
            "account": "111122223333", "time": "2024-01-01T00:00:00Z", "region": REGION,
            "resources": ["arn:aws:s3:::" + bucket],
            "detail": {"version": "0", "bucket": {"name": bucket},
                       "object": {"key": key, "size": 1, "etag": etag.strip('"'), "sequencer": "1"},
                       "request-id": "EXAMPLE", "requester": "111122223333", "source-ip-address": "127.0.0.1",
                       "reason": "PutObject"}}


WEIRD_KEYS = ["plain.txt", "with space.txt", "plus+sign.txt", "c++/notes.txt", "100% done.txt",
              "a=b&c=d.txt", "file (1).txt", "reports/2024 Q1/Überblick – März.txt", "日本語.txt",
              "deep/nested/dir/file.txt", "emoji 😀.txt", "tilde~and'quote.txt", "semi;colon,comma.txt",
              "UPPER.TXT", "no-extension", "dots...txt", "#hash.txt", "at@sign.txt", "dollar$.txt", "[brackets].txt"]


class DispatcherTest(unittest.TestCase):
    def setUp(self):
        self.tag = uuid.uuid4().hex[:8]
        self.s3 = boto3.client("s3", region_name=REGION, endpoint_url=S3_ENDPOINT,
                               config=Config(s3={"addressing_style": "path"}))
        self.source = "src-" + self.tag
        self.dest = "dst-" + self.tag
        self.s3.create_bucket(Bucket=self.source)
        self.s3.create_bucket(Bucket=self.dest)
        self.dlq_url = sqs_call("CreateQueue", {"QueueName": "dlq-" + self.tag})["QueueUrl"]
        dlq_arn = sqs_call("GetQueueAttributes", {"QueueUrl": self.dlq_url, "AttributeNames": ["QueueArn"]})[
            "Attributes"]["QueueArn"]
        self.queue_url = sqs_call("CreateQueue", {"QueueName": "jobs-" + self.tag, "Attributes": {
            "VisibilityTimeout": "30",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})}})["QueueUrl"]
        self.work = tempfile.mkdtemp(prefix="dispatcher-it-")
        self.processes = []

    def tearDown(self):
        self.s3.close()
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()

    # -- helpers -------------------------------------------------------------------------------
    def upload(self, key, body=b"hello\nworld\n"):
        return self.s3.put_object(Bucket=self.source, Key=key, Body=body)["ETag"]

    def send(self, body):
        sqs_call("SendMessage", {"QueueUrl": self.queue_url,
                                 "MessageBody": body if isinstance(body, str) else json.dumps(body)})

    def start_dispatcher(self, extra=None, port=0):
        env = dict(os.environ)
        env.update({"QUEUE_URL": self.queue_url, "DEST_BUCKET": self.dest, "DLQ_URL": self.dlq_url,
                    "JOB_COMMAND": JOB, "LAUNCHER": LAUNCHER, "MAX_CONCURRENCY": "4", "WAIT_TIME_SECONDS": "1",
                    "HEALTH_ADDRESS": "127.0.0.1", "HEALTH_PORT": str(port), "RETRY_BASE_SECONDS": "1",
                    "VISIBILITY_TIMEOUT_SECONDS": "30", "DRAIN_TIMEOUT_SECONDS": "10"})
        env.update(extra or {})
        with open(os.path.join(self.work, f"dispatcher-{len(self.processes)}.log"), "wb") as log:
            process = subprocess.Popen([DISPATCHER], env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def log_text(self):
        text = ""
        for name in sorted(os.listdir(self.work)):
            if name.endswith(".log"):
                with open(os.path.join(self.work, name), "rb") as log:
                    text += log.read().decode(errors="replace")
        return text

    def pdf_keys(self):
        keys = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.dest):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return keys

    def queue_depth(self, url):
        attributes = sqs_call("GetQueueAttributes", {"QueueUrl": url, "AttributeNames": [
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed"]})["Attributes"]
        return sum(int(value) for value in attributes.values())

    def wait_until(self, condition, timeout, what):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if condition():
                return
            time.sleep(0.25)
        self.fail(f"timed out after {timeout} s waiting for {what}\n--- dispatcher log ---\n{self.log_text()[-6000:]}")

    def stop(self, process, timeout=30):
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout=timeout)

    def receive_dlq(self):
        return sqs_call("ReceiveMessage", {"QueueUrl": self.dlq_url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1,
                                           "MessageAttributeNames": ["All"]}).get("Messages", [])

    def expected_pdf(self, key):
        return (key[:-4] if key.lower().endswith(".txt") else key) + ".pdf"

    # -- cases ---------------------------------------------------------------------------------
    def test_fifty_weird_keys_all_formats(self):
        keys = [f"batch{i // len(WEIRD_KEYS)}/{WEIRD_KEYS[i % len(WEIRD_KEYS)]}" for i in range(50)]
        etags = {}
        for index, key in enumerate(keys):
            etags[key] = self.upload(key, f"file {index}: {key}\n".encode())
            if index % 10 == 7:
                self.send(sns_envelope(s3_event(self.source, key, etags[key])))
            elif index % 10 == 8:
                self.send(eventbridge(self.source, key, etags[key]))
            elif index % 10 == 9:
                self.send({"bucket": self.source, "key": key})
            else:
                self.send(s3_event(self.source, key, etags[key]))
        self.send({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": self.source,
                   "Time": "2024-01-01T00:00:00.000Z", "RequestId": "X", "HostId": "Y"})
        port = 20000 + int(self.tag[:4], 16) % 20000
        process = self.start_dispatcher(port=port)
        scraped = {}

        def done():
            try:
                for path in ("/healthz", "/metrics"):
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as reply:
                        scraped[path] = (reply.status, reply.read().decode())
            except (urllib.error.URLError, ConnectionError):
                pass
            return len(self.pdf_keys()) >= 50 and self.queue_depth(self.queue_url) == 0

        self.wait_until(done, 150, "50 PDFs and an empty queue")
        self.assertEqual(sorted(self.pdf_keys()), sorted(self.expected_pdf(key) for key in keys))
        for key in keys[:50:7]:
            head = self.s3.head_object(Bucket=self.dest, Key=self.expected_pdf(key))
            self.assertEqual(head["Metadata"].get("source-etag", "").strip('"'), etags[key].strip('"'), key)
            body = self.s3.get_object(Bucket=self.dest, Key=self.expected_pdf(key))["Body"].read()
            self.assertTrue(body.startswith(b"%PDF-"), key)
        self.assertEqual(scraped["/healthz"][0], 200)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
            metrics = reply.read().decode()
        self.assertIn(f'txt2pdf_dispatcher_jobs_succeeded_total{{launcher="{LAUNCHER}"}} 50', metrics)
        self.assertIn("txt2pdf_dispatcher_messages_received_total 51", metrics)
        self.assertIn("txt2pdf_dispatcher_job_duration_seconds_count 50", metrics)
        self.assertEqual(self.stop(process), 0)
        self.assertEqual(self.queue_depth(self.dlq_url), 0)
        for line in self.log_text().splitlines():
            record = json.loads(line)  # every line is one JSON object
            if record.get("msg") == "job succeeded":
                for field in ("message_id", "key", "launcher", "job_id", "exit_code"):
                    self.assertIn(field, record)

    def test_binary_and_malformed_go_to_the_dlq_with_reasons(self):
        etag = self.upload("binary.txt", bytes(range(256)) * 64)
        self.send(s3_event(self.source, "binary.txt", etag))
        self.send("{this is not an S3 event")
        process = self.start_dispatcher()
        found = []
        self.wait_until(lambda: found.extend(self.receive_dlq()) or len(found) >= 2, 60, "two DLQ messages")
        self.wait_until(lambda: self.queue_depth(self.queue_url) == 0, 30, "an empty queue")
        self.assertEqual(self.stop(process), 0)
        by_kind = {m["MessageAttributes"]["error_kind"]["StringValue"]: m for m in found}
        binary = by_kind["bad-input"]
        self.assertEqual(binary["MessageAttributes"]["exit_code"]["StringValue"], "65")
        self.assertEqual(binary["MessageAttributes"]["object_key"]["StringValue"], "binary.txt")
        # The reason is what the job said (for the local launcher: its last error log line), not only "job exited 65".
        self.assertIn("looks binary", binary["MessageAttributes"]["reason"]["StringValue"])
        self.assertEqual(json.loads(binary["Body"]), s3_event(self.source, "binary.txt", etag))
        malformed = by_kind["malformed-message"]
        self.assertEqual(malformed["Body"], "{this is not an S3 event")
        self.assertEqual(self.pdf_keys(), [])

    def faulty_job(self, mode, script, marks=None):
        """JOB_COMMAND that injects `mode`: the shell `script` around the job for the local launcher,
        worker_proxy.py in front of a real worker for the worker pool."""
        if LAUNCHER == "worker":
            return " ".join(["/usr/bin/python3", PROXY, mode, JOB] + ([marks] if marks else []))
        return self.write_wrapper(mode + "-job", script)

    def write_wrapper(self, name, script):
        path = os.path.join(self.work, name)
        with open(path, "w") as out:
            out.write("#!/bin/sh\n" + script)
        os.chmod(path, 0o755)
        return path

    def test_transient_failure_is_retried_then_succeeds(self):
        marks = os.path.join(self.work, "marks")
        os.mkdir(marks)
        wrapper = self.faulty_job("flaky", f"""
mark="{marks}/$(printf '%s' "$OBJECT_KEY" | md5sum | cut -c1-32)"
if [ ! -e "$mark" ]; then : > "$mark"; exit 75; fi
echo again >> "$mark"
exec "{JOB}"
""", marks)
        etag = self.upload("flaky file.txt")
        self.send(s3_event(self.source, "flaky file.txt", etag))
        process = self.start_dispatcher({"JOB_COMMAND": wrapper})
        self.wait_until(lambda: self.pdf_keys() == ["flaky file.pdf"] and self.queue_depth(self.queue_url) == 0,
                        60, "the PDF after a retry")
        self.assertEqual(self.stop(process), 0)
        self.assertEqual(self.queue_depth(self.dlq_url), 0)
        self.assertIn("message returned for a retry", self.log_text())

    def test_always_transient_reaches_the_dlq_by_redrive(self):
        wrapper = self.faulty_job("always75", "exit 75\n")
        etag = self.upload("never.txt")
        self.send(s3_event(self.source, "never.txt", etag))
        process = self.start_dispatcher({"JOB_COMMAND": wrapper})
        found = []
        self.wait_until(lambda: found.extend(self.receive_dlq()) or found, 60, "redrive to the DLQ")
        self.assertEqual(self.stop(process), 0)
        self.assertEqual(json.loads(found[0]["Body"])["Records"][0]["s3"]["object"]["key"], "never.txt")
        self.assertEqual(self.pdf_keys(), [])
        # Issue 12, bug 8: the dispatcher read maxReceiveCount 3 and sent it there itself, with why.
        attributes = found[0].get("MessageAttributes", {})
        reason = attributes.get("reason", {}).get("StringValue", "")
        self.assertIn("still failing after 3 receives", reason, found[0])
        self.assertEqual(attributes.get("exit_code", {}).get("StringValue"), "75", found[0])

    def interrupted_run(self, kill_signal):
        slow = self.faulty_job("slow", f'sleep 1\nexec "{JOB}"\n')
        keys = [f"part {i}.txt" for i in range(12)]
        for key in keys:
            self.send(s3_event(self.source, key, self.upload(key)))
        extra = {"JOB_COMMAND": slow, "MAX_CONCURRENCY": "2", "VISIBILITY_TIMEOUT_SECONDS": "10",
                 "DRAIN_TIMEOUT_SECONDS": "5"}
        first = self.start_dispatcher(extra)
        self.wait_until(lambda: len(self.pdf_keys()) >= 2, 60, "the first PDFs")
        if kill_signal == signal.SIGTERM:
            started = time.time()
            self.assertEqual(self.stop(first, timeout=20), 0)
            self.assertLess(time.time() - started, 15)
        else:
            first.kill()
            first.wait()
        self.assertLess(len(self.pdf_keys()), len(keys), "the run was not interrupted mid-way")
        second = self.start_dispatcher(extra)
        self.wait_until(lambda: len(self.pdf_keys()) == len(keys) and self.queue_depth(self.queue_url) == 0,
                        90, "every PDF after the restart")
        self.assertEqual(self.stop(second), 0)
        self.assertEqual(sorted(self.pdf_keys()), sorted(self.expected_pdf(key) for key in keys))
        self.assertEqual(self.queue_depth(self.dlq_url), 0)

    def test_sigterm_loses_nothing(self):
        self.interrupted_run(signal.SIGTERM)

    def test_kill_9_loses_nothing(self):
        self.interrupted_run(signal.SIGKILL)

    def test_sigterm_past_the_drain_timeout_returns_messages_at_once(self):
        hung = self.faulty_job("hung", "exec sleep 60\n")
        keys = [f"hung {i}.txt" for i in range(3)]
        for key in keys:
            self.send(s3_event(self.source, key, self.upload(key)))
        first = self.start_dispatcher({"JOB_COMMAND": hung, "VISIBILITY_TIMEOUT_SECONDS": "120",
                                       "DRAIN_TIMEOUT_SECONDS": "1"})
        self.wait_until(lambda: self.log_text().count('"job started"') >= 3, 30, "three running jobs")
        started = time.time()
        self.assertEqual(self.stop(first, timeout=20), 0)
        self.assertLess(time.time() - started, 10, "drain timeout + grace exceeded")
        self.assertIn("drain timeout: stopping running jobs", self.log_text())
        # Visibility 0 on the way out: the restart converts them long before the 120 s timeout.
        second = self.start_dispatcher({"VISIBILITY_TIMEOUT_SECONDS": "120"})
        self.wait_until(lambda: len(self.pdf_keys()) == 3 and self.queue_depth(self.queue_url) == 0, 40,
                        "the returned messages converted")
        self.assertEqual(self.stop(second), 0)

    # -- the worker pool only -------------------------------------------------------------------
    def test_worker_crash_kills_one_conversion_and_dead_letters_after_repeats(self):
        if LAUNCHER != "worker":
            self.skipTest("worker pool only")
        keys = ["fine 1.txt", "crash me.txt", "fine 2.txt", "fine 3.txt"]
        for key in keys:
            self.send(s3_event(self.source, key, self.upload(key)))
        process = self.start_dispatcher({"JOB_COMMAND": self.faulty_job("crash", "")})
        found = []
        self.wait_until(lambda: found.extend(self.receive_dlq()) or found, 90, "the crashing object in the DLQ")
        self.wait_until(lambda: len(self.pdf_keys()) == 3 and self.queue_depth(self.queue_url) == 0, 60,
                        "the other PDFs and an empty queue")
        self.assertEqual(self.stop(process), 0)
        self.assertEqual(sorted(self.pdf_keys()), ["fine 1.pdf", "fine 2.pdf", "fine 3.pdf"])
        attributes = found[0]["MessageAttributes"]
        self.assertEqual(attributes["object_key"]["StringValue"], "crash me.txt")
        self.assertIn("worker crashed 2 times", attributes["reason"]["StringValue"])
        self.assertIn("killed by signal 9", attributes["reason"]["StringValue"])

    def test_one_megabyte_converts_in_the_pool_without_a_process_per_file(self):
        if LAUNCHER != "worker":
            self.skipTest("worker pool only")
        big = b"".join(f"line {n:06d}: the quick brown fox jumps over the lazy dog, again and again\n".encode()
                       for n in range(13000))  # ~1 MB
        keys = ["big.txt"] + [f"small {i}.txt" for i in range(12)]
        for key in keys:
            self.send(s3_event(self.source, key, self.upload(key, big if key == "big.txt" else b"small\n")))
        process = self.start_dispatcher({"MAX_CONCURRENCY": "2"})
        self.wait_until(lambda: len(self.pdf_keys()) == len(keys) and self.queue_depth(self.queue_url) == 0, 90,
                        "13 PDFs")
        self.assertEqual(self.stop(process), 0)
        head = self.s3.head_object(Bucket=self.dest, Key="big.pdf")
        self.assertGreater(head["ContentLength"], 100000)
        workers = set()
        for line in self.log_text().splitlines():
            record = json.loads(line)
            if record.get("msg") == "job succeeded":
                self.assertTrue(record["job_id"].startswith("worker-"), record)
                workers.add(record["job_id"].split("#")[0])
        self.assertLessEqual(len(workers), 2, "13 conversions on at most MAX_CONCURRENCY worker processes")


if __name__ == "__main__":
    unittest.main(verbosity=2)
