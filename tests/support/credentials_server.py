#!/usr/bin/python3
"""Stand-in credential endpoints for tests/credentials_test.cpp (stdlib only).

Serves the conformance replies of ../shared/conformance/credentials/ the way the real endpoints do,
and checks what the real endpoints check. Binds 127.0.0.1 on a free port and prints "PORT <n>".

  GET  /ecs/creds                         container endpoint: needs "Authorization: <--ecs-token>"
                                          (else 401), replies the documented JSON body
  PUT  /latest/api/token                  IMDSv2: needs X-aws-ec2-metadata-token-ttl-seconds
                                          (1..21600, else 400), replies the documented token
  GET  /latest/meta-data/iam/security-credentials/[ROLE]
                                          IMDSv2: needs X-aws-ec2-metadata-token = that token
                                          (else 401), replies the role name / credentials JSON
  POST /sts/                              STS query API: needs Action=AssumeRoleWithWebIdentity,
                                          Version, RoleArn, RoleSessionName and
                                          WebIdentityToken = <--web-identity-token>; otherwise
                                          400 with the documented ExpiredTokenException XML
  GET  /stats                             JSON {path: number of requests}
Usage: credentials_server.py CONFORMANCE_DIR ECS_TOKEN WEB_IDENTITY_TOKEN
"""
import collections
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

CONFORMANCE = sys.argv[1]
ECS_TOKEN = sys.argv[2]
WEB_IDENTITY_TOKEN = sys.argv[3]


def load(name):
    with open(os.path.join(CONFORMANCE, "credentials", name), "rb") as f:
        return f.read()


ECS = json.loads(load("ecs-container-credentials.json"))
IMDS = json.loads(load("imds-v2.json"))
IMDS_TOKEN = IMDS["steps"][0]["response"]["body"]
IMDS_ROLE = IMDS["steps"][1]["response"]["body"]
IMDS_CREDENTIALS = json.dumps(IMDS["steps"][2]["response"]["body"]).encode()
STS_RESPONSE = load("sts-assume-role-with-web-identity.response.xml")
STS_ERROR = load("sts-error-expired-token.response.xml")
CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/"

counts = collections.Counter()
counts_lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reply(self, status, body, content_type="text/plain"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _count(self):
        with counts_lock:
            counts[self.command + " " + self.path] += 1

    def do_GET(self):
        self._count()
        if self.path == "/stats":
            with counts_lock:
                self._reply(200, json.dumps(counts), "application/json")
        elif self.path == "/ecs/creds":
            if self.headers.get("Authorization") != ECS_TOKEN:
                self._reply(401, json.dumps({"code": "AccessDenied", "message": "bad token"}), "application/json")
            else:
                self._reply(200, json.dumps(ECS["response"]["body"]), "application/json")
        elif self.path.startswith(CREDENTIALS_PATH):
            if self.headers.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
                self._reply(401, "")
            elif self.path == CREDENTIALS_PATH:
                self._reply(200, IMDS_ROLE)
            elif self.path == CREDENTIALS_PATH + IMDS_ROLE:
                self._reply(200, IMDS_CREDENTIALS)  # text/plain, as IMDS sends it
            else:
                self._reply(404, "")
        else:
            self._reply(404, "")

    def do_PUT(self):
        self._count()
        if self.path != "/latest/api/token":
            self._reply(404, "")
            return
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
        if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            self._reply(400, "")
        else:
            self._reply(200, IMDS_TOKEN)

    def do_POST(self):
        self._count()
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        field = lambda name: form.get(name, [""])[0]
        ok = (self.path == "/sts/" and field("Action") == "AssumeRoleWithWebIdentity"
              and field("Version") == "2011-06-15" and field("RoleArn") and field("RoleSessionName")
              and field("WebIdentityToken") == WEB_IDENTITY_TOKEN and "Authorization" not in self.headers)
        if ok:
            self._reply(200, STS_RESPONSE, "text/xml")
        else:
            self._reply(400, STS_ERROR, "text/xml")


def exit_with_parent():
    # A test that crashes cannot stop us: leave when the process that started us is gone.
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main():
    threading.Thread(target=exit_with_parent, daemon=True).start()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
