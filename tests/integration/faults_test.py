#!/usr/bin/python3
"""Faults between the programs and their servers: the SigV4-verifying SQS proxy refuses a wrong
secret and passes a right one; txt2pdf-job and txt2pdf-dispatcher survive each fault class that
tests/support/fault_proxy.py injects in front of radosgw (S3) and fauxqs (SQS, itself behind
sigv4_proxy.py): throttling, 5xx, dropped connections (before and after the server acted), latency,
a black hole and a body cut short. Each case starts a proxy of its own on a free port, so cases run
in parallel; each is bounded in time.

Environment: that of dispatcher_test.py (tests/integration/faults.cmake sets it).
"""
import datetime
import json
import os
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dispatcher_test import DispatcherTest, JOB, SQS, s3_event, sqs_call  # noqa: E402

SUPPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support")
S3 = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL", "")


def port_of(url):
    return urllib.parse.urlsplit(url).port


class FaultProxy:
    """fault_proxy.py on a free port in front of `backend_url`, configured with `rules`."""

    def __init__(self, backend_url, rules, seed=1):
        self.process = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(SUPPORT, "fault_proxy.py"), "--listen", "127.0.0.1:0",
             "--backend", f"127.0.0.1:{port_of(backend_url)}"], stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("LISTENING "):
            raise RuntimeError(f"fault_proxy did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"
        self.configure(rules, seed)

    def configure(self, rules, seed=1):
        body = json.dumps({"seed": seed, "rules": rules}).encode()
        urllib.request.urlopen(urllib.request.Request(self.url + "/__fault__/config", data=body, method="POST"),
                               timeout=10).read()

    def stats(self):
        with urllib.request.urlopen(self.url + "/__fault__/stats", timeout=10) as reply:
            return json.loads(reply.read())

    def close(self):
        self.process.kill()
        self.process.wait()
        self.process.stdout.close()


def sigv4_stats():
    with urllib.request.urlopen(SQS + "/__sigv4__/stats", timeout=10) as reply:
        return json.loads(reply.read())


def signed_sqs_call(body, region="us-east-1", service="sqs", age_seconds=0, tamper=False):
    """ListQueues signed by botocore as of `age_seconds` ago: (status, error code or None)."""
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=SQS + "/", data=body,
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues"})
    signed_at = datetime.datetime.utcnow() - datetime.timedelta(seconds=age_seconds)
    request.context["timestamp"] = signed_at.strftime("%Y%m%dT%H%M%SZ")
    credentials = botocore.credentials.Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
    auth = botocore.auth.SigV4Auth(credentials, service, region)
    auth._modify_request_before_signing(request)
    canonical = auth.canonical_request(request)
    signature = auth.signature(auth.string_to_sign(request, canonical), request)
    request.headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={auth.scope(request)}, "
                                        f"SignedHeaders={auth.signed_headers(auth.headers_to_sign(request))}, "
                                        f"Signature={signature}")
    data = body + b" " if tamper else body
    http_request = urllib.request.Request(SQS + "/", data=data, method="POST",
                                          headers={k: v for k, v in request.headers.items()})
    try:
        with urllib.request.urlopen(http_request, timeout=30) as reply:
            return reply.status, None
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("x-amzn-query-error", "").split(";")[0]


# One S3 fault class per case: (rules, environment for the job). Every rule fires a bounded number
# of times so the job's own retries (TXT2PDF_MAX_ATTEMPTS, default 5) always outlast it.
S3_FAULTS = {
    "throttle": [{"fault": "throttle", "method": m, "limit": 2} for m in ("HEAD", "GET", "PUT")],
    "error_500": [{"fault": "error", "status": 500, "method": m, "limit": 1} for m in ("HEAD", "GET", "PUT")],
    "error_503": [{"fault": "error", "status": 503, "method": m, "limit": 1} for m in ("HEAD", "GET", "PUT")],
    "drop_before": [{"fault": "drop", "method": m, "limit": 1} for m in ("HEAD", "GET", "PUT")],
    "drop_after": [{"fault": "drop", "when": "after", "method": m, "limit": 1} for m in ("GET", "PUT")],
    "reset": [{"fault": "drop", "reset": True, "method": m, "limit": 1} for m in ("HEAD", "GET", "PUT")],
    "truncate": [{"fault": "truncate", "method": "GET", "limit": 1}],
    "latency": [{"fault": "latency", "ms": 300}],
    "blackhole": [{"fault": "blackhole", "method": "GET", "limit": 1, "seconds": 60}],
}


class FaultTest(DispatcherTest):
    def start_dispatcher(self, extra=None, port=0):
        # The default launcher may change; these cases are about the local one.
        return super().start_dispatcher(dict({"LAUNCHER": "local"}, **(extra or {})), port)

    def proxy(self, backend_url, rules, seed=1):
        proxy = FaultProxy(backend_url, rules, seed)
        self.addCleanup(proxy.close)
        return proxy

    # -- SigV4 on the SQS path -----------------------------------------------------------------
    def test_sigv4_proxy_refuses_a_wrong_secret(self):
        self.send(s3_event(self.source, "kept.txt", self.upload("kept.txt")))
        refused = sigv4_stats()["refused"]
        process = self.start_dispatcher({"AWS_SECRET_ACCESS_KEY": "wrong-" + self.tag})
        self.wait_until(lambda: "SignatureDoesNotMatch" in self.log_text(), 60, "SignatureDoesNotMatch in the log")
        self.assertGreater(sigv4_stats()["refused"], refused)
        self.stop(process)
        # Nothing was received, so nothing was converted and the message is still there.
        self.assertEqual(self.pdf_keys(), [])
        self.assertEqual(self.queue_depth(self.queue_url), 1)

    def test_sigv4_proxy_checks_scope_clock_and_body(self):
        self.assertEqual(signed_sqs_call(b"{}"), (200, None))
        self.assertEqual(signed_sqs_call(b"{}", age_seconds=240), (200, None))  # inside the 5 minutes
        self.assertEqual(signed_sqs_call(b"{}", age_seconds=600), (403, "SignatureDoesNotMatch"))
        self.assertEqual(signed_sqs_call(b"{}", age_seconds=-600), (403, "SignatureDoesNotMatch"))
        self.assertEqual(signed_sqs_call(b"{}", region="eu-west-1"), (403, "SignatureDoesNotMatch"))
        self.assertEqual(signed_sqs_call(b"{}", service="s3"), (403, "SignatureDoesNotMatch"))
        self.assertEqual(signed_sqs_call(b"{}", tamper=True), (403, "SignatureDoesNotMatch"))
        self.assertIn("SignatureDoesNotMatch", sigv4_stats()["last_refusal"])

    def test_sigv4_proxy_passes_the_right_secret(self):
        verified = sigv4_stats()["verified"]
        self.send(s3_event(self.source, "signed.txt", self.upload("signed.txt")))
        process = self.start_dispatcher()
        self.wait_until(lambda: self.pdf_keys() == ["signed.pdf"] and self.queue_depth(self.queue_url) == 0, 60,
                        "the PDF through the verifying proxy")
        self.assertEqual(self.stop(process), 0)
        # Receive, delete and this test's own calls all passed verification.
        self.assertGreaterEqual(sigv4_stats()["verified"] - verified, 3)
        self.assertNotIn("SignatureDoesNotMatch", self.log_text())

    # -- the job against S3 faults -------------------------------------------------------------
    def job_survives(self, fault):
        proxy = self.proxy(S3, S3_FAULTS[fault])
        key = f"fault {fault}/input.txt"
        body = "".join(f"line {i} of a file that survives {fault}\n" for i in range(3000)).encode()
        etag = self.upload(key, body)
        env = dict(os.environ, AWS_ENDPOINT_URL=proxy.url, AWS_ENDPOINT_URL_S3=proxy.url, SOURCE_BUCKET=self.source,
                   OBJECT_KEY=key, DEST_BUCKET=self.dest, TXT2PDF_LOW_SPEED_TIMEOUT_S="3",
                   TXT2PDF_CONNECT_TIMEOUT_MS="2000")
        started = time.monotonic()
        done = subprocess.run([JOB], env=env, capture_output=True, timeout=150, check=False)
        log = done.stderr.decode(errors="replace")
        if fault == "truncate":
            # Bytes already streamed into the renderer cannot be taken back, so the job does not
            # retry a GET cut short itself (aws_client.cpp): it must fail as transient (75, the
            # dispatcher retries the message) without uploading a PDF of half the text, and the
            # retry must succeed.
            self.assertEqual(done.returncode, 75, f"{fault}: exit {done.returncode}\n{log[-4000:]}")
            self.assertEqual(self.pdf_keys(), [])
            done = subprocess.run([JOB], env=env, capture_output=True, timeout=150, check=False)
            log = done.stderr.decode(errors="replace")
        self.assertEqual(done.returncode, 0, f"{fault}: exit {done.returncode}\n{log[-4000:]}")
        fired = proxy.stats()
        if fault != "latency":
            self.assertGreater(sum(r["fired"] for r in fired["rules"]), 0, f"{fault} never fired: {fired}")
        head = self.s3.head_object(Bucket=self.dest, Key=f"fault {fault}/input.pdf")
        self.assertEqual(head["Metadata"].get("source-etag", "").strip('"'), etag.strip('"'))
        pdf = self.s3.get_object(Bucket=self.dest, Key=f"fault {fault}/input.pdf")["Body"].read()
        path = os.path.join(self.work, "out.pdf")
        with open(path, "wb") as out:
            out.write(pdf)
        check = subprocess.run(["qpdf", "--check", path], capture_output=True, text=True, check=False)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertLess(time.monotonic() - started, 120)

    # -- the dispatcher against SQS faults -----------------------------------------------------
    def test_dispatcher_survives_sqs_faults(self):
        rules = [
            {"fault": "latency", "ms": 50, "rate": 0.3},
            {"fault": "throttle", "target": "ReceiveMessage", "rate": 0.2},
            {"fault": "error", "status": 500, "target": "ReceiveMessage", "rate": 0.1},
            {"fault": "drop", "target": "ReceiveMessage", "rate": 0.1},
            {"fault": "blackhole", "target": "ReceiveMessage", "limit": 1, "seconds": 60},
            {"fault": "throttle", "target": "DeleteMessage", "rate": 0.2},
            {"fault": "drop", "when": "after", "target": "DeleteMessage", "rate": 0.2},
            {"fault": "error", "status": 503, "target": "ChangeMessageVisibility", "rate": 0.2},
            {"fault": "truncate", "target": "ReceiveMessage", "rate": 0.05},
        ]
        proxy = self.proxy(SQS, rules, seed=7)
        keys = [f"sqs-fault/{i}.txt" for i in range(10)]
        for key in keys:
            self.send(s3_event(self.source, key, self.upload(key)))
        process = self.start_dispatcher({"AWS_ENDPOINT_URL_SQS": proxy.url, "WAIT_TIME_SECONDS": "1",
                                         "VISIBILITY_TIMEOUT_SECONDS": "10"})
        self.wait_until(lambda: len(self.pdf_keys()) == len(keys) and self.queue_depth(self.queue_url) == 0, 180,
                        "every PDF and an empty queue through SQS faults")
        self.assertEqual(process.poll(), None, "the dispatcher exited")
        self.assertEqual(self.stop(process), 0)
        self.assertEqual(sorted(self.pdf_keys()), sorted(self.expected_pdf(key) for key in keys))
        self.assertEqual(self.queue_depth(self.dlq_url), 0)
        stats = proxy.stats()
        for kind in ("throttle", "error", "drop", "blackhole"):
            self.assertGreater(stats[kind], 0, f"{kind} never fired: {stats}")


for _fault in S3_FAULTS:
    setattr(FaultTest, f"test_job_survives_s3_{_fault}", lambda self, fault=_fault: self.job_survives(fault))

# The dispatcher cases belong to dispatcher_test.py; run only this file's.
for _name in [name for name in vars(DispatcherTest) if name.startswith("test_")]:
    setattr(FaultTest, _name, None)

if __name__ == "__main__":
    unittest.main(verbosity=2)
