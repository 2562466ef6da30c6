"""A small operations API over HTTP, for `make run` and the tests (the real one is external).

    POST /operations      {"Name", "Parameters", "CompleteAfterChecks": n | null, "Result"}
                          -> 202 {"OperationId", "Status": "Running"}
                          An `Idempotency-Key` header returns the operation already started with it.
    GET  /operations/ID   -> 200 {"OperationId", "Status": "Running" | "Succeeded", "Checks", "Result"}
                          The operation succeeds on its n-th check; with null it never does.
    POST /process         {"Key", "Data", "FailuresBeforeSuccess": n}
                          -> 503 for the first n calls with that key, then 200 {"Key", "Attempts", "Processed"}
                          -> 422 when "Data" is missing
                          With an `Idempotency-Key` header, a call that was processed (200) is
                          answered again from the record, without processing (or counting) twice;
                          a 503 records nothing, so the retry is processed.

Both POSTs answer 422 when an `Idempotency-Key` is reused with a different body.

Run it alone with `python -m lambdas.operations.service [PORT]`.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Operation:
    operation_id: str
    name: str
    parameters: Any
    complete_after_checks: int | None
    result: Any
    checks: int = 0

    def view(self) -> dict[str, Any]:
        done = self.complete_after_checks is not None and self.checks >= self.complete_after_checks
        return {
            "OperationId": self.operation_id,
            "Name": self.name,
            "Status": "Succeeded" if done else "Running",
            "Checks": self.checks,
            "Result": self.result if done else None,
        }


@dataclass
class OperationsState:
    """Everything the service remembers; ids are sequential so runs are reproducible."""

    default_complete_after_checks: int | None = 3
    operations: dict[str, Operation] = field(default_factory=dict)
    by_idempotency_key: dict[str, str] = field(default_factory=dict)
    process_attempts: dict[str, int] = field(default_factory=dict)
    # Idempotency-Key -> (fingerprint of the request body, the answer recorded for it).
    processed: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    start_fingerprints: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, body: dict[str, Any], idempotency_key: str | None) -> tuple[int, dict[str, Any]]:
        name = body.get("Name")
        if not isinstance(name, str) or not name:
            return HTTPStatus.UNPROCESSABLE_ENTITY, {"Message": "Name (a non-empty string) is required"}
        after = body.get("CompleteAfterChecks", self.default_complete_after_checks)
        if after is not None and (not isinstance(after, int) or after < 0):
            return HTTPStatus.UNPROCESSABLE_ENTITY, {
                "Message": "CompleteAfterChecks must be a non-negative integer or null"
            }
        with self.lock:
            if idempotency_key and idempotency_key in self.by_idempotency_key:
                if self.start_fingerprints[idempotency_key] != _fingerprint(body):
                    return HTTPStatus.UNPROCESSABLE_ENTITY, _reused(idempotency_key)
                return HTTPStatus.ACCEPTED, self.operations[self.by_idempotency_key[idempotency_key]].view()
            operation_id = f"op-{len(self.operations) + 1:04d}"
            result = body.get("Result", {"Name": name, "Output": f"{name} finished"})
            operation = Operation(operation_id, name, body.get("Parameters"), after, result)
            self.operations[operation_id] = operation
            if idempotency_key:
                self.by_idempotency_key[idempotency_key] = operation_id
                self.start_fingerprints[idempotency_key] = _fingerprint(body)
            return HTTPStatus.ACCEPTED, operation.view()

    def check(self, operation_id: str) -> tuple[int, dict[str, Any]]:
        with self.lock:
            operation = self.operations.get(operation_id)
            if operation is None:
                return HTTPStatus.NOT_FOUND, {"Message": f"No operation {operation_id}"}
            operation.checks += 1
            return HTTPStatus.OK, operation.view()

    def process(self, body: dict[str, Any], idempotency_key: str | None = None) -> tuple[int, dict[str, Any]]:
        if "Data" not in body:
            return HTTPStatus.UNPROCESSABLE_ENTITY, {"Message": "Data is required"}
        key = str(body.get("Key", ""))
        failures = body.get("FailuresBeforeSuccess", 0)
        if not isinstance(failures, int) or failures < 0:
            return HTTPStatus.UNPROCESSABLE_ENTITY, {
                "Message": "FailuresBeforeSuccess must be a non-negative integer"
            }
        fingerprint = _fingerprint(body)
        with self.lock:
            if idempotency_key and idempotency_key in self.processed:
                recorded_for, answer = self.processed[idempotency_key]
                if recorded_for != fingerprint:
                    return HTTPStatus.UNPROCESSABLE_ENTITY, _reused(idempotency_key)
                return HTTPStatus.OK, answer
            attempts = self.process_attempts.get(key, 0) + 1
            self.process_attempts[key] = attempts
            if attempts <= failures:
                return HTTPStatus.SERVICE_UNAVAILABLE, {
                    "Message": f"Busy (attempt {attempts} of key {key!r})"
                }
            answer = {"Key": key, "Attempts": attempts, "Processed": body["Data"]}
            if idempotency_key:
                self.processed[idempotency_key] = (fingerprint, answer)
            return HTTPStatus.OK, answer


def _fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _reused(idempotency_key: str) -> dict[str, Any]:
    return {"Message": f"Idempotency-Key {idempotency_key!r} was already used with a different request"}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            value = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, dict) else None

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = self._body()
        if body is None:
            self._send(HTTPStatus.BAD_REQUEST, {"Message": "The body must be a JSON object"})
        elif self.path == "/operations":
            self._send(*self.server.state.start(body, self.headers.get("Idempotency-Key")))
        elif self.path == "/process":
            self._send(*self.server.state.process(body, self.headers.get("Idempotency-Key")))
        else:
            self._send(HTTPStatus.NOT_FOUND, {"Message": f"No route POST {self.path}"})

    def do_GET(self) -> None:
        prefix = "/operations/"
        if self.path.startswith(prefix) and len(self.path) > len(prefix):
            self._send(*self.server.state.check(self.path[len(prefix) :]))
        else:
            self._send(HTTPStatus.NOT_FOUND, {"Message": f"No route GET {self.path}"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: OperationsState) -> None:
        super().__init__(address, _Handler)
        self.state = state


class OperationsService:
    """The service on a free loopback port, in a background thread.

    >>> with OperationsService() as service:
    ...     os.environ["OPERATIONS_API_URL"] = service.url
    """

    def __init__(self, *, port: int = 0, default_complete_after_checks: int | None = 3) -> None:
        self.state = OperationsState(default_complete_after_checks=default_complete_after_checks)
        self._server = _Server(("127.0.0.1", port), self.state)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> OperationsService:
        self._thread = threading.Thread(target=self._server.serve_forever, name="operations-api", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the standalone service)."""
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._server.server_close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> OperationsService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    service = OperationsService(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8080)
    print(f"operations API on {service.url}")
    service.serve_forever()
