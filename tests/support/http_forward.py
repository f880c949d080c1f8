"""A keep-alive HTTP/1.1 forwarding proxy for the integration tests (python3 stdlib only).

ForwardingHandler reads a whole request, lets a subclass decide (`intercept`), then sends it to
the backend on a persistent connection of its own thread and relays the whole response with a
Content-Length. TCP_NODELAY on both sides: a request head and body written separately must not
wait 40 ms for the client's delayed ACK (Nagle), which would swamp every latency we measure.
Used by sigv4_proxy.py and fault_proxy.py.
"""
import http.client
import http.server
import socket
import sys
import threading

# Hop-by-hop headers (RFC 9110 7.6.1) and the ones this proxy recomputes.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
              "expect", "content-length"}


def host_port(text):
    """argparse type for HOST:PORT or :PORT (127.0.0.1)."""
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, listen, handler, backend):
        self.backend = backend  # (host, port)
        super().__init__(listen, handler)

    def handle_error(self, request, client_address):
        # A client that was killed or gave up mid-request is what these tests do on purpose.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class ForwardingHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    backend_timeout = 120  # seconds: above SQS's 20 s long poll and S3's slowest test upload

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # -- hooks ----------------------------------------------------------------------------------
    def intercept(self, body):
        """Return True when the subclass answered (or dropped) the request itself."""
        return False

    # -- plumbing -------------------------------------------------------------------------------
    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def backend_connection(self):
        local = self.server.__dict__.setdefault("_local", threading.local())
        connection = getattr(local, "connection", None)
        if connection is None:
            host, port = self.server.backend
            connection = http.client.HTTPConnection(host, port, timeout=self.backend_timeout)
            connection.connect()
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            local.connection = connection
        return connection

    def drop_backend_connection(self):
        local = self.server.__dict__.get("_local")
        if local is not None and getattr(local, "connection", None) is not None:
            local.connection.close()
            local.connection = None

    def forward(self, body):
        """Sends the request to the backend: (status, headers, body). One retry on a stale
        keep-alive connection, never after the request may have been processed."""
        headers = [(name, value) for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP]
        for attempt in (1, 2):
            connection = self.backend_connection()
            try:
                connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    connection.putheader(name, value)
                if body or self.command in ("POST", "PUT"):
                    connection.putheader("Content-Length", str(len(body)))
                connection.endheaders(body if body else None)
            except (ConnectionError, OSError):
                self.drop_backend_connection()
                if attempt == 2:
                    raise
                continue
            try:
                response = connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError):
                # A keep-alive connection the backend had already closed: nothing was processed.
                self.drop_backend_connection()
                if attempt == 2:
                    raise
                continue
            except Exception:
                self.drop_backend_connection()
                raise
            if response.will_close:
                self.drop_backend_connection()
            return response.status, response.getheaders(), data
        raise ConnectionError("backend closed the connection twice")

    def relay(self, body):
        try:
            status, headers, data = self.forward(body)
        except (OSError, http.client.HTTPException) as error:
            self.reply(502, f"proxy: backend failed: {error}\n".encode(), [("Content-Type", "text/plain")])
            return
        self.send_response_only(status)
        for name, value in headers:
            lower = name.lower()
            if lower in ("date", "server") or (lower in HOP_BY_HOP and not (lower == "content-length" and self.command == "HEAD")):
                continue
            self.send_header(name, value)
        self.send_header("Date", self.date_time_string())
        if self.command != "HEAD":
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()

    def handle_any(self):
        body = self.read_body()
        if not self.intercept(body):
            self.relay(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any
