"""`.sync` tasks write TaskSubmitted, as AWS does, and `.sync` is never run as request-response.

AWS's history for a `states:startExecution.sync` task: TaskScheduled, TaskStarted,
TaskSubmitted (StartExecution's answer: ExecutionArn, StartDate), then TaskSucceeded or
TaskFailed when the child ends. An integration whose `.sync` the engine does not emulate fails
with States.Runtime instead of returning before the job is done.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.engine.support import events, jsonata, new_client, output, run


def _parent(child_arn: str, resource: str) -> dict[str, Any]:
    return jsonata(
        {
            "Call": {
                "Type": "Task",
                "Resource": resource,
                "Arguments": {"StateMachineArn": child_arn, "Input": {"n": 1}},
                "Output": "{% $states.result.Status %}",
                "End": True,
            }
        }
    )


@pytest.mark.parametrize("suffix", [".sync", ".sync:2"])
def test_start_execution_sync_writes_task_submitted_before_the_result(suffix: str) -> None:
    sfn = new_client()
    child = sfn.create_state_machine(
        name="Child",
        definition=json.dumps(jsonata({"W": {"Type": "Wait", "Seconds": 60, "End": True}})),
        roleArn="arn:aws:iam::123456789012:role/r",
    )["stateMachineArn"]
    result = run(sfn, _parent(child, f"arn:aws:states:::states:startExecution{suffix}"), name="Parent")
    assert output(result) == "SUCCEEDED"
    history = events(sfn, result)
    seen = [e["type"] for e in history]
    assert seen.index("TaskStarted") < seen.index("TaskSubmitted") < seen.index("TaskSucceeded")
    submitted = history[seen.index("TaskSubmitted")]["taskSubmittedEventDetails"]
    assert submitted["resourceType"] == "states"
    assert submitted["resource"] == f"startExecution{suffix}"
    answer = json.loads(submitted["output"])
    assert answer["ExecutionArn"].startswith("arn:aws:states:us-east-1:123456789012:execution:Child:")
    assert isinstance(answer["StartDate"], int)
    # Submitted when the child started; succeeded when it ended, 60 s later.
    succeeded = history[seen.index("TaskSucceeded")]
    assert (succeeded["timestamp"] - history[seen.index("TaskSubmitted")]["timestamp"]).total_seconds() == 60


def test_start_execution_without_sync_writes_no_task_submitted() -> None:
    sfn = new_client()
    child = sfn.create_state_machine(
        name="Child",
        definition=json.dumps(jsonata({"P": {"Type": "Pass", "End": True}})),
        roleArn="arn:aws:iam::123456789012:role/r",
    )["stateMachineArn"]
    parent = _parent(child, "arn:aws:states:::states:startExecution")
    parent["States"]["Call"]["Output"] = "{% $states.result.ExecutionArn %}"
    result = run(sfn, parent, name="Parent")
    assert output(result).startswith("arn:aws:states:")
    assert "TaskSubmitted" not in [e["type"] for e in events(sfn, result)]


@pytest.mark.parametrize(
    "resource",
    ["arn:aws:states:::sqs:sendMessage.sync", "arn:aws:states:::aws-sdk:s3:listBuckets.sync"],
)
def test_sync_the_engine_does_not_emulate_fails_instead_of_returning_early(resource: str) -> None:
    sfn = new_client()
    definition = jsonata({"T": {"Type": "Task", "Resource": resource, "Arguments": {}, "End": True}})
    result = run(sfn, definition)
    assert result["status"] == "FAILED" and result["error"] == "States.Runtime"
    assert "only for states:startExecution" in result["cause"]
