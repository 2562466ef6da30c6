"""Probes of the HTTP server as a hostile or careless client, each bounded in time.

The server runs in-process here (`make_server` over one `LocalBackend`), so that its bounds can
be small: a read timeout of half a second and four workers.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pytest

from durable_sfn.server.app import LocalBackend, ServerConfig
from durable_sfn.server.guard import TOKEN_HEADER, AccessPolicy
from durable_sfn.server.httpd import make_server

PREFIX = "/runtime/webhooks/durabletask"
READ_TIMEOUT = 0.5
WORKERS = 4
ROLE = "arn:aws:iam::123456789012:role/test"


@pytest.fixture(scope="module")
def backend() -> Iterator[LocalBackend]:
    backend = LocalBackend(ServerConfig(port=0))
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Done",
        "States": {"Done": {"Type": "Pass", "End": True}},
    }
    backend.engine.create_state_machine(name="Echo", definition=json.dumps(definition), roleArn=ROLE)
    yield backend
    backend.close()


@contextmanager
def serving(backend: LocalBackend, policy: AccessPolicy | None = None) -> Iterator[int]:
    server = make_server(
        backend, "127.0.0.1", 0, policy=policy, max_workers=WORKERS, read_timeout=READ_TIMEOUT
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def port(backend: LocalBackend) -> Iterator[int]:
    with serving(backend) as port:
        yield port


def exchange(port: int, data: bytes, *, wait: float = 5.0) -> bytes:
    """Send raw bytes, read until the server closes or `wait` passes."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        return read_all(sock, wait)


def read_all(sock: socket.socket, wait: float) -> bytes:
    chunks: list[bytes] = []
    deadline = time.monotonic() + wait
    sock.settimeout(0.1)
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            if chunks and _complete(b"".join(chunks)):
                break
            continue
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return True


def answer(data: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, json.loads(body) if body else None


def request(
    port: int,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    sent = {"Host": f"127.0.0.1:{port}", "Content-Length": str(len(body)), "Connection": "close"}
    sent.update(headers or {})
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in sent.items() if v is not None
    )
    return answer(exchange(port, head.encode("iso-8859-1") + b"\r\n" + body))


def aws(port: int, action: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    status, _, payload = request(
        port,
        "POST",
        "/",
        body,
        {
            "X-Amz-Target": f"AWSStepFunctions.{action}",
            "Content-Type": "application/x-amz-json-1.0",
            **(headers or {}),
        },
    )
    return status, payload


# --- slow, stalled and too many connections ---------------------------------------------------------


def test_a_stalled_request_line_or_header_is_closed_after_the_read_timeout(port: int) -> None:
    started = time.monotonic()
    data = exchange(port, b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n", wait=10)
    assert time.monotonic() - started < 5  # before: the connection (and its thread) stayed forever
    assert data == b"" or answer(data)[0] >= 400


def test_a_stalled_body_is_answered_and_closed(port: int) -> None:
    started = time.monotonic()
    head = f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 100\r\n"
    data = exchange(
        port, head.encode() + b"X-Amz-Target: AWSStepFunctions.ListStateMachines\r\n\r\n{", wait=10
    )
    assert time.monotonic() - started < 5
    status, _, body = answer(data)
    assert status == 400 and body["__type"] == "SerializationException"


def test_saturated_workers_answer_503_throttling_and_recover(port: int) -> None:
    stalled = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(WORKERS)]
    try:
        for sock in stalled:
            sock.sendall(b"POST / HTTP/1.1\r\n")  # each holds a worker until the read timeout
        time.sleep(0.1)
        status, body = aws(port, "ListStateMachines", b"{}")
        assert status == 503
        assert body["__type"] == "ThrottlingException"
    finally:
        for sock in stalled:
            sock.close()
    deadline = time.monotonic() + 5
    while aws(port, "ListStateMachines", b"{}")[0] != 200:
        assert time.monotonic() < deadline, "workers were not released"
        time.sleep(0.05)


def test_an_http_0_9_request_line_is_refused_at_once(port: int) -> None:
    started = time.monotonic()
    data = exchange(port, b"GET /\r\n", wait=10)
    assert time.monotonic() - started < READ_TIMEOUT + 0.4  # before: waited for headers that never came
    assert answer(data)[0] == 400


# --- Content-Length ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "status"),
    [(None, 411), ("-1", 400), ("+2", 400), (" 2x", 400), ("99999999999999999999999", 400)],
)
def test_content_length_is_strict(port: int, length: str | None, status: int) -> None:
    code, _, body = request(
        port,
        "POST",
        "/",
        b"{}",
        {"Content-Length": length, "X-Amz-Target": "AWSStepFunctions.ListStateMachines"},  # type: ignore[dict-item]
    )
    assert code == status, body  # before: missing or negative lengths read as an empty body, 200
    assert body["__type"] in ("ValidationException", "SerializationException")


def test_repeated_content_lengths_that_differ_are_refused(port: int) -> None:
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 2\r\nContent-Length: 0\r\n"
        "X-Amz-Target: AWSStepFunctions.ListStateMachines\r\nConnection: close\r\n\r\n{}"
    )
    assert answer(exchange(port, head.encode()))[0] == 400


def test_a_body_shorter_than_its_content_length_is_refused(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        head = f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 50\r\n"
        sock.sendall(head.encode() + b"X-Amz-Target: AWSStepFunctions.ListStateMachines\r\n\r\n{}")
        sock.shutdown(socket.SHUT_WR)
        status, _, body = answer(read_all(sock, 5))
    assert status == 400 and body["__type"] == "SerializationException"


# --- JSON the server must not accept --------------------------------------------------------------------


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_a_request_are_refused(port: int, constant: str) -> None:
    status, body = aws(port, "ListStateMachines", f'{{"maxResults": {constant}}}'.encode())
    assert (status, body["__type"]) == (400, "SerializationException")
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:Echo"
    start = json.dumps({"stateMachineArn": arn, "input": f'{{"x": {constant}}}'}).encode()
    status, body = aws(port, "StartExecution", start)
    assert (status, body["__type"]) == (400, "InvalidExecutionInput")  # before: started


def test_deeply_nested_json_is_an_aws_error_not_a_500(port: int) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    status, body = aws(port, "ListStateMachines", b'{"a": ' + deep + b"}")
    assert (status, body["__type"]) == (400, "SerializationException")
    status, _, answer_body = request(
        port, "POST", f"{PREFIX}/orchestrators/Echo", deep, {"Content-Type": "application/json"}
    )
    assert status == 400 and "error" in answer_body


def test_bad_tokens_are_invalid_token(port: int) -> None:
    status, body = aws(
        port, "ListExecutions", json.dumps({"stateMachineArn": _echo(), "nextToken": "garbage"}).encode()
    )
    assert (status, body["__type"]) == (400, "InvalidToken")
    status, body = aws(port, "SendTaskSuccess", json.dumps({"taskToken": "garbage", "output": "{}"}).encode())
    assert (status, body["__type"]) == (400, "InvalidToken")


def _echo() -> str:
    return "arn:aws:states:us-east-1:123456789012:stateMachine:Echo"


# --- who may send requests --------------------------------------------------------------------------------


def test_a_cross_site_text_plain_post_does_not_start_an_orchestration(
    port: int, backend: LocalBackend
) -> None:
    before = len(backend.engine.list_executions(stateMachineArn=_echo())["executions"])
    status, _, _ = request(
        port,
        "POST",
        f"{PREFIX}/orchestrators/Echo",
        b'"payload"',
        {"Content-Type": "text/plain", "Origin": "https://attacker.example"},
    )
    assert status in (403, 415)
    status, _, _ = request(
        port, "POST", f"{PREFIX}/orchestrators/Echo", b'"payload"', {"Content-Type": "text/plain"}
    )
    assert status == 415
    after = len(backend.engine.list_executions(stateMachineArn=_echo())["executions"])
    assert after == before


def test_a_foreign_origin_is_refused_on_both_apis(port: int) -> None:
    foreign = {"Origin": "https://attacker.example", "Content-Type": "application/json"}
    assert request(port, "POST", f"{PREFIX}/orchestrators/Echo", b"1", foreign)[0] == 403
    assert aws(port, "ListStateMachines", b"{}", {"Origin": "https://attacker.example"})[0] == 403
    assert aws(port, "ListStateMachines", b"{}", {"Origin": "null"})[0] == 403
    same = {"Origin": f"http://localhost:{port}", "Content-Type": "application/json"}
    assert request(port, "POST", f"{PREFIX}/orchestrators/Echo", b"1", same)[0] == 202


def test_a_foreign_host_is_refused_and_never_echoed(port: int) -> None:
    rebinding = {"Host": f"attacker.example:{port}", "Content-Type": "application/json"}
    status, headers, body = request(port, "POST", f"{PREFIX}/orchestrators/Echo", b"1", rebinding)
    assert status == 403 and "attacker" not in json.dumps(body) and "location" not in headers
    assert aws(port, "ListStateMachines", b"{}", {"Host": "attacker.example"})[0] == 403
    status, headers, body = request(
        port,
        "POST",
        f"{PREFIX}/orchestrators/Echo",
        b"1",
        {"Host": f"localhost:{port}", "Content-Type": "application/json"},
    )
    assert status == 202
    assert headers["location"].startswith(f"http://localhost:{port}{PREFIX}/instances/")


def test_with_any_host_allowed_the_uris_use_the_bound_address(backend: LocalBackend) -> None:
    with serving(backend, AccessPolicy("127.0.0.1", 0, ("*",))) as port:
        status, headers, body = request(
            port,
            "POST",
            f"{PREFIX}/orchestrators/Echo",
            b"1",
            {"Host": "attacker.example", "Content-Type": "application/json"},
        )
    assert status == 202
    assert headers["location"].startswith(f"http://127.0.0.1:{port}{PREFIX}/instances/")
    assert "attacker" not in json.dumps(body)


def test_a_token_guards_both_apis(backend: LocalBackend) -> None:
    with serving(backend, AccessPolicy("127.0.0.1", 0, (), "s3cret")) as port:
        assert aws(port, "ListStateMachines", b"{}")[0] == 403
        assert aws(port, "ListStateMachines", b"{}", {TOKEN_HEADER: "wrong"})[0] == 403
        assert aws(port, "ListStateMachines", b"{}", {TOKEN_HEADER: "s3cret"})[0] == 200
        path = f"{PREFIX}/instances/{quote('nope', safe='')}"
        assert request(port, "GET", path)[0] == 403
        assert request(port, "GET", path, headers={TOKEN_HEADER: "s3cret"})[0] == 404
