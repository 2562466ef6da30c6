"""Task tokens (.waitForTaskToken), heartbeats, timeouts and nested executions."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest

from durable_sfn.engine import LocalStepFunctions
from tests.engine.support import START, events, jsonata, new_client, output, run, seconds_since_start, types


def waiting_task(**extra: Any) -> dict[str, Any]:
    return jsonata(
        {
            "Wait": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Arguments": {
                    "FunctionName": "Park",
                    "Payload": {"token": "{% $states.context.Task.Token %}"},
                },
                **extra,
                "End": True,
            }
        }
    )


def parking(sfn: LocalStepFunctions, action: Any, after: timedelta) -> None:
    """A Lambda that hands its token to `action` at a virtual time offset."""

    def park(event: Any, ctx: Any) -> None:
        sfn.clock.call_at(START + after, lambda: action(event["token"]))

    sfn.register_lambda("Park", park)


def test_send_task_success_completes_the_task_later_in_virtual_time() -> None:
    sfn = new_client()
    parking(
        sfn,
        lambda token: sfn.send_task_success(taskToken=token, output='{"approved": true}'),
        timedelta(hours=2),
    )
    result = run(sfn, waiting_task(TimeoutSeconds=3 * 3600))
    assert output(result) == {"approved": True}
    assert (result["stopDate"] - result["startDate"]) == timedelta(hours=2)
    assert "TaskSubmitted" in types(sfn, result)


def test_send_task_failure_fails_the_task() -> None:
    sfn = new_client()
    parking(
        sfn,
        lambda token: sfn.send_task_failure(taskToken=token, error="Rejected", cause="no"),
        timedelta(minutes=5),
    )
    result = run(sfn, waiting_task())
    assert (result["error"], result["cause"]) == ("Rejected", "no")


def test_timeout_surfaces_as_states_timeout() -> None:
    sfn = new_client()
    parking(sfn, lambda token: sfn.send_task_success(taskToken=token, output="{}"), timedelta(hours=5))
    result = run(sfn, waiting_task(TimeoutSeconds=3600))
    assert result["error"] == "States.Timeout"
    timed_out = [e for e in events(sfn, result) if e["type"] == "TaskTimedOut"]
    assert len(timed_out) == 1 and seconds_since_start(timed_out[0]) == 3600


def test_heartbeats_keep_the_task_alive_and_missing_ones_time_it_out() -> None:
    sfn = new_client()

    def park(event: Any, ctx: Any) -> None:
        token = event["token"]
        for minutes in (4, 8, 12):
            sfn.clock.call_at(
                START + timedelta(minutes=minutes), lambda: sfn.send_task_heartbeat(taskToken=token)
            )

    sfn.register_lambda("Park", park)
    result = run(sfn, waiting_task(HeartbeatSeconds=300, TimeoutSeconds=7200))
    assert result["error"] == "States.HeartbeatTimeout"
    # Last heartbeat at 12 minutes, plus 5 minutes of silence.
    assert (result["stopDate"] - result["startDate"]) == timedelta(minutes=17)


def test_token_errors_are_client_errors() -> None:
    sfn = new_client()
    with pytest.raises(sfn.exceptions.TaskDoesNotExist):  # a token's shape, but no task has it
        sfn.send_task_success(taskToken="0" * 64, output="{}")
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.send_task_heartbeat(taskToken="")
    for garbage in ("unknown", "x" * 2048, "../" * 10, "0" * 63):
        with pytest.raises(sfn.exceptions.InvalidToken):  # as AWS: not a token at all
            sfn.send_task_success(taskToken=garbage, output="{}")
        with pytest.raises(sfn.exceptions.InvalidToken):
            sfn.send_task_failure(taskToken=garbage)


def test_timeout_can_be_caught_as_states_timeout() -> None:
    sfn = new_client()
    sfn.register_lambda("Park", lambda event, ctx: None)
    definition = waiting_task(
        TimeoutSeconds=60, Catch=[{"ErrorEquals": ["States.Timeout"], "Output": "timed out", "Next": "T"}]
    )
    definition["States"]["Wait"].pop("End")
    definition["States"]["Wait"]["Next"] = "T"
    definition["States"]["T"] = {"Type": "Succeed"}
    assert output(run(sfn, definition)) == "timed out"


def child_machine(sfn: LocalStepFunctions, definition: dict[str, Any]) -> str:
    return str(sfn.create_state_machine(name="Child", definition=json.dumps(definition))["stateMachineArn"])


def test_start_execution_sync2_returns_parsed_output() -> None:
    sfn = new_client()
    child = child_machine(
        sfn,
        jsonata(
            {
                "W": {"Type": "Wait", "Seconds": 30, "Next": "P"},
                "P": {"Type": "Pass", "Output": {"got": "{% $states.input %}"}, "End": True},
            }
        ),
    )
    parent = jsonata(
        {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Arguments": {"StateMachineArn": child, "Input": {"x": 1}},
                "Output": "{% $states.result.Output %}",
                "End": True,
            }
        }
    )
    result = run(sfn, parent, name="Parent")
    assert output(result) == {"got": {"x": 1}}
    assert (result["stopDate"] - result["startDate"]).total_seconds() == 30


def test_start_execution_sync_returns_output_text_and_child_failure_fails_task() -> None:
    sfn = new_client()
    ok_child = child_machine(sfn, jsonata({"P": {"Type": "Pass", "Output": [1], "End": True}}))
    parent = jsonata(
        {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync",
                "Arguments": {"StateMachineArn": ok_child, "Input": {}},
                "Output": "{% $states.result.Output %}",
                "End": True,
            }
        }
    )
    assert output(run(sfn, parent, name="Parent")) == "[1]"
    bad = sfn.create_state_machine(
        name="BadChild",
        definition=json.dumps(jsonata({"F": {"Type": "Fail", "Error": "ChildBroke", "Cause": "why"}})),
    )["stateMachineArn"]
    parent["States"]["Call"]["Arguments"]["StateMachineArn"] = bad
    result = run(sfn, parent, name="Parent2")
    assert result["error"] == "States.TaskFailed"
    assert json.loads(result["cause"])["Error"] == "ChildBroke"


def test_start_execution_async_returns_arn_immediately() -> None:
    sfn = new_client()
    child = child_machine(sfn, jsonata({"W": {"Type": "Wait", "Seconds": 10, "End": True}}))
    parent = jsonata(
        {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution",
                "Arguments": {"StateMachineArn": child, "Input": {}, "Name": "kid"},
                "Output": "{% $states.result.ExecutionArn %}",
                "End": True,
            }
        }
    )
    child_arn = output(run(sfn, parent, name="Parent"))
    assert child_arn.endswith(":execution:Child:kid")
    assert sfn.wait_for_execution(child_arn, timeout=10)["status"] == "SUCCEEDED"


def test_task_output_over_the_payload_limit_is_rejected() -> None:
    sfn = new_client()
    tokens: list[str] = []
    parked = threading.Event()

    def park(event: Any, ctx: Any) -> None:
        tokens.append(event["token"])
        parked.set()

    sfn.register_lambda("Park", park)
    definition = waiting_task()
    arn = sfn.create_state_machine(name="big", definition=json.dumps(definition))["stateMachineArn"]
    with sfn.clock.participating():
        started = sfn.start_execution(stateMachineArn=arn)
        assert parked.wait(10)
        with pytest.raises(sfn.exceptions.InvalidOutput):
            sfn.send_task_success(taskToken=tokens[0], output=json.dumps("x" * 300_000))
        sfn.send_task_success(taskToken=tokens[0], output='"fine"')
    assert output(sfn.wait_for_execution(started["executionArn"], timeout=10)) == "fine"


def test_start_execution_errors_are_named_like_the_service() -> None:
    sfn = new_client()
    child = child_machine(sfn, jsonata({"P": {"Type": "Pass", "End": True}}))
    parent = jsonata(
        {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Arguments": {"StateMachineArn": child, "Input": "not json"},
                "End": True,
            }
        }
    )
    result = run(sfn, parent, name="Parent")
    assert result["error"] == "StepFunctions.InvalidExecutionInputException"
    assert "not json" in result["cause"]


def test_waiting_on_an_execution_that_can_never_progress_returns_running() -> None:
    sfn = new_client()
    sfn.register_lambda("Park", lambda event, ctx: None)  # keeps the token to itself
    arn = sfn.create_state_machine(name="stuck", definition=json.dumps(waiting_task()))["stateMachineArn"]
    started = sfn.start_execution(stateMachineArn=arn)
    assert sfn.wait_for_execution(started["executionArn"])["status"] == "RUNNING"
    sfn.stop_execution(executionArn=started["executionArn"])
