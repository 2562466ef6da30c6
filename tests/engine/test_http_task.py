"""The HTTP Task (`arn:aws:states:::http:invoke`) against a real server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.engine.support import new_client, output, run
from tests.local_http import LocalHttp, Reply, local_http

CONNECTION = "arn:aws:events:us-east-1:123456789012:connection/api/00000000-0000-0000-0000-000000000000"


@pytest.fixture
def server() -> Iterator[LocalHttp]:
    with local_http() as http:
        yield http


def _task(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Arguments": {"Authentication": {"ConnectionArn": CONNECTION}, **arguments},
                "End": True,
            }
        },
    }


def test_a_json_response_is_parsed_and_the_request_carries_body_headers_and_query(server: LocalHttp) -> None:
    url = server.route("/orders", Reply(201, {"id": 7}, {"X-Trace": "abc"}))
    result = run(
        new_client(),
        _task(
            {
                "ApiEndpoint": url,
                "Method": "POST",
                "Headers": {"X-Key": "k1"},
                "QueryParameters": {"dry": "no"},
                "RequestBody": {"item": "book", "qty": 2},
            }
        ),
    )
    out = output(result)
    assert out["StatusCode"] == 201 and out["StatusText"] == "Created"
    assert out["ResponseBody"] == {"id": 7}
    assert out["Headers"]["X-Trace"] == ["abc"]
    seen = server.requests[-1]
    assert (seen.method, seen.path) == ("POST", "/orders?dry=no")
    assert json.loads(seen.body) == {"item": "book", "qty": 2}
    assert seen.headers["X-Key"] == "k1" and seen.headers["Content-Type"] == "application/json"


def test_a_text_response_stays_text(server: LocalHttp) -> None:
    url = server.route("/ping", Reply(200, "pong"))
    out = output(run(new_client(), _task({"ApiEndpoint": url, "Method": "GET"})))
    assert out["ResponseBody"] == "pong"


def test_a_status_outside_2xx_fails_the_task_with_its_code(server: LocalHttp) -> None:
    url = server.route("/missing", Reply(404, "no such order"))
    result = run(new_client(), _task({"ApiEndpoint": url, "Method": "GET"}))
    assert (result["status"], result["error"], result["cause"]) == (
        "FAILED",
        "States.Http.StatusCode.404",
        "no such order",
    )


def test_a_refused_connection_is_a_socket_error(server: LocalHttp) -> None:
    port = server.base.rsplit(":", 1)[1]
    server.server.server_close()  # nothing listens on the port any more
    result = run(new_client(), _task({"ApiEndpoint": f"http://127.0.0.1:{port}/x", "Method": "GET"}))
    assert (result["status"], result["error"]) == ("FAILED", "States.Http.Socket")


def test_hosts_other_than_loopback_are_refused_unless_allowed() -> None:
    result = run(new_client(), _task({"ApiEndpoint": "http://192.0.2.1/hook", "Method": "POST"}))
    assert (result["status"], result["error"]) == ("FAILED", "States.Runtime")
    assert "only to loopback addresses" in result["cause"] and "http_outbound=True" in result["cause"]


def test_bad_arguments_fail_with_a_clear_runtime_error(server: LocalHttp) -> None:
    url = server.route("/x", Reply(200, "ok"))
    bad_method = run(new_client(), _task({"ApiEndpoint": url, "Method": "FETCH"}))
    assert bad_method["error"] == "States.Runtime" and "Method must be one of" in bad_method["cause"]
    no_connection = _task({"ApiEndpoint": url, "Method": "GET"})
    del no_connection["States"]["Call"]["Arguments"]["Authentication"]
    result = run(new_client(), no_connection)
    assert result["error"] == "States.Runtime" and "ConnectionArn" in result["cause"]
    assert server.requests == []
