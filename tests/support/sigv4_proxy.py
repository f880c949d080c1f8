#!/usr/bin/python3
"""A SigV4-verifying proxy in front of fauxqs, which checks no signature (python3 stdlib + Debian's
python3-botocore, which recomputes the signature independently of the project's signer).

    sigv4_proxy.py --listen 127.0.0.1:9440 --backend 127.0.0.1:9441 --region us-east-1 \\
                   --credentials AKID:SECRET [--credentials ...] [--service sqs] [--window 300]

Every request must carry an `Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/
aws4_request, SignedHeaders=..., Signature=...` header whose signature botocore reproduces from
the request as received (method, path, query, the signed headers, the body's SHA-256) with the
secret of AKID; the scope must name --service and --region and the date of X-Amz-Date; X-Amz-Date
must be within --window seconds of the proxy's clock; signed headers must include host and
x-amz-date; an x-amz-content-sha256 header must be the body's hash. Otherwise the answer is an
SQS-shaped JSON error (403, or 400 for a malformed header) with x-amzn-query-error, as SQS sends:
MissingAuthenticationToken, IncompleteSignature, InvalidClientTokenId, SignatureDoesNotMatch
(also "Signature expired"). Verified requests go to --backend unchanged.
GET /__sigv4__/stats answers {"verified": n, "refused": n, "last_refusal": "..."} unsigned.
Prints "LISTENING <port>" once it accepts connections (port 0 picks a free one).
"""
import argparse
import calendar
import datetime
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_forward  # noqa: E402

import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402

AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256 +Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request *, *"
                     r"SignedHeaders=([a-z0-9;\-]+) *, *Signature=([0-9a-f]{64})$")


class ExactHeadersAuth(botocore.auth.SigV4Auth):
    """botocore's SigV4 with the header set the client declared: botocore itself never signs
    user-agent or expect, but the spec lets a client sign any header, so take SignedHeaders
    as given rather than botocore's own choice."""

    def __init__(self, credentials, service, region, signed):
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request):
        header_map = botocore.awsrequest.HTTPHeaders()
        for name in self._signed:
            for value in request.headers.get_all(name):
                header_map[name] = value
        return header_map


class Refusal(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Handler(http_forward.ForwardingHandler):
    def intercept(self, body):
        if self.command == "GET" and self.path == "/__sigv4__/stats":
            with self.server.lock:
                stats = dict(self.server.stats)
            self.reply(200, json.dumps(stats).encode(), [("Content-Type", "application/json")])
            return True
        try:
            try:
                self.verify(body)
            except Refusal:
                raise
            except Exception as error:  # a bug here must show, not drop the connection
                raise Refusal(500, "InternalFailure", f"sigv4_proxy: {type(error).__name__}: {error}") from error
        except Refusal as refusal:
            with self.server.lock:
                self.server.stats["refused"] += 1
                self.server.stats["last_refusal"] = f"{refusal.code}: {refusal.message}"
            if self.server.log:
                print(f"sigv4_proxy: refused {self.command} {self.path} "
                      f"({self.headers.get('X-Amz-Target', '')}): {refusal.code}: {refusal.message}",
                      file=sys.stderr, flush=True)
            error = {"__type": "com.amazon.coral.service#" + refusal.code, "message": refusal.message}
            self.reply(refusal.status, json.dumps(error).encode(), [
                ("Content-Type", "application/x-amz-json-1.0"),
                ("x-amzn-query-error", refusal.code + ";Sender"),
                ("x-amzn-RequestId", "sigv4-proxy-" + hashlib.sha1(os.urandom(8)).hexdigest()[:16])])
            return True
        with self.server.lock:
            self.server.stats["verified"] += 1
        return False

    def verify(self, body):
        config = self.server.config
        authorization = self.headers.get("Authorization")
        if not authorization:
            raise Refusal(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
        match = AUTH_RE.match(authorization.strip())
        if not match:
            raise Refusal(400, "IncompleteSignature", f"Authorization header is not a SigV4 header: {authorization[:80]}")
        access_key, scope_date, region, service, signed, signature = match.groups()
        secret = config.credentials.get(access_key)
        if secret is None:
            raise Refusal(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
        if service != config.service:
            raise Refusal(403, "SignatureDoesNotMatch", f"Credential should be scoped to correct service: '{config.service}'.")
        if region != config.region:
            raise Refusal(403, "SignatureDoesNotMatch",
                          f"Credential should be scoped to a valid region, not '{region}'; expected '{config.region}'.")
        signed_names = signed.split(";")
        if signed_names != sorted(set(signed_names)) or "host" not in signed_names:
            raise Refusal(403, "SignatureDoesNotMatch", f"SignedHeaders must be sorted, unique and include host: {signed}")
        for name in signed_names:
            if self.headers.get(name) is None:
                raise Refusal(403, "SignatureDoesNotMatch", f"signed header {name} is not in the request")
        amz_date = self.headers.get("X-Amz-Date", "")
        if "x-amz-date" not in signed_names or not re.fullmatch(r"\d{8}T\d{6}Z", amz_date):
            raise Refusal(400, "IncompleteSignature", "X-Amz-Date must be signed and look like 20240101T000000Z")
        if amz_date[:8] != scope_date:
            raise Refusal(403, "SignatureDoesNotMatch", f"Date in Credential scope does not match X-Amz-Date {amz_date}")
        signed_at = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
        now = time.time()
        if abs(now - signed_at) > config.window:
            now_text = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
            edge = "earlier" if signed_at < now else "later"
            raise Refusal(403, "SignatureDoesNotMatch",
                          f"Signature expired: {amz_date} is now {edge} than {now_text} "
                          f"({now_text} {'-' if edge == 'earlier' else '+'} {config.window // 60} min.)")
        declared = self.headers.get("X-Amz-Content-SHA256")
        if declared is not None and declared != hashlib.sha256(body).hexdigest():
            raise Refusal(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match")
        headers = botocore.awsrequest.HTTPHeaders()
        for name in signed_names:
            for value in self.headers.get_all(name):
                headers[name] = value
        request = botocore.awsrequest.AWSRequest(
            method=self.command, url="http://" + self.headers["Host"] + self.path, headers=headers, data=body)
        request.context["timestamp"] = amz_date
        auth = ExactHeadersAuth(botocore.credentials.Credentials(access_key, secret), service, region, signed_names)
        canonical = auth.canonical_request(request)
        string_to_sign = auth.string_to_sign(request, canonical)
        expected = auth.signature(string_to_sign, request)
        if not hmac.compare_digest(expected, signature):
            raise Refusal(403, "SignatureDoesNotMatch",
                          "The request signature we calculated does not match the signature you provided. "
                          "Check your AWS Secret Access Key and signing method. The String-to-Sign should have been "
                          + json.dumps(string_to_sign))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listen", required=True, type=http_forward.host_port)
    parser.add_argument("--backend", required=True, type=http_forward.host_port)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--service", default="sqs")
    parser.add_argument("--window", type=int, default=300, help="seconds X-Amz-Date may be off (default 300)")
    parser.add_argument("--credentials", action="append", default=[], metavar="AKID:SECRET")
    parser.add_argument("--quiet", action="store_true", help="do not log refusals on stderr")
    args = parser.parse_args()
    args.credentials = dict(item.split(":", 1) for item in args.credentials)
    if not args.credentials:
        parser.error("at least one --credentials AKID:SECRET")
    server = http_forward.Server(args.listen, Handler, args.backend)
    server.config = args
    server.log = not args.quiet
    server.lock = threading.Lock()
    server.stats = {"verified": 0, "refused": 0, "last_refusal": ""}
    print(f"LISTENING {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
