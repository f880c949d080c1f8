#!/usr/bin/python3
"""txt2pdf-job end to end against the local Ceph radosgw (which verifies SigV4 for real).

awscli (/usr/bin/aws) arranges and checks: it is the independent client. awscli 2.9 crashes on
radosgw error replies (empty <Message>), so it is only used for calls that succeed; absence of an
object is checked by listing. PDFs are checked with pdfinfo, pdftotext and qpdf --check.

Run by ctest (fixture s3_stack) with the stack's AWS_* variables and TXT2PDF_JOB (the binary).
By hand:  eval "$(scripts/local-stack env)"; TXT2PDF_JOB=build/txt2pdf-job \
          /usr/bin/python3 tests/integration/job_s3_test.py [JobS3Test.test_name]
"""

import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from s3_cli import aws, head_object, new_bucket, put_object  # noqa: E402  (the independent client)

JOB = os.environ.get("TXT2PDF_JOB", "txt2pdf-job")
SECRET = os.environ.get("AWS_SECRET_ACCESS_KEY", "")


def list_keys(bucket):
    out = aws("s3api", "list-objects-v2", "--bucket", bucket)
    return [item["Key"] for item in (json.loads(out) if out.strip() else {}).get("Contents", [])]


def get_object(bucket, key, path):
    aws("s3api", "get-object", "--bucket", bucket, "--key", key, path)


def free_port():
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JobRun:
    def __init__(self, returncode, stderr, seconds):
        self.returncode = returncode
        self.stderr = stderr
        self.seconds = seconds
        self.records = []
        for line in stderr.splitlines():
            if line.strip():
                self.records.append(json.loads(line))  # every line must be one JSON object

    def phases(self):
        return [record.get("phase") for record in self.records]


def run_job(source_bucket, key, dest_bucket, **overrides):
    env = dict(os.environ)
    env.update(SOURCE_BUCKET=source_bucket, OBJECT_KEY=key, DEST_BUCKET=dest_bucket)
    env.update(overrides)
    start = time.monotonic()
    done = subprocess.run([JOB], env=env, capture_output=True, timeout=150, check=False)
    return JobRun(done.returncode, done.stderr.decode("utf-8"), time.monotonic() - start)


def dest_key_for(key):
    return key[:-4] + ".pdf" if key.lower().endswith(".txt") else key + ".pdf"


def text_lines(text):
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


class JobS3Test(unittest.TestCase):
    def assertJob(self, run, code):
        detail = f"exit {run.returncode}, {run.seconds:.1f}s, log:\n{run.stderr}"
        self.assertEqual(run.returncode, code, detail)
        self.assertTrue(run.records, "the job logged nothing\n" + detail)
        self.assertEqual(run.records[-1].get("phase"), "done" if code == 0 else "failed", detail)
        if code != 0:
            self.assertEqual(run.records[-1].get("exit_code"), code, detail)
        if SECRET:
            self.assertNotIn(SECRET, run.stderr, "the secret key appears in the log")

    def assertPdf(self, bucket, key, source_text):
        """Downloads the PDF and checks it is valid and carries every line of the source."""
        with tempfile.TemporaryDirectory() as tmp:
            pdf = os.path.join(tmp, "out.pdf")
            get_object(bucket, key, pdf)
            info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=False)
            self.assertEqual(info.returncode, 0, info.stderr)
            self.assertEqual(info.stderr, "", "poppler warned")
            check = subprocess.run(["qpdf", "--check", pdf], capture_output=True, text=True,
                                   check=False)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", pdf, "-"],
                                  capture_output=True, check=True).stdout.decode("utf-8")
        # The source lines appear in order (headers, footers and page breaks may lie between).
        got = text_lines(text)
        position = 0
        for line in text_lines(source_text):
            while position < len(got) and line not in got[position]:
                position += 1
            self.assertLess(position, len(got), f"line {line!r} not found in the PDF text")
            position += 1
        return info.stdout

    def test_literal_keys(self):
        source, dest = new_bucket("keys-src"), new_bucket("keys-dst")
        keys = ["dir one/sub dir/file with spaces.txt", "plus+sign=equals.txt",
                "percent%20stays%2Bencoded.txt", "unicode/Grüße ñ Ελληνικά.txt",
                "nested/a/b/c/d.log", "double//slash.TXT"]
        for key in keys:
            with self.subTest(key=key):
                text = f"Key under test: {key}\nsecond line\n"
                source_etag = put_object(source, key, text.encode("utf-8"))
                run = run_job(source, key, dest)
                self.assertJob(run, 0)
                dest_key = dest_key_for(key)
                # Under the exact key: get-object fails if the key was decoded or re-encoded.
                self.assertPdf(dest, dest_key, text)
                head = head_object(dest, dest_key)
                self.assertEqual(head["ContentType"], "application/pdf")
                self.assertEqual(head["Metadata"].get("source-etag", "").strip('"'), source_etag)
        # Exactly one PDF per source object: no decoded or re-encoded twin keys.
        self.assertEqual(sorted(list_keys(dest)), sorted(dest_key_for(k) for k in keys))

    def test_dot_segment_keys(self):
        """Issue 12, bug 2: "." and ".." are legal key segments. Before the fix libcurl removed them
        from the path it sent, radosgw checked the signature against the literal key: exit 77."""
        source, dest = new_bucket("dots-src"), new_bucket("dots-dst")
        keys = ["dots/./a.txt", "dots/../b.txt", "./lead.txt", "../up/c.txt", "end/.."]
        for key in keys:
            with self.subTest(key=key):
                text = f"Key under test: {key}\n"
                source_etag = put_object(source, key, text.encode("utf-8"))
                self.assertIn(key, list_keys(source), "awscli stored the literal key")
                run = run_job(source, key, dest)
                self.assertJob(run, 0)
                head = head_object(dest, dest_key_for(key))
                self.assertEqual(head["Metadata"].get("source-etag", "").strip('"'), source_etag)
        self.assertEqual(sorted(list_keys(dest)), sorted(dest_key_for(k) for k in keys))

    def test_empty_file(self):
        source, dest = new_bucket("empty-src"), new_bucket("empty-dst")
        put_object(source, "empty.txt", b"")
        self.assertJob(run_job(source, "empty.txt", dest), 0)
        info = self.assertPdf(dest, "empty.pdf", "")
        self.assertRegex(info, r"Pages:\s+1\n")

    def test_five_megabytes(self):
        source, dest = new_bucket("big-src"), new_bucket("big-dst")
        lines = [f"{n:07d} the quick brown fox jumps over the lazy dog {n * 7919 % 100003:06d}"
                 for n in range(90000)]
        text = "\n".join(lines) + "\n"
        self.assertGreater(len(text), 5_000_000)
        put_object(source, "logs/big.txt", text.encode("ascii"))
        self.assertJob(run_job(source, "logs/big.txt", dest, DEST_KEY="out/big-custom.pdf"), 0)
        self.assertEqual(list_keys(dest), ["out/big-custom.pdf"])
        info = self.assertPdf(dest, "out/big-custom.pdf", text)
        pages = int(info.split("Pages:")[1].split()[0])
        self.assertGreater(pages, 1000)  # 90,000 lines cannot fit on fewer pages

    def test_missing_object(self):
        source, dest = new_bucket("nokey-src"), new_bucket("nokey-dst")
        self.assertJob(run_job(source, "does/not/exist.txt", dest), 66)
        self.assertEqual(list_keys(dest), [])

    def test_missing_bucket(self):
        dest = new_bucket("nobucket-dst")
        missing = f"t2p-missing-{uuid.uuid4().hex[:12]}"
        self.assertJob(run_job(missing, "a.txt", dest), 66)
        self.assertEqual(list_keys(dest), [])

    def test_wrong_secret(self):
        source, dest = new_bucket("auth-src"), new_bucket("auth-dst")
        put_object(source, "a.txt", b"hello\n")
        wrong = "x" * 40
        run = run_job(source, "a.txt", dest, AWS_SECRET_ACCESS_KEY=wrong)
        self.assertJob(run, 77)
        self.assertNotIn(wrong, run.stderr)
        # The job's first request is a HEAD, whose 403 carries no error body (so no AWS code).
        self.assertEqual(run.records[-1].get("http_status"), 403, run.stderr)
        run = run_job(source, "a.txt", dest, AWS_ACCESS_KEY_ID="AKIAUNKNOWNKEY000000")
        self.assertJob(run, 77)
        self.assertEqual(list_keys(dest), [])

    def test_server_unreachable(self):
        # The endpoint points at a closed port rather than stopping radosgw, which the other
        # cases share when ctest runs in parallel: the job sees the same connection refusals.
        endpoint = f"http://127.0.0.1:{free_port()}"
        run = run_job("some-bucket", "a.txt", "other-bucket", AWS_ENDPOINT_URL=endpoint,
                      AWS_ENDPOINT_URL_S3=endpoint)
        self.assertJob(run, 75)
        self.assertLess(run.seconds, 60, "retries must end in bounded time")

        # A server that always answers 503 SlowDown: every attempt is made, then 75.
        requests = []

        class SlowDown(http.server.BaseHTTPRequestHandler):
            def reply(self):
                requests.append(self.command)
                body = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                        b"<Message>Please reduce your request rate.</Message>"
                        b"<RequestId>TEST</RequestId></Error>")
                self.send_response(503)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_HEAD = do_PUT = reply

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowDown)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            endpoint = f"http://127.0.0.1:{server.server_address[1]}"
            run = run_job("some-bucket", "a.txt", "other-bucket", AWS_ENDPOINT_URL=endpoint,
                          AWS_ENDPOINT_URL_S3=endpoint, TXT2PDF_MAX_ATTEMPTS="3")
        finally:
            server.shutdown()
            server.server_close()
        self.assertJob(run, 75)
        self.assertEqual(len(requests), 3, f"attempts seen by the server: {requests}")
        self.assertLess(run.seconds, 60)

    def test_binary_input(self):
        source, dest = new_bucket("bin-src"), new_bucket("bin-dst")
        binary = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64 + b"\x00" * 4096
        put_object(source, "image.txt", binary)
        self.assertJob(run_job(source, "image.txt", dest), 65)
        self.assertEqual(list_keys(dest), [], "no PDF may be written for binary input")

    def test_rerun_is_skipped(self):
        source, dest = new_bucket("rerun-src"), new_bucket("rerun-dst")
        put_object(source, "note.txt", b"first version\n")
        first = run_job(source, "note.txt", dest)
        self.assertJob(first, 0)
        self.assertNotIn("skip", first.phases())
        before = head_object(dest, "note.pdf")

        second = run_job(source, "note.txt", dest)
        self.assertJob(second, 0)
        self.assertIn("skip", second.phases(), second.stderr)
        self.assertNotIn("render", second.phases(), second.stderr)
        after = head_object(dest, "note.pdf")
        self.assertEqual(after["ETag"], before["ETag"])
        self.assertEqual(after["LastModified"], before["LastModified"])

        # A new source version is rendered again.
        put_object(source, "note.txt", b"second version\n")
        third = run_job(source, "note.txt", dest)
        self.assertJob(third, 0)
        self.assertNotIn("skip", third.phases(), third.stderr)
        self.assertPdf(dest, "note.pdf", "second version\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
