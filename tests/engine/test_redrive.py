"""RedriveExecution: an ended execution resumes from its unsuccessful step, by AWS's rules."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from durable_sfn.engine import LocalStepFunctions
from tests.engine.support import ROLE, all_events, jsonata, new_client, output

LAMBDA = "arn:aws:states:::lambda:invoke"


class Flaky(Exception):
    """What a Lambda raises while it is 'broken'."""


class Lambdas:
    """In-process Lambdas that count their calls; names in `broken` fail until fixed."""

    def __init__(self, sfn: LocalStepFunctions, *names: str) -> None:
        self.calls: Counter[str] = Counter()
        self.broken: set[str] = set()
        for name in names:
            sfn.register_lambda(name, self._handler(name))

    def _handler(self, name: str) -> Any:
        def handle(event: Any, _ctx: Any) -> Any:
            self.calls[name] += 1
            key = f"{name}:{json.dumps(event)}"
            if name in self.broken or key in self.broken:
                raise Flaky(f"{name} is down")
            return {"from": name, "got": event}

        return handle


def task(function: str, nxt: str | None = None, **extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": LAMBDA,
        "Arguments": {"FunctionName": function, "Payload": "{% $states.input %}"},
        "Output": "{% $states.result.Payload %}",
        **extra,
    }
    if nxt is None:
        state["End"] = True
    else:
        state["Next"] = nxt
    return state


def start(sfn: LocalStepFunctions, definition: dict[str, Any], value: Any = None, **kwargs: Any) -> str:
    arn = sfn.create_state_machine(
        name="redriven", definition=json.dumps(definition), roleArn=ROLE, **kwargs
    )["stateMachineArn"]
    started = sfn.start_execution(stateMachineArn=arn, name="run", input=json.dumps(value or {}))
    return str(started["executionArn"])


def finish(sfn: LocalStepFunctions, execution: str) -> dict[str, Any]:
    result = sfn.wait_for_execution(execution, timeout=30)
    assert result["status"] != "RUNNING"
    return result


def history_types(sfn: LocalStepFunctions, execution: str) -> list[str]:
    return [e["type"] for e in all_events(sfn, execution)]


def after_redrive(sfn: LocalStepFunctions, execution: str, number: int = 1) -> list[dict[str, Any]]:
    """The events written by redrive `number` (from its ExecutionRedriven on)."""
    events = all_events(sfn, execution)
    starts = [i for i, e in enumerate(events) if e["type"] == "ExecutionRedriven"]
    return list(events[starts[number - 1] :])


def test_a_failed_task_runs_again_and_the_steps_before_it_do_not() -> None:
    sfn = new_client()
    lambdas = Lambdas(sfn, "Reserve", "Charge")
    lambdas.broken.add("Charge")
    definition = jsonata(
        {
            "Reserve": task("Reserve", "Remember", Output="{% $states.result.Payload %}"),
            "Remember": {"Type": "Pass", "Assign": {"reservation": "{% $states.input %}"}, "Next": "Charge"},
            "Charge": task(
                "Charge", None, Arguments={"FunctionName": "Charge", "Payload": "{% $reservation %}"}
            ),
        }
    )
    execution = start(sfn, definition, {"item": "socks"})
    failed = finish(sfn, execution)
    assert failed["status"] == "FAILED" and failed["error"] == "Flaky"
    assert failed["redriveStatus"] == "REDRIVABLE" and "redriveStatusReason" not in failed

    lambdas.broken.clear()
    redriven = sfn.redrive_execution(executionArn=execution)
    assert redriven["redriveDate"] >= failed["stopDate"]
    done = finish(sfn, execution)

    assert output(done) == {"from": "Charge", "got": {"from": "Reserve", "got": {"item": "socks"}}}
    assert lambdas.calls == Counter({"Reserve": 1, "Charge": 2})  # Reserve is not run again
    assert done["executionArn"] == execution and done["redriveCount"] == 1
    assert done["redriveDate"] == redriven["redriveDate"]
    assert done["redriveStatus"] == "NOT_REDRIVABLE"
    assert done["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"
    types = history_types(sfn, execution)
    assert types.count("ExecutionStarted") == 1 and types.count("ReserveStateEntered") == 0
    events = after_redrive(sfn, execution)
    assert events[0]["executionRedrivenEventDetails"] == {"redriveCount": 1}
    assert events[0]["previousEventId"] == events[0]["id"] - 1  # follows ExecutionFailed
    assert [e["type"] for e in events][:2] == ["ExecutionRedriven", "TaskStateEntered"]
    assert events[1]["stateEnteredEventDetails"]["name"] == "Charge"
    assert json.loads(events[1]["stateEnteredEventDetails"]["input"]) == {
        "from": "Reserve",
        "got": {"item": "socks"},
    }
    assert events[-1]["type"] == "ExecutionSucceeded"


def test_every_redrive_counts_and_the_context_object_shows_it() -> None:
    sfn = new_client()
    lambdas = Lambdas(sfn, "Fix")
    lambdas.broken.add("Fix")
    definition = jsonata(
        {
            "Fix": task(
                "Fix",
                None,
                Arguments={"FunctionName": "Fix", "Payload": "{% $states.context.Execution.RedriveCount %}"},
            )
        }
    )
    execution = start(sfn, definition)
    finish(sfn, execution)
    sfn.redrive_execution(executionArn=execution)
    assert finish(sfn, execution)["redriveCount"] == 1
    lambdas.broken.clear()
    sfn.redrive_execution(executionArn=execution)
    done = finish(sfn, execution)
    assert output(done) == {"from": "Fix", "got": 2} and done["redriveCount"] == 2
    counts = [e["executionRedrivenEventDetails"]["redriveCount"] for e in after_redrive(sfn, execution)[:1]]
    assert counts == [1]
    assert history_types(sfn, execution).count("ExecutionRedriven") == 2
    listed = sfn.list_executions(stateMachineArn=done["stateMachineArn"], redriveFilter="REDRIVEN")
    assert [(e["name"], e["redriveCount"]) for e in listed["executions"]] == [("run", 2)]
    assert (
        sfn.list_executions(stateMachineArn=done["stateMachineArn"], redriveFilter="NOT_REDRIVEN")[
            "executions"
        ]
        == []
    )


def test_only_the_failed_parallel_branch_runs_again() -> None:
    sfn = new_client()
    lambdas = Lambdas(sfn, "Left", "Right", "After")
    lambdas.broken.add("Right")

    def branch(name: str) -> dict[str, Any]:
        return {"StartAt": name, "States": {name: task(name)}}

    definition = jsonata(
        {
            "Both": {"Type": "Parallel", "Branches": [branch("Left"), branch("Right")], "Next": "After"},
            "After": task("After"),
        }
    )
    execution = start(sfn, definition, "x")
    assert finish(sfn, execution)["status"] == "FAILED"
    lambdas.broken.clear()
    sfn.redrive_execution(executionArn=execution)
    done = finish(sfn, execution)
    assert lambdas.calls == Counter({"Left": 1, "Right": 2, "After": 1})
    assert output(done)["got"] == [{"from": "Left", "got": "x"}, {"from": "Right", "got": "x"}]
    entered = [
        e["stateEnteredEventDetails"]["name"]
        for e in after_redrive(sfn, execution)
        if "stateEnteredEventDetails" in e
    ]
    assert entered == ["Both", "Right", "After"]


def test_only_the_failed_map_iterations_run_again_from_their_failed_step() -> None:
    sfn = new_client()
    lambdas = Lambdas(sfn, "Prepare", "Ship")
    lambdas.broken.add('Ship:{"from": "Prepare", "got": 2}')
    processor = {
        "StartAt": "Prepare",
        "States": {"Prepare": task("Prepare", "Ship"), "Ship": task("Ship")},
    }
    definition = jsonata({"Each": {"Type": "Map", "ItemProcessor": processor, "End": True}})
    execution = start(sfn, definition, [1, 2, 3])
    failed = finish(sfn, execution)
    assert failed["status"] == "FAILED"
    lambdas.broken.clear()
    sfn.redrive_execution(executionArn=execution)
    done = finish(sfn, execution)

    assert [item["got"]["got"] for item in output(done)] == [1, 2, 3]
    # Iteration 2 resumes at Ship (its Prepare had completed); the others are not run again.
    assert lambdas.calls == Counter({"Prepare": 3, "Ship": 3 + 1})
    events = after_redrive(sfn, execution)
    iterations = [
        (e["type"], e["mapIterationStartedEventDetails"]["index"])
        for e in events
        if e["type"] == "MapIterationStarted"
    ]
    assert iterations == [("MapIterationStarted", 1)]
    entered = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
    assert entered == ["Each", "Ship"]


def test_a_distributed_map_redrives_its_map_run() -> None:
    sfn = new_client()
    lambdas = Lambdas(sfn, "Ship")
    lambdas.broken.add("Ship:2")
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Ship",
        "States": {"Ship": task("Ship")},
    }
    definition = jsonata({"Each": {"Type": "Map", "ItemProcessor": processor, "End": True}})
    execution = start(sfn, definition, [1, 2, 3])
    assert finish(sfn, execution)["status"] == "FAILED"
    (started,) = [e for e in all_events(sfn, execution) if e["type"] == "MapRunStarted"]
    map_run = started["mapRunStartedEventDetails"]["mapRunArn"]

    for redrive in (1, 2):
        if redrive == 2:
            lambdas.broken.clear()  # before the redrive starts: its children run at once
        sfn.redrive_execution(executionArn=execution)
        finish(sfn, execution)
        events = after_redrive(sfn, execution, redrive)
        # The same Map Run goes on, counted; no second one starts.
        assert [e["type"] for e in events if e["type"].startswith("MapRun")] == [
            "MapRunRedriven",
            "MapRunFailed" if redrive == 1 else "MapRunSucceeded",
        ]
        (redriven,) = [e for e in events if e["type"] == "MapRunRedriven"]
        assert redriven["mapRunRedrivenEventDetails"] == {"mapRunArn": map_run, "redriveCount": redrive}
    assert [item["got"] for item in output(sfn.describe_execution(executionArn=execution))] == [1, 2, 3]
    # Items 1 and 3 succeeded in the first attempt and were not run again.
    assert lambdas.calls == Counter({"Ship": 3 + 1 + 1})


def test_an_aborted_execution_resumes_at_the_state_it_was_stopped_in() -> None:
    sfn = new_client()
    lambdas = Lambdas(sfn, "Before", "After")
    definition = jsonata(
        {
            "Before": task("Before", "Pause"),
            "Pause": {"Type": "Wait", "Seconds": 3600, "Next": "After"},
            "After": task("After"),
        }
    )
    arn = sfn.create_state_machine(name="pausing", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    with sfn.clock.participating():
        execution = sfn.start_execution(stateMachineArn=arn, name="run")["executionArn"]
        sfn.clock.sleep_until(sfn.clock.now() + timedelta(minutes=30))
        sfn.stop_execution(executionArn=execution, error="Operator", cause="maintenance")
    aborted = finish(sfn, execution)
    assert aborted["status"] == "ABORTED" and aborted["redriveStatus"] == "REDRIVABLE"

    redrive_date = sfn.redrive_execution(executionArn=execution)["redriveDate"]
    done = finish(sfn, execution)
    assert done["status"] == "SUCCEEDED"
    assert lambdas.calls == Counter({"Before": 1, "After": 1})
    assert done["stopDate"] - redrive_date == timedelta(hours=1)  # the Wait runs again in full


def test_a_timed_out_execution_gets_its_timeout_afresh() -> None:
    sfn = new_client()
    Lambdas(sfn, "Done")
    slow = {
        **jsonata(
            {
                "Pause": {"Type": "Wait", "Seconds": 50, "Next": "Again"},
                "Again": {"Type": "Wait", "Seconds": 50, "Next": "Done"},
                "Done": task("Done"),
            }
        ),
        "TimeoutSeconds": 60,
    }
    execution = start(sfn, slow)
    timed_out = finish(sfn, execution)
    assert timed_out["status"] == "TIMED_OUT" and timed_out["redriveStatus"] == "REDRIVABLE"
    redriven = sfn.redrive_execution(executionArn=execution)["redriveDate"]
    done = finish(sfn, execution)
    # Pause had completed; Again (50 s) runs again within a fresh 60 s, and the first attempt's
    # timer (due 60 s after the start) does not end the second attempt.
    assert done["status"] == "SUCCEEDED"
    assert done["stopDate"] - redriven == timedelta(seconds=50)


def test_a_redrive_keeps_the_definition_the_execution_started_with() -> None:
    sfn = new_client()
    lambdas = Lambdas(sfn, "Old", "New")
    lambdas.broken.add("Old")
    execution = start(sfn, jsonata({"Step": task("Old")}))
    finish(sfn, execution)
    machine = execution.replace(":execution:", ":stateMachine:").rsplit(":", 1)[0]
    sfn.update_state_machine(stateMachineArn=machine, definition=json.dumps(jsonata({"Step": task("New")})))
    lambdas.broken.clear()
    sfn.redrive_execution(executionArn=execution)
    assert output(finish(sfn, execution))["from"] == "Old"
    described = sfn.describe_state_machine_for_execution(executionArn=execution)
    assert json.loads(described["definition"])["States"]["Step"]["Arguments"]["FunctionName"] == "Old"


@pytest.mark.parametrize("kind", ["running", "succeeded", "express", "expired"])
def test_what_cannot_be_redriven_says_why(kind: str) -> None:
    sfn = new_client()
    lambdas = Lambdas(sfn, "Step")
    if kind == "running":
        definition = jsonata({"Pause": {"Type": "Wait", "Seconds": 60, "End": True}})
    else:
        definition = jsonata({"Step": task("Step")})
    if kind == "expired":
        lambdas.broken.add("Step")
    machine_type = "EXPRESS" if kind == "express" else "STANDARD"
    arn = sfn.create_state_machine(
        name="m", definition=json.dumps(definition), roleArn=ROLE, type=machine_type
    )["stateMachineArn"]
    reasons = {
        "running": "Execution is RUNNING and cannot be redriven",
        "succeeded": "Execution is SUCCEEDED and cannot be redriven",
        "express": "Execution of an EXPRESS state machine cannot be redriven",
        "expired": "Execution redrivable period exceeded",
    }
    with sfn.clock.participating():  # a running execution stays in its Wait while we look
        execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        if kind != "running":
            finish(sfn, execution)
        if kind == "expired":
            sfn.clock.sleep_until(sfn.clock.now() + timedelta(days=14, seconds=1))
        described = sfn.describe_execution(executionArn=execution)
        assert described["redriveStatus"] == "NOT_REDRIVABLE"
        assert described["redriveStatusReason"] == reasons[kind]
        with pytest.raises(sfn.exceptions.ExecutionNotRedrivable) as info:
            sfn.redrive_execution(executionArn=execution)
        assert reasons[kind] in str(info.value)
        if kind == "running":
            sfn.stop_execution(executionArn=execution)


def test_within_fourteen_days_a_redrive_is_allowed() -> None:
    sfn = new_client()
    lambdas = Lambdas(sfn, "Step")
    lambdas.broken.add("Step")
    execution = start(sfn, jsonata({"Step": task("Step")}))
    finish(sfn, execution)
    with sfn.clock.participating():
        sfn.clock.sleep_until(sfn.clock.now() + timedelta(days=13, hours=23))
    lambdas.broken.clear()
    sfn.redrive_execution(executionArn=execution)
    assert finish(sfn, execution)["status"] == "SUCCEEDED"


def test_a_repeated_client_token_does_not_redrive_twice() -> None:
    sfn = new_client()
    lambdas = Lambdas(sfn, "Step")
    lambdas.broken.add("Step")
    execution = start(sfn, jsonata({"Step": task("Step")}))
    finish(sfn, execution)
    first = sfn.redrive_execution(executionArn=execution, clientToken="once")
    finish(sfn, execution)
    again = sfn.redrive_execution(executionArn=execution, clientToken="once")
    assert again == first
    assert sfn.describe_execution(executionArn=execution)["redriveCount"] == 1
    assert lambdas.calls["Step"] == 2


def test_unknown_and_malformed_executions_are_aws_errors() -> None:
    sfn = new_client()
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.redrive_execution(executionArn="nope")
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.redrive_execution(executionArn="arn:aws:states:us-east-1:123456789012:execution:m:none")
