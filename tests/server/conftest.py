"""`durable-sfn serve` in a subprocess on a free port, once per test module, and helpers."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / ".venv" / "bin" / "durable-sfn"
ACTIVITIES = Path(__file__).with_name("server_activities.py")
ROLE = "arn:aws:iam::123456789012:role/test"
WAITER = "arn:aws:lambda:us-east-1:123456789012:function:DurableEventWaiter"


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    log: list[str]

    def client(self, service: str = "stepfunctions", **config: Any) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}, **config),
        )


@contextlib.contextmanager
def serving(args: list[str], env: dict[str, str] | None = None) -> Iterator[Server]:
    """`durable-sfn serve --port 0 ARGS` with `env` added to this environment, until the block ends."""
    command = [str(CLI), "serve", "--port", "0", *args]
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=full_env
    )
    assert process.stdout is not None
    log: list[str] = []
    url = None
    for line in process.stdout:  # blocks until the server prints where it listens
        log.append(line)
        if line.startswith("listening on "):
            url = line.split()[-1]
            break
    if url is None:
        process.wait(timeout=10)
        pytest.fail("durable-sfn serve did not start:\n" + "".join(log))
    # Keep draining output so the server never blocks on a full pipe.
    threading.Thread(target=lambda: log.extend(process.stdout or []), daemon=True).start()
    try:
        yield Server(url, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    args = [
        "--activities", str(ACTIVITIES),
        "--definitions", str(Path(__file__).with_name("stock_count.asl.json")),
        "--setup", "tests.server.server_activities:create_stock_table",
    ]  # fmt: skip
    with serving(args) as running:
        yield running


def create_machine(sfn: Any, name: str, states: dict[str, Any], start: str) -> str:
    definition = json.dumps({"QueryLanguage": "JSONata", "StartAt": start, "States": states})
    return str(sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE)["stateMachineArn"])


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll `condition` with backoff: the server runs on the real clock."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition still false after {timeout}s")
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def wait_until_done(sfn: Any, execution_arn: str, timeout: float = 30.0) -> dict[str, Any]:
    """Poll DescribeExecution: the server runs on the real clock, so the end comes in real time."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        description: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        if description["status"] != "RUNNING":
            return description
        if time.monotonic() > deadline:
            raise AssertionError(f"{execution_arn} still RUNNING after {timeout}s")
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def raw(
    server: Server, body: bytes, target: str | None = "AWSStepFunctions.ListStateMachines", path: str = "/"
) -> tuple[int, dict[str, Any]]:
    """POST bytes as they are (boto3 would refuse to send most of what the tests send)."""
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    if target is not None:
        headers["X-Amz-Target"] = target
    request = urllib.request.Request(server.url + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
