#!/usr/bin/python3
"""A small HTTP/1.1 server for tests/http_test.cpp (stdlib only).

Binds 127.0.0.1 on a free port and prints "PORT <n>" on stdout once listening. Routes:
  /echo          200, JSON body: method, path, headers (as received), body, client port
  /status/<n>    status n, header x-test-status, body "status <n>"
  /bytes/<n>     200, n bytes where byte i is i % 251, sent in 1000-byte writes
  /slow/<ms>     waits ms milliseconds, then 200 "slow"
  /stall         200 with a Content-Length of 1000000, sends 10 bytes and then nothing
HEAD on any route sends the headers GET would send, without the body.
"""
import http.server
import json
import os
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the client can reuse its connection

    def log_message(self, *args):
        pass

    def _reply(self, status, body, extra_headers=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Test-Mixed-Case", "Value With Spaces")
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _read_body(self):
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length) if length else b""

    def _route(self):
        body = self._read_body()
        parts = self.path.split("/")
        if self.path == "/echo" or self.path.startswith("/echo?"):
            payload = {
                "method": self.command,
                "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.decode("latin-1"),
                "client_port": self.client_address[1],
            }
            self._reply(200, json.dumps(payload).encode())
        elif self.path.startswith("/raw/"):
            self._reply(200, self.path.encode("latin-1"))  # the request target exactly as it came
        elif len(parts) == 3 and parts[1] == "status":
            status = int(parts[2])
            self._reply(status, ("status %d" % status).encode(), [("x-test-status", str(status))])
        elif len(parts) == 3 and parts[1] == "bytes":
            count = int(parts[2])
            self.send_response(200)
            self.send_header("Content-Length", str(count))
            self.end_headers()
            if self.command == "HEAD":
                return
            data = bytes(i % 251 for i in range(count))
            for start in range(0, count, 1000):
                self.wfile.write(data[start : start + 1000])
                self.wfile.flush()
        elif len(parts) == 3 and parts[1] == "slow":
            time.sleep(int(parts[2]) / 1000.0)
            self._reply(200, b"slow")
        elif self.path == "/stall":
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            time.sleep(30)
        else:
            self._reply(404, b"no such route")

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _route


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients abort transfers on purpose (timeouts, refused bodies): not worth a traceback


def exit_with_parent():
    """Stops the server when the test process that started it is gone (crashed, killed)."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main():
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=exit_with_parent, daemon=True).start()
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
