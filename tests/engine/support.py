"""Helpers for engine tests: build a client, run a definition, read history."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any, NoReturn

import pytest

from durable_sfn.engine import LocalStepFunctions, VirtualClock

START = datetime(2024, 1, 1, tzinfo=UTC)
ROLE = "arn:aws:iam::123456789012:role/test"


def new_client(**kwargs: Any) -> LocalStepFunctions:
    return LocalStepFunctions(clock=VirtualClock(START), **kwargs)


def run(
    sfn: LocalStepFunctions,
    definition: dict[str, Any],
    value: Any = None,
    *,
    name: str = "machine",
    exec_name: str | None = None,
) -> dict[str, Any]:
    """Create (or reuse) the machine, run one execution to its end, return describe_execution."""
    try:
        arn = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
    except sfn.exceptions.StateMachineAlreadyExists:
        arn = f"arn:aws:states:us-east-1:123456789012:stateMachine:{name}"
        sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(definition))
    kwargs: dict[str, Any] = {"stateMachineArn": arn, "input": json.dumps({} if value is None else value)}
    if exec_name:
        kwargs["name"] = exec_name
    started = sfn.start_execution(**kwargs)
    result = sfn.wait_for_execution(started["executionArn"], timeout=30)
    assert result["status"] != "RUNNING", "execution did not finish"
    return result


def output(result: dict[str, Any]) -> Any:
    assert result["status"] == "SUCCEEDED", (result.get("error"), result.get("cause"))
    return json.loads(result["output"])


def events(sfn: Any, result: dict[str, Any]) -> list[dict[str, Any]]:
    """Every event of the execution, oldest first (GetExecutionHistory pages by 100)."""
    return all_events(sfn, result["executionArn"])


def all_events(sfn: Any, execution_arn: str, **options: Any) -> list[dict[str, Any]]:
    """Every page of GetExecutionHistory (`options`: reverseOrder, includeExecutionData)."""
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": execution_arn, **options}
    while True:
        page = sfn.get_execution_history(**kwargs)
        found.extend(page["events"])
        if not page.get("nextToken"):
            return found
        kwargs["nextToken"] = page["nextToken"]


def types(sfn: LocalStepFunctions, result: dict[str, Any]) -> list[str]:
    return [e["type"] for e in events(sfn, result)]


def seconds_since_start(event: dict[str, Any]) -> float:
    return float((event["timestamp"] - START).total_seconds())


def jsonata(states: dict[str, Any], start: str | None = None) -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", "StartAt": start or next(iter(states)), "States": states}


def in_ci() -> bool:
    """CI sets CI=true; there a check must never pass by not running."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_input(what: str) -> NoReturn:
    """Skip a test whose input (corpus, tool) is absent, except under CI, where it fails."""
    if in_ci():
        pytest.fail(
            f"{what}. CI is set, so this check must run instead of being skipped: "
            "provide it, or unset CI to let the test skip.",
            pytrace=False,
        )
    pytest.skip(what)
