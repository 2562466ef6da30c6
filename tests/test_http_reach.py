"""The local world's HTTP Tasks reach loopback addresses only, unless the operator asks
(`LocalRuntime(real_http=True)`, `durable-sfn serve --real-http`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from durable_sfn._aws import HTTP_CONNECTION, placeholder
from durable_sfn.cli import app
from durable_sfn.local.definitions import local_arns, substitute
from durable_sfn.local.runtime import ROLE_ARN, LocalRuntime
from tests.local_http import LocalHttp, Reply, local_http


@pytest.fixture
def server() -> Iterator[LocalHttp]:
    with local_http() as http:
        yield http


def _definition(url: str) -> dict[str, Any]:
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Arguments": {
                    "ApiEndpoint": url,
                    "Method": "GET",
                    "Authentication": {"ConnectionArn": placeholder(HTTP_CONNECTION)},
                },
                "Output": "{% $states.result.ResponseBody %}",
                "End": True,
            }
        },
    }


def _run(runtime: LocalRuntime, url: str, name: str) -> dict[str, Any]:
    definition = _definition(url)
    filled = substitute(definition, local_arns(definition, set()))
    arn = runtime.engine.create_state_machine(name=name, definition=json.dumps(filled), roleArn=ROLE_ARN)[
        "stateMachineArn"
    ]
    started = runtime.engine.start_execution(stateMachineArn=arn, input="{}")
    result: dict[str, Any] = runtime.engine.wait_for_execution(started["executionArn"], timeout=30)
    return result


def test_the_local_world_calls_loopback_and_refuses_other_hosts(server: LocalHttp) -> None:
    url = server.route("/status", Reply(200, "up"))
    with LocalRuntime(real_time=False) as runtime:
        assert json.loads(_run(runtime, url, "Loopback")["output"]) == "up"
        refused = _run(runtime, "http://192.0.2.7/status", "Elsewhere")
    assert (refused["status"], refused["error"]) == ("FAILED", "States.Runtime")
    assert "real_http=True" in refused["cause"]
    with LocalRuntime(real_time=False, real_http=True) as runtime:
        assert runtime.engine.http_outbound is True


def test_serve_offers_the_switch() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"], terminal_width=200)
    assert "--real-http" in result.output
