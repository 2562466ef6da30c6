"""The local world's HTTP Tasks reach loopback addresses only, unless the operator asks
(`LocalRuntime(real_http=True)`, `durable-sfn serve --real-http`); `serve` reaches only the
addresses its operator allows (`--http-allow`), none by default, loopback included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from durable_sfn._aws import HTTP_CONNECTION, placeholder
from durable_sfn.cli import app
from durable_sfn.engine import LocalStepFunctions
from durable_sfn.local.definitions import local_arns, substitute
from durable_sfn.local.runtime import ROLE_ARN, LocalRuntime
from tests.local_http import LocalHttp, Reply, local_http
from tests.server.conftest import ROLE, Server, serving, wait_until_done


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


def test_an_allow_list_reaches_only_its_addresses(server: LocalHttp) -> None:
    url = server.route("/status", Reply(200, "up"))
    address = server.base.removeprefix("http://")
    port = address.rsplit(":", 1)[1]
    with LocalRuntime(real_time=False, http_allow=[address]) as runtime:
        assert json.loads(_run(runtime, url, "Allowed")["output"]) == "up"
        # The same listener spelled another way, and another loopback port, are other addresses.
        for name, other in (("Spelled", f"http://localhost:{port}/status"), ("Port", "http://127.0.0.1:9/")):
            refused = _run(runtime, other, name)
            assert (refused["status"], refused["error"]) == ("FAILED", "States.Runtime")
            assert f"only to the addresses its operator allowed ({address})" in refused["cause"]
    assert len(server.requests) == 1


def test_an_empty_allow_list_reaches_no_loopback_service(server: LocalHttp) -> None:
    url = server.route("/status", Reply(200, "up"))
    with LocalRuntime(real_time=False, http_allow=[]) as runtime:
        refused = _run(runtime, url, "Loopback")
    assert (refused["status"], refused["error"]) == ("FAILED", "States.Runtime")
    assert "allowed (none)" in refused["cause"] and "--http-allow" in refused["cause"]
    assert server.requests == []


def test_an_allow_list_entry_must_be_an_address() -> None:
    with pytest.raises(ValueError, match="write HOST:PORT"):
        LocalStepFunctions(http_allow=["localhost"])
    result = CliRunner().invoke(app, ["serve", "--port", "0", "--http-allow", "localhost:http"])
    assert result.exit_code != 0
    assert "--http-allow 'localhost:http' is not an address: write HOST:PORT" in result.output


def _serve_run(running: Server, url: str, name: str) -> dict[str, Any]:
    sfn = running.client()
    definition = _definition(url)
    filled = substitute(definition, local_arns(definition, set()))
    arn = sfn.create_state_machine(name=name, definition=json.dumps(filled), roleArn=ROLE)["stateMachineArn"]
    started = sfn.start_execution(stateMachineArn=arn, input="{}")
    return wait_until_done(sfn, started["executionArn"])


def test_serve_reaches_no_loopback_service_unless_the_operator_allows_it(server: LocalHttp) -> None:
    # Before: serve's HTTP Tasks reached every loopback address, so any definition sent to it could
    # call the machine's own services, this server's management API included.
    url = server.route("/status", Reply(200, "up"))
    with serving([]) as running:
        own = _serve_run(running, running.url + "/instances", "Own")
        other = _serve_run(running, url, "Other")
    for refused in (own, other):
        assert (refused["status"], refused["error"]) == ("FAILED", "States.Runtime"), refused
        assert "--http-allow" in refused["cause"]
    assert server.requests == []
    with serving(["--http-allow", server.base.removeprefix("http://")]) as running:
        assert json.loads(_serve_run(running, url, "Allowed")["output"]) == "up"
