"""A real HTTP server on 127.0.0.1 for HTTP Task and `ctx.call_http` tests.

Routes are scripted per test: each path answers from a queue of `Reply`s (the last one repeats),
so a test can say "202 with a Location twice, then 200". Every request is recorded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None  # a str is sent as text/plain, anything else as JSON
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: str


class LocalHttp:
    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                with server._lock:
                    server.requests.append(Seen(self.command, self.path, dict(self.headers), body))
                    queue = server.routes.get(self.path.split("?", 1)[0], [Reply(404, "no route")])
                    reply = queue.pop(0) if len(queue) > 1 else queue[0]
                text = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                data = (text or "").encode("utf-8") if reply.body is not None else b""
                self.send_response(reply.status)
                if reply.body is not None:
                    kind = "text/plain" if isinstance(reply.body, str) else "application/json"
                    self.send_header("Content-Type", kind)
                for name, value in reply.headers.items():
                    self.send_header(name, value.replace("{base}", server.base))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(self, path: str, *replies: Reply) -> str:
        """Answer `path` with `replies` in turn; returns its URL."""
        self.routes[path] = list(replies)
        return self.base + path


@contextmanager
def local_http() -> Iterator[LocalHttp]:
    http = LocalHttp()
    thread = threading.Thread(target=http.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield http
    finally:
        http.server.shutdown()
        http.server.server_close()
        thread.join(timeout=5)
