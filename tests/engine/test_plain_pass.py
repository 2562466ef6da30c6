"""A JSONPath Pass whose output depends on its input alone runs without an evaluation view.

Such a state (no InputPath, ResultPath, ResultSelector, OutputPath or Assign; Parameters that
read only the input) takes a cheaper path through the interpreter. Adding `"ResultPath": "$"`,
which changes nothing in what the state does, sends the same state down the general path: the
two must give the same outcome and the same history.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from durable_sfn.engine.states import plain_runner
from tests.engine.support import new_client

ROLE = "arn:aws:iam::123456789012:role/test"


def run(definition: dict[str, Any], value: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    sfn = new_client()
    arn = sfn.create_state_machine(name="m", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(value))["executionArn"]
    result = sfn.wait_for_execution(execution)
    events = sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]
    for event in events:
        event.pop("timestamp")
    outcome = {k: result.get(k) for k in ("status", "output", "error", "cause")}
    return outcome, events


def general(state: dict[str, Any]) -> dict[str, Any]:
    return {**state, "ResultPath": "$"}


def chain(first: dict[str, Any]) -> dict[str, Any]:
    return {
        "StartAt": "First",
        "States": {
            "First": {**first, "Next": "Second"},
            "Second": {"Type": "Pass", "Parameters": {"again.$": "$"}, "End": True},
        },
    }


CASES: list[tuple[str, dict[str, Any], Any]] = [
    ("input", {"Type": "Pass"}, {"a": 1}),
    ("result", {"Type": "Pass", "Result": {"fixed": [1, {"b": None}]}}, {"a": 1}),
    ("result-wins-over-parameters", {"Type": "Pass", "Result": 7, "Parameters": {"x.$": "$.a"}}, {"a": 1}),
    (
        "parameters",
        {
            "Type": "Pass",
            "Parameters": {
                "step": 3,
                "whole.$": "$",
                "a.$": "$.a",
                " spaced.$": "  $.list[1] ",
                "nested": {"deeper.$": "$['odd key']", "list": [1, {"x.$": "$.a"}, "s"]},
                "all.$": "$.list[*]",
            },
        },
        {"a": "é", "list": [10, 20], "odd key": True},
    ),
    ("missing-path", {"Type": "Pass", "Parameters": {"x.$": "$.nope"}}, {"a": 1}),
    ("missing-index", {"Type": "Pass", "Parameters": {"x.$": "$.list[5]"}}, {"list": [1]}),
    ("too-large", {"Type": "Pass", "Parameters": {"a.$": "$.s", "b.$": "$.s"}}, {"s": "x" * 140_000}),
    # Not plain (context, variable, intrinsic): the general path on both sides, for comparison.
    ("context", {"Type": "Pass", "Parameters": {"n.$": "$$.State.Name"}}, {}),
    ("intrinsic", {"Type": "Pass", "Parameters": {"n.$": "States.Format('{}!', $.a)"}}, {"a": 1}),
]


@pytest.mark.parametrize(("case", "state", "value"), CASES, ids=[c[0] for c in CASES])
def test_plain_pass_matches_the_general_path(case: str, state: dict[str, Any], value: Any) -> None:
    plain_outcome, plain_events = run(chain(state), value)
    general_outcome, general_events = run(chain(general(state)), value)
    assert plain_outcome == general_outcome
    assert plain_events == general_events


def test_plain_pass_failures_name_the_state_and_its_event() -> None:
    outcome, _ = run(chain({"Type": "Pass", "Parameters": {"x.$": "$.nope"}}), {"a": 1})
    assert outcome["status"] == "FAILED"
    assert outcome["error"] == "States.Runtime"
    assert outcome["cause"] == (
        "An error occurred while executing the state 'First' (entered at the event id #2). "
        "The JSONPath '$.nope' specified for the field 'x.$' could not be found in the input '{\"a\":1}'"
    )
    outcome, _ = run(
        chain({"Type": "Pass", "Parameters": {"a.$": "$.s", "b.$": "$.s"}}), {"s": "x" * 140_000}
    )
    assert outcome["error"] == "States.DataLimitExceeded"


def test_only_states_whose_output_depends_on_their_input_alone_are_plain() -> None:
    plain = [state for name, state, _ in CASES if name not in ("context", "intrinsic")]
    assert all(plain_runner(state, "JSONPath") is not None for state in plain)
    not_plain: list[dict[str, Any]] = [
        {"Type": "Pass", "Parameters": {"n.$": "$$.State.Name"}},
        {"Type": "Pass", "Parameters": {"n.$": "$var.x"}},
        {"Type": "Pass", "Parameters": {"n.$": "States.UUID()"}},
        {"Type": "Pass", "Parameters": {"n": [{"deep.$": "$$.Execution.Id"}]}},
        {"Type": "Pass", "Parameters": {"n.$": 5}},
        {"Type": "Pass", "ResultPath": "$"},
        {"Type": "Pass", "InputPath": "$.a"},
        {"Type": "Pass", "OutputPath": "$.a"},
        {"Type": "Pass", "Assign": {"x": 1}},
        {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke"},
    ]
    assert all(plain_runner(state, "JSONPath") is None for state in not_plain)
    assert plain_runner({"Type": "Pass"}, "JSONata") is None
