"""A state's entered and exited events, exactly as get_execution_history returns them.

The history keeps these two events (two per state, for the whole execution) in a compact form
and writes them out on request; what a reader gets must be the AWS shape, field for field and
in AWS's order, and a reader changing the state events it got must not change the history.
"""

from __future__ import annotations

import json
from typing import Any

from tests.engine.support import new_client

ROLE = "arn:aws:iam::123456789012:role/test"


def history(definition: dict[str, Any], value: Any) -> tuple[Any, str]:
    sfn = new_client()
    arn = sfn.create_state_machine(name="m", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(value))["executionArn"]
    assert sfn.wait_for_execution(execution)["status"] == "SUCCEEDED"
    return sfn, execution


def test_entered_and_exited_events_have_the_aws_shape() -> None:
    definition = {
        "StartAt": "Keep",
        "States": {
            "Keep": {"Type": "Pass", "Assign": {"kept.$": "$.a", "note": "é"}, "Next": "Shape"},
            "Shape": {"Type": "Pass", "Parameters": {"a.$": "$.a", "n": 1}, "End": True},
        },
    }
    sfn, execution = history(definition, {"a": [1, 2]})
    events = sfn.get_execution_history(executionArn=execution)["events"]
    shaped = [{k: v for k, v in e.items() if k != "timestamp"} for e in events]
    assert [list(e) for e in events[1:5]] == [
        ["timestamp", "type", "id", "previousEventId", key]
        for key in (
            "stateEnteredEventDetails",
            "stateExitedEventDetails",
            "stateEnteredEventDetails",
            "stateExitedEventDetails",
        )
    ]
    assert json.dumps(shaped[1:5]) == json.dumps(
        [
            {
                "type": "PassStateEntered",
                "id": 2,
                "previousEventId": 1,
                "stateEnteredEventDetails": {
                    "name": "Keep",
                    "input": '{"a":[1,2]}',
                    "inputDetails": {"truncated": False},
                },
            },
            {
                "type": "PassStateExited",
                "id": 3,
                "previousEventId": 2,
                "stateExitedEventDetails": {
                    "name": "Keep",
                    "output": '{"a":[1,2]}',
                    "outputDetails": {"truncated": False},
                    "assignedVariables": {"kept": "[1,2]", "note": '"é"'},
                    "assignedVariablesDetails": {"truncated": False},
                },
            },
            {
                "type": "PassStateEntered",
                "id": 4,
                "previousEventId": 3,
                "stateEnteredEventDetails": {
                    "name": "Shape",
                    "input": '{"a":[1,2]}',
                    "inputDetails": {"truncated": False},
                },
            },
            {
                "type": "PassStateExited",
                "id": 5,
                "previousEventId": 4,
                "stateExitedEventDetails": {
                    "name": "Shape",
                    "output": '{"a":[1,2],"n":1}',
                    "outputDetails": {"truncated": False},
                },
            },
        ]
    )


def test_changing_returned_state_events_leaves_the_history_as_it_was() -> None:
    definition = {"StartAt": "Keep", "States": {"Keep": {"Type": "Pass", "Assign": {"x": 1}, "End": True}}}
    sfn, execution = history(definition, {})
    first = sfn.get_execution_history(executionArn=execution)["events"]
    before = json.dumps(first, default=str)
    for event in first:
        if event["type"].startswith("PassState"):
            for details in [v for k, v in event.items() if k.endswith("EventDetails")]:
                details.get("assignedVariables", {}).clear()
                details.clear()
            event.clear()
    again = sfn.get_execution_history(executionArn=execution)["events"]
    assert json.dumps(again, default=str) == before
