"""The HTTP front of `durable-sfn serve`: stdlib ThreadingHTTPServer, one thread per request.

Routing is by header and path only: `X-Amz-Target` picks the Step Functions or DynamoDB JSON
protocol, the management prefix picks the Durable-style API. Every failure becomes a JSON error
response; a request can never take the server down.
"""

from __future__ import annotations

import json
import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from durable_sfn.server.app import DYNAMODB_TARGET_PREFIX, MAX_REQUEST_BYTES, LocalBackend
from durable_sfn.server.management import PREFIX as MANAGEMENT_PREFIX
from durable_sfn.server.protocol import CONTENT_TYPE

_log = logging.getLogger("durable_sfn.server")
# Oversized bodies up to this size are read and discarded before the 413 answer.
_DRAIN_LIMIT = 32 * 1024 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A thousand parallel clients must not be refused at the socket.
    request_queue_size = 1024
    backend: LocalBackend


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Answer even an unparseable request line with a status line and headers (not HTTP/0.9).
    default_request_version = "HTTP/1.1"
    server_version = "durable-sfn"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True

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
            body = self._read_body()
            if body is None:
                return
            target = self.headers.get("X-Amz-Target")
            url = urlsplit(self.path)
            if url.path.startswith(MANAGEMENT_PREFIX):
                query = dict(parse_qsl(url.query))
                host = self.headers.get("Host") or _bound_address(self.server)
                answer = self.server.backend.management(method, url.path, query, body, f"http://{host}")
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

    def _read_body(self) -> bytes | None:
        length_header = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self._send_error(
                411, "ValidationException", "chunked requests are not supported; send Content-Length"
            )
            self.close_connection = True
            return None
        try:
            length = int(length_header) if length_header else 0
        except ValueError:
            self._send_error(400, "SerializationException", f"bad Content-Length {length_header!r}")
            self.close_connection = True
            return None
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
        return self.rfile.read(length) if length > 0 else b""

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
        self.end_headers()
        self.wfile.write(body)


def _bound_address(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"{host.decode() if isinstance(host, bytes) else host}:{port}"


def _request_id() -> str:
    import uuid

    return str(uuid.uuid4())


def make_server(backend: LocalBackend, host: str, port: int) -> ThreadingHTTPServer:
    """Bind (port 0 picks a free port; read it from `server.server_address`)."""
    server = _Server((host, port), _Handler)
    server.backend = backend
    return server
