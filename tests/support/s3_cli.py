"""Debian's awscli (/usr/bin/aws) as the independent S3 client of the integration tests that
arrange sources and check PDFs: one call, a fresh bucket, an upload, a HEAD. The endpoint is the
stack's AWS_ENDPOINT_URL (credentials and region come from the environment as well).

Import with the tests/support folder on sys.path:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
"""

import json
import os
import subprocess
import tempfile
import uuid

AWS = "/usr/bin/aws"
ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:7480")


def aws(*args, capture=True):
    """An awscli call that must succeed; returns its stdout (None when capture is False)."""
    done = subprocess.run([AWS, "--endpoint-url", ENDPOINT, "--output", "json", *args],
                          capture_output=capture, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return done.stdout


def new_bucket(tag):
    """A bucket of its own for one test: t2p-TAG-<random>."""
    name = f"t2p-{tag}-{uuid.uuid4().hex[:12]}"
    aws("s3api", "create-bucket", "--bucket", name)
    return name


def put_object(bucket, key, data):
    """Uploads the bytes `data`; returns the object's ETag without quotes."""
    with tempfile.NamedTemporaryFile() as body:
        body.write(data)
        body.flush()
        out = aws("s3api", "put-object", "--bucket", bucket, "--key", key, "--body", body.name)
    return json.loads(out)["ETag"].strip('"')


def head_object(bucket, key):
    return json.loads(aws("s3api", "head-object", "--bucket", bucket, "--key", key))
