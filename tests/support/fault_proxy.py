#!/usr/bin/python3
"""A fault-injecting HTTP proxy for the integration tests (python3 stdlib only), in front of S3
(radosgw) or SQS (fauxqs, or sigv4_proxy.py in front of it). Requests are forwarded unchanged
(Host included, so signatures stay valid) unless a rule fires.

    fault_proxy.py --listen 127.0.0.1:0 --backend 127.0.0.1:7680 [--config rules.json]

Prints "LISTENING <port>" once it accepts connections. Configuration (JSON, from --config or
POST /__fault__/config, which replaces it and resets the counters; GET /__fault__/stats answers the
counters; neither name can collide with S3, whose bucket names have no '_', or SQS, which posts "/"):

    {"seed": 1, "rules": [
      {"fault": "throttle",  "rate": 0.1},                  S3: 503 SlowDown XML; SQS: 400 ThrottlingException JSON
      {"fault": "error",     "rate": 0.1, "status": 500},   S3: InternalError XML; SQS: InternalFailure JSON
      {"fault": "drop",      "rate": 0.1, "reset": false},  close the connection (RST with "reset": true)
      {"fault": "latency",   "rate": 1.0, "ms": 200},       wait, then go on with the next rules
      {"fault": "blackhole", "rate": 0.01, "seconds": 60},  read the request, never answer, hold the connection
      {"fault": "truncate",  "rate": 0.1}                   forward, then send half the body under the full
    ]}                                                       Content-Length and close
Every rule may also have: "when": "before" (default: the backend never sees the request) or
"after" (the backend processed it; the answer is lost) for throttle/error/drop; "limit": N (fire
at most N times); and matchers "method" ("GET"), "path" (a regular expression searched in the
request target), "target" (a substring of X-Amz-Target, e.g. "ReceiveMessage"), "service"
("s3" or "sqs": SQS is recognised by its X-Amz-Target header). Rules are tried in order; the first
non-latency rule that fires decides. Decisions come from one random.Random(seed): with one client
thread a run is reproducible.
"""
import argparse
import json
import os
import random
import re
import select
import socket
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_forward  # noqa: E402

KINDS = {"throttle", "error", "drop", "latency", "blackhole", "truncate"}


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.configure({"seed": 0, "rules": []})

    def configure(self, config):
        rules = config.get("rules", [])
        for rule in rules:
            if rule.get("fault") not in KINDS:
                raise ValueError(f"unknown fault {rule.get('fault')!r}; known: {sorted(KINDS)}")
            if "path" in rule:
                re.compile(rule["path"])
        with self.lock:
            self.rules = [dict(rule, fired=0) for rule in rules]
            self.random = random.Random(config.get("seed", 0))
            self.stats = {"requests": 0, "forwarded": 0, **{kind: 0 for kind in KINDS}}

    def snapshot(self):
        with self.lock:
            return dict(self.stats, rules=[dict(rule) for rule in self.rules])

    def count(self, name):
        with self.lock:
            self.stats[name] += 1

    def decide(self, method, path, target):
        """The rules that fire for this request: [latency rules...] + [at most one other]."""
        service = "sqs" if target else "s3"
        fired = []
        with self.lock:
            self.stats["requests"] += 1
            for rule in self.rules:
                if "method" in rule and rule["method"] != method:
                    continue
                if "path" in rule and not re.search(rule["path"], path):
                    continue
                if "target" in rule and rule["target"] not in target:
                    continue
                if "service" in rule and rule["service"] != service:
                    continue
                if "limit" in rule and rule["fired"] >= rule["limit"]:
                    continue
                if self.random.random() >= rule.get("rate", 1.0):
                    continue
                rule["fired"] += 1
                self.stats[rule["fault"]] += 1
                fired.append(dict(rule))
                if rule["fault"] != "latency":
                    break
        return fired


def s3_error(status, code, message):
    request_id = os.urandom(8).hex().upper()
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"<RequestId>{request_id}</RequestId><HostId>fault-proxy</HostId></Error>").encode()
    return status, [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)], body


def sqs_error(status, code, message):
    body = json.dumps({"__type": "com.amazon.coral.service#" + code, "message": message}).encode()
    return status, [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-query-error", code + ";Sender"),
                    ("x-amzn-RequestId", os.urandom(16).hex())], body


class Handler(http_forward.ForwardingHandler):
    def intercept(self, body):
        faults = self.server.faults
        if self.path.startswith("/__fault__/"):
            return self.control(body)
        target = self.headers.get("X-Amz-Target", "")
        decided = faults.decide(self.command, self.path, target)
        rule = None
        for item in decided:
            if item["fault"] == "latency":
                time.sleep(item.get("ms", 100) / 1000.0)
            else:
                rule = item
        if rule is None:
            faults.count("forwarded")
            return False
        kind, when = rule["fault"], rule.get("when", "before")
        if kind == "blackhole":
            self.hold(rule.get("seconds", 3600))
            return True
        if kind == "truncate" or when == "after":
            try:
                status, headers, data = self.forward(body)
            except OSError:
                self.close_connection = True
                return True
            faults.count("forwarded")
            if kind == "truncate":
                self.send_truncated(status, headers, data)
                return True
        if kind == "drop":
            self.drop(rule.get("reset", False))
        elif kind == "throttle":
            self.answer(*(sqs_error(400, "ThrottlingException", "Rate exceeded") if target else
                          s3_error(503, "SlowDown", "Please reduce your request rate.")))
        else:
            status = int(rule.get("status", 500))
            self.answer(*(sqs_error(status, "InternalFailure" if status == 500 else "ServiceUnavailable",
                                    "injected by fault_proxy") if target else
                          s3_error(status, "InternalError" if status == 500 else "ServiceUnavailable",
                                   "We encountered an internal error. Please try again.")))
        return True

    def control(self, body):
        faults = self.server.faults
        if self.path == "/__fault__/stats":
            self.reply(200, json.dumps(faults.snapshot()).encode(), [("Content-Type", "application/json")])
        elif self.path == "/__fault__/config" and self.command in ("POST", "PUT"):
            try:
                faults.configure(json.loads(body or b"{}"))
            except (ValueError, re.error) as error:
                self.reply(400, f"{error}\n".encode(), [("Content-Type", "text/plain")])
                return True
            self.reply(200, b"{}", [("Content-Type", "application/json")])
        else:
            self.reply(404, b"try GET /__fault__/stats or POST /__fault__/config\n", [("Content-Type", "text/plain")])
        return True

    def answer(self, status, headers, body):
        self.reply(status, body, headers)

    def drop(self, reset):
        self.close_connection = True
        if reset:  # close() then sends RST instead of FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def hold(self, seconds):
        """Reads nothing more, answers nothing, until the client gives up or `seconds` pass."""
        self.close_connection = True
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            readable, _, _ = select.select([self.connection], [], [], min(1.0, max(0.0, deadline - time.monotonic())))
            if readable:
                try:
                    if not self.connection.recv(65536, socket.MSG_PEEK):
                        return  # the client closed: its timeout worked
                    self.connection.recv(65536)
                except OSError:
                    return

    def send_truncated(self, status, headers, data):
        self.close_connection = True
        self.send_response_only(status)
        for name, value in headers:
            if name.lower() not in http_forward.HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listen", required=True, type=http_forward.host_port)
    parser.add_argument("--backend", required=True, type=http_forward.host_port)
    parser.add_argument("--config", help="JSON file with the initial rules")
    args = parser.parse_args()
    server = http_forward.Server(args.listen, Handler, args.backend)
    server.faults = Faults()
    if args.config:
        with open(args.config) as config:
            server.faults.configure(json.load(config))
    print(f"LISTENING {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
