"""The HTTP front of `durable-sfn serve`: stdlib ThreadingHTTPServer with a bounded set of workers.

Routing is by header and path only: `X-Amz-Target` picks the Step Functions or DynamoDB JSON
protocol, the management prefix picks the Durable-style API. Every failure becomes a JSON error
response; a request can never take the server down.

Bounds, so that no client can hold the server: each connection has a worker thread of at most
`max_workers` (more connections at once are answered 503 ThrottlingException and closed); a
connection that sends nothing for `read_timeout` seconds (a stalled request line, headers or
body, or an idle keep-alive) is closed; a body needs an exact Content-Length (missing on POST,
negative, malformed, repeated, oversized or not matched by the bytes sent: an error, never a
guess); an HTTP/0.9 request line (`GET /` without a version) is refused at once. `guard.py`
decides who may send requests at all.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from durable_sfn.server.app import DYNAMODB_TARGET_PREFIX, MAX_REQUEST_BYTES, LocalBackend
from durable_sfn.server.guard import AccessPolicy
from durable_sfn.server.management import PREFIX as MANAGEMENT_PREFIX
from durable_sfn.server.protocol import CONTENT_TYPE

_log = logging.getLogger("durable_sfn.server")
# Oversized bodies up to this size are read and discarded before the 413 answer.
_DRAIN_LIMIT = 32 * 1024 * 1024
DEFAULT_MAX_WORKERS = 256
DEFAULT_READ_TIMEOUT = 30.0
_DIGITS = re.compile(r"^[0-9]{1,19}$")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A thousand parallel clients must not be refused at the socket.
    request_queue_size = 1024
    backend: LocalBackend
    policy: AccessPolicy
    read_timeout: float
    _slots: threading.BoundedSemaphore

    def process_request(self, request: Any, client_address: Any) -> None:
        """A worker per connection while one is free; past `max_workers`, 503 at once."""
        if not self._slots.acquire(blocking=False):
            _refuse_busy(request)
            self.shutdown_request(request)
            return
        thread = threading.Thread(target=self._work, args=(request, client_address), daemon=True)
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: answer as if saturated
            self._slots.release()
            _refuse_busy(request)
            self.shutdown_request(request)

    def _work(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            self._slots.release()


def _refuse_busy(request: socket.socket) -> None:
    body = json.dumps(
        {"__type": "ThrottlingException", "message": "the server is busy: too many open connections; retry"}
    ).encode("utf-8")
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        f"Content-Type: {CONTENT_TYPE}\r\nContent-Length: {len(body)}\r\n"
        "Retry-After: 1\r\nConnection: close\r\n\r\n"
    ).encode("ascii")
    try:
        request.settimeout(1.0)
        request.sendall(head + body)
    except OSError:
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Answer even an unparseable request line with a status line and headers (not HTTP/0.9).
    default_request_version = "HTTP/1.1"
    server_version = "durable-sfn"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True

    raw_requestline: bytes

    def setup(self) -> None:
        super().setup()
        # Every read that waits longer raises TimeoutError: a stalled client frees its worker.
        self.connection.settimeout(self.server.read_timeout)

    def parse_request(self) -> bool:
        words = self.raw_requestline.split()
        if len(words) == 2:
            # HTTP/0.9 has no headers to end the request: http.server would wait for some.
            self.command = None  # type: ignore[assignment]
            self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
            self.request_version = self.default_request_version
            self.send_error(400, "send an HTTP/1.x request line: METHOD PATH HTTP/1.1")
            return False
        return super().parse_request()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own protocol errors (bad request line, bad headers) as JSON errors."""
        self.close_connection = True
        self._send_error(
            code, "BadRequest" if code < 500 else "InternalFailure", message or explain or "bad request"
        )

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s " + format, self.address_string(), *args)

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        try:
            body = self._read_body(method)
            if body is None:
                return
            target = self.headers.get("X-Amz-Target")
            url = urlsplit(self.path)
            management = url.path.startswith(MANAGEMENT_PREFIX)
            refusal = self.server.policy.check(
                dict(self.headers.items()), management=management, has_body=bool(body)
            )
            if refusal is not None:
                if management:
                    answer_body = json.dumps({"error": refusal.message}).encode("utf-8")
                    self._send(refusal.status, answer_body, "application/json")
                else:
                    self._send_error(refusal.status, refusal.code, refusal.message)
                return
            if management:
                query = dict(parse_qsl(url.query))
                # Only a checked Host, or the bound address, goes into Location and the URIs.
                host = self.server.policy.base_url(dict(self.headers.items())).removeprefix("http://")
                answer = self.server.backend.management(
                    method, url.path, query, body, f"http://{host}", dict(self.headers.items())
                )
                self._send(answer.status, answer.encoded(), "application/json", answer.headers)
                return
            if method != "POST":
                self._send_error(404, "UnknownOperationException", f"no route for {method} {url.path}")
                return
            if target and target.startswith(DYNAMODB_TARGET_PREFIX):
                response = self.server.backend.dynamodb_request(target, body)
            else:
                response = self.server.backend.step_functions(target, body)
            self._send(response.status, json.dumps(response.body).encode("utf-8"), CONTENT_TYPE)
        except Exception as exc:  # the last line of defence: answer, log, keep serving
            _log.exception("unhandled error serving %s %s", method, self.path)
            self._send_error(500, "InternalFailure", f"internal error: {type(exc).__name__}")

    def _read_body(self, method: str) -> bytes | None:
        lengths = self.headers.get_all("Content-Length") or []
        if self.headers.get("Transfer-Encoding") is not None:
            self._send_error(
                411, "ValidationException", "chunked requests are not supported; send Content-Length"
            )
            self.close_connection = True
            return None
        if not lengths:
            if method == "POST":
                self._send_error(411, "ValidationException", "a POST request needs a Content-Length header")
                self.close_connection = True
                return None
            return b""
        length_header = lengths[0].strip()
        if len(set(v.strip() for v in lengths)) > 1 or not _DIGITS.match(length_header):
            self._send_error(400, "SerializationException", f"bad Content-Length {', '.join(lengths)!r}")
            self.close_connection = True
            return None
        length = int(length_header)
        if length > MAX_REQUEST_BYTES:
            # Drain a moderately oversized body so the client reads our answer instead of a
            # broken pipe; past the drain limit, just close the connection after answering.
            if length <= _DRAIN_LIMIT:
                remaining = length
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 65536))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            else:
                self.close_connection = True
            self._send_error(
                413,
                "RequestEntityTooLargeException",
                f"request body of {length} bytes exceeds the {MAX_REQUEST_BYTES}-byte limit",
            )
            return None
        if length == 0:
            return b""
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            body = None
        if body is None or len(body) != length:
            # The client stopped sending (or closed) before Content-Length bytes arrived.
            self.close_connection = True
            self._send_error(400, "SerializationException", f"the body did not match Content-Length {length}")
            return None
        return body

    def _send_error(self, status: int, code: str, message: str) -> None:
        body = json.dumps({"__type": code, "message": message}).encode("utf-8")
        self._send(status, body, CONTENT_TYPE)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", _request_id())
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        try:
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client left (or stalled past the timeout) before reading its answer
            self.close_connection = True


def _request_id() -> str:
    import uuid

    return str(uuid.uuid4())


def make_server(
    backend: LocalBackend,
    host: str,
    port: int,
    *,
    policy: AccessPolicy | None = None,
    max_workers: int = DEFAULT_MAX_WORKERS,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
) -> ThreadingHTTPServer:
    """Bind (port 0 picks a free port; read it from `server.server_address`).

    `policy`: who may send requests (default: loopback names and the bound host, no token).
    """
    server = _Server((host, port), _Handler)
    server.backend = backend
    bound_port = int(server.server_address[1])
    server.policy = policy if policy is not None else AccessPolicy(host, bound_port)
    if server.policy.port != bound_port:  # port 0 was asked for: the policy learns the real one
        server.policy = AccessPolicy(
            server.policy.host, bound_port, server.policy.allowed_hosts, server.policy.token
        )
    server.read_timeout = read_timeout
    server._slots = threading.BoundedSemaphore(max_workers)
    return server
