#!/usr/bin/python3
"""Issue 12, bug 3: a job whose clock is an hour off, against radosgw (which refuses requests
signed more than 15 minutes away from its own time: a HEAD gets a bodiless 403).

The AWS SDKs correct the offset from the response's Date header and retry once; so must we, for
every request, HEAD included. awscli (the independent client, with a correct clock) arranges the
source and checks the PDF. Run by ctest with the stack's AWS_* variables and TXT2PDF_SKEW_DRIVER.
"""

import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from s3_cli import head_object, new_bucket, put_object  # noqa: E402  (the independent client)

DRIVER = os.environ.get("TXT2PDF_SKEW_DRIVER", "clock_skew_driver")


def run_driver(offset, source, key, dest):
    env = dict(os.environ, DRIVER_CLOCK_OFFSET_SECONDS=str(offset), SOURCE_BUCKET=source,
               OBJECT_KEY=key, DEST_BUCKET=dest)
    done = subprocess.run([DRIVER], env=env, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


class ClockSkewTest(unittest.TestCase):
    def convert_with_offset(self, offset):
        source, dest = new_bucket("skew-src"), new_bucket("skew-dst")
        etag = put_object(source, "a.txt", b"written by a host whose clock is wrong\n")
        result, log = run_driver(offset, source, "a.txt", dest)
        self.assertEqual(result["exit_code"], 0, f"{result}\n{log}")
        # What the client learnt is the server's time minus the local (skewed) one: about -offset.
        self.assertLess(abs(result["learnt_skew_s"] + offset), 120, result)
        head = head_object(dest, "a.pdf")
        self.assertEqual(head["Metadata"].get("source-etag", "").strip('"'), etag)
        self.assertEqual(head["ContentType"], "application/pdf")

    def test_job_an_hour_ahead(self):
        self.convert_with_offset(3600)

    def test_job_an_hour_behind(self):
        self.convert_with_offset(-3600)

    def test_missing_object_with_a_skewed_clock_is_66(self):
        source, dest = new_bucket("skew-src"), new_bucket("skew-dst")
        result, log = run_driver(3600, source, "missing.txt", dest)
        self.assertEqual(result["exit_code"], 66, f"{result}\n{log}")


if __name__ == "__main__":
    unittest.main()
