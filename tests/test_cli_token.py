"""Remote commands against `durable-sfn serve --token`: they send the token (`--token` or
DURABLE_SFN_SERVE_TOKEN) on both of the server's APIs, and without it they are refused."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from durable_sfn.cli import app
from durable_sfn.server.guard import TOKEN_HEADER
from tests.server.conftest import Server, create_machine, serving, wait_until
from tests.test_cli_remote_edges import waiting_for

SECRET = "correct horse battery staple"
runner = CliRunner()


@pytest.fixture(scope="module")
def guarded() -> Iterator[Server]:
    with serving([], {"DURABLE_SFN_SERVE_TOKEN": SECRET}) as running:
        yield running


def _with_token(request: Any, **_: Any) -> None:
    request.headers[TOKEN_HEADER] = SECRET


def sfn(server: Server) -> Any:
    client = server.client()
    client.meta.events.register("before-sign", functools.partial(_with_token))
    return client


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def test_without_the_token_a_remote_command_is_refused(guarded: Server) -> None:
    create_machine(sfn(guarded), "TokenEcho", {"Done": {"Type": "Pass", "End": True}}, "Done")
    refused = invoke("list", "--endpoint-url", guarded.url, env={"DURABLE_SFN_SERVE_TOKEN": ""})
    assert refused.exit_code == 1
    assert "AccessDeniedException" in refused.output and TOKEN_HEADER in refused.output
    wrong = invoke("start", "TokenEcho", "--endpoint-url", guarded.url, "--token", "guess")
    assert wrong.exit_code == 1 and "AccessDeniedException" in wrong.output


def test_the_token_option_and_variable_reach_both_apis(guarded: Server) -> None:
    client = sfn(guarded)
    create_machine(client, "TokenWaiter", {"Wait": waiting_for("Go")}, "Wait")
    endpoint = ["--endpoint-url", guarded.url]
    started = invoke("start", "TokenWaiter", "--instance-id", "tok-1", *endpoint, "--token", SECRET)
    assert started.exit_code == 0, started.output
    arn = started.output.strip()

    # The event goes through the server's DynamoDB API; the token comes from the environment.
    raised = invoke(
        "events", "raise", "tok-1", "Go", '"ok"', *endpoint, env={"DURABLE_SFN_SERVE_TOKEN": SECRET}
    )
    assert raised.exit_code == 0, raised.output
    wait_until(lambda: client.describe_execution(executionArn=arn)["status"] == "SUCCEEDED")

    status = invoke("status", "tok-1", "--json", *endpoint, "--token", SECRET)
    assert status.exit_code == 0, status.output
    assert json.loads(status.output)["output"] == "ok"
    listed = invoke("list", "--json", *endpoint, "--token", SECRET)
    assert "tok-1" in [item["name"] for item in json.loads(listed.output)]
    history = invoke("history", "tok-1", *endpoint, "--token", SECRET)
    assert history.exit_code == 0 and "ExecutionSucceeded" in history.output


def test_a_token_without_an_endpoint_is_refused_not_sent_to_aws() -> None:
    result = invoke("status", "anything", "--token", SECRET, "--region", "us-east-1")
    assert result.exit_code == 1
    assert "pass --endpoint-url too" in result.output
