"""Remote commands against `durable-sfn serve`: events raise checks the name; start --wait ends on time."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from durable_sfn.cli import app
from tests.server.conftest import (  # noqa: F401 (server is a fixture)
    WAITER,
    Server,
    create_machine,
    server,
    wait_until,
)

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def waiting_for(event: str) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Arguments": {
            "FunctionName": WAITER,
            "Payload": {
                "executionArn": "{% $states.context.Execution.Id %}",
                "eventName": event,
                "taskToken": "{% $states.context.Task.Token %}",
            },
        },
        "TimeoutSeconds": 3600,
        "End": True,
    }


def test_events_raise_refuses_a_name_the_definition_never_waits_for(server: Server) -> None:  # noqa: F811
    endpoint = ["--endpoint-url", server.url]
    sfn = server.client()
    branches = {
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": waiting_for("TripApproval")}},
                {"QueryLanguage": "JSONata", "StartAt": "B", "States": {"B": waiting_for("Payment")}},
            ],
            "End": True,
        }
    }
    create_machine(sfn, "CliTypoWaiter", branches, "Both")
    arn = invoke("start", "CliTypoWaiter", "--instance-id", "typo-1", *endpoint).output.strip()

    typo = invoke("events", "raise", "typo-1", "TripAproval", "true", *endpoint)
    assert typo.exit_code == 1
    assert "never waits for an event 'TripAproval'" in typo.output
    assert "'Payment', 'TripApproval'" in typo.output and "--force" in typo.output

    forced = invoke("events", "raise", "typo-1", "TripAproval", "true", "--force", *endpoint)
    assert forced.exit_code == 0 and "buffered" in forced.output

    for name in ("TripApproval", "Payment"):
        raised = invoke("events", "raise", "typo-1", name, json.dumps(name), *endpoint)
        assert raised.exit_code == 0, raised.output
    wait_until(lambda: sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED")
    assert json.loads(sfn.describe_execution(executionArn=arn)["output"]) == ["TripApproval", "Payment"]
