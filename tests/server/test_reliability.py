"""The server survives bad input and heavy load: every request gets an AWS-shaped answer."""

from __future__ import annotations

import json
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.server.conftest import Server, create_machine, raw, wait_until


def assert_alive(server: Server) -> None:
    status, body = raw(server, b"{}")
    assert status == 200 and "stateMachines" in body


def test_malformed_json_is_a_serialization_exception(server: Server) -> None:
    status, body = raw(server, b'{"name": ')
    assert status == 400
    assert body["__type"] == "SerializationException"
    status, body = raw(server, b"[1, 2]")
    assert (status, body["__type"]) == (400, "SerializationException")
    status, body = raw(server, b"\xff\xfe not utf-8")
    assert (status, body["__type"]) == (400, "SerializationException")
    assert_alive(server)


def test_unknown_actions_and_foreign_targets_are_unknown_operations(server: Server) -> None:
    for target in ("AWSStepFunctions.LaunchRocket", "DynamoDB_20120810.BatchWriteItem", "Nope.Thing", None):
        status, body = raw(server, b"{}", target=target)
        assert (status, body["__type"]) == (400, "UnknownOperationException"), target
        assert body["message"]
    assert_alive(server)


def test_missing_and_mistyped_members_are_validation_and_serialization_errors(server: Server) -> None:
    status, body = raw(server, b"{}", target="AWSStepFunctions.DescribeExecution")
    assert (status, body["__type"]) == (400, "ValidationException")
    assert "'executionArn' failed to satisfy constraint: Member must not be null" in body["message"]
    status, body = raw(server, b'{"executionArn": 42}', target="AWSStepFunctions.DescribeExecution")
    assert (status, body["__type"]) == (400, "SerializationException")


def test_an_oversized_execution_input_is_rejected_like_aws(server: Server) -> None:
    sfn = server.client()
    machine = create_machine(sfn, "BigInput", {"P": {"Type": "Pass", "End": True}}, "P")
    too_big = json.dumps("x" * (256 * 1024))
    with pytest.raises(sfn.exceptions.ClientError) as info:
        sfn.start_execution(stateMachineArn=machine, input=too_big)
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert "262144" in info.value.response["Error"]["Message"]
    assert sfn.list_executions(stateMachineArn=machine)["executions"] == []


def test_an_oversized_request_body_is_refused_and_the_connection_survives(server: Server) -> None:
    status, body = raw(server, b" " * (2 * 1024 * 1024))
    assert (status, body["__type"]) == (413, "RequestEntityTooLargeException")
    assert_alive(server)


def test_garbage_on_the_socket_does_not_take_the_server_down(server: Server) -> None:
    url = urlsplit(server.url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as connection:
        connection.sendall(b"\x00\x01 this is not HTTP\r\n\r\n")
        answer = connection.recv(200)
    assert answer.startswith(b"HTTP/1.") and b" 400 " in answer
    assert_alive(server)


def test_a_thousand_concurrent_executions_from_parallel_clients_are_all_kept(server: Server) -> None:
    sfn = server.client(max_pool_connections=32)
    machine = create_machine(
        sfn, "Crowd", {"Echo": {"Type": "Pass", "Output": "{% $states.input.n * 2 %}", "End": True}}, "Echo"
    )

    def start(n: int) -> str:
        return str(
            sfn.start_execution(stateMachineArn=machine, name=f"run-{n}", input=json.dumps({"n": n}))[
                "executionArn"
            ]
        )

    with ThreadPoolExecutor(max_workers=32) as pool:
        arns = list(pool.map(start, range(1000)))

    assert len(set(arns)) == 1000

    def listed(status: str | None = None) -> list[dict[str, Any]]:
        options = {"statusFilter": status} if status else {}
        pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=machine, **options)
        return [e for page in pages for e in page["executions"]]

    assert {e["executionArn"] for e in listed()} == set(arns)
    wait_until(lambda: not listed("RUNNING"))
    assert {e["executionArn"] for e in listed("SUCCEEDED")} == set(arns)
    for n in range(0, 1000, 97):  # a sample of outputs: each execution kept its own input
        assert json.loads(sfn.describe_execution(executionArn=arns[n])["output"]) == 2 * n
    assert server.process.poll() is None
