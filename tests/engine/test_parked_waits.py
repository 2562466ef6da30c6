"""A Wait in an execution's top-level flow holds no thread, and behaves as a blocking one did.

What a user sees: thousands of waiting executions cost no threads, stop and timeout still end
a waiting execution at once, and the history is the one AWS writes (WaitStateExited when the
time has come, nothing after a stop).
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

from durable_sfn.engine import LocalStepFunctions, VirtualClock, threads
from durable_sfn.engine.threads import blocking, spawn
from tests.engine.support import ROLE, START, new_client

WAIT_AN_HOUR = {
    "StartAt": "Hold",
    "States": {
        "Hold": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
        "Done": {"Type": "Pass", "Result": {"done": True}, "End": True},
    },
}


def _machine(sfn: LocalStepFunctions, definition: dict[str, Any], name: str = "m") -> str:
    return str(
        sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
    )


def _events(sfn: LocalStepFunctions, arn: str) -> list[dict[str, Any]]:
    return list(sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"])


def test_two_thousand_waiting_executions_hold_no_threads_and_all_finish() -> None:
    sfn = new_client()
    machine = _machine(sfn, WAIT_AN_HOUR)
    before = threading.active_count()
    with sfn.clock.participating():  # time stands still while we look
        arns = [
            sfn.start_execution(stateMachineArn=machine, name=f"e{i}", input="{}")["executionArn"]
            for i in range(2000)
        ]
        for arn in arns:  # every execution reaches its Wait
            for _ in range(2000):
                if _events(sfn, arn)[-1]["type"] == "WaitStateEntered":
                    break
                threading.Event().wait(0.005)
        held = threading.active_count() - before
    assert held < 200, f"{held} threads for 2,000 waiting executions"
    for arn in arns:
        sfn._executions[arn].wait(60)
    outcomes = [sfn.describe_execution(executionArn=arn) for arn in arns]
    assert {o["status"] for o in outcomes} == {"SUCCEEDED"}
    assert {o["stopDate"] - o["startDate"] for o in outcomes} == {timedelta(hours=1)}


def test_the_history_of_a_parked_wait_is_the_one_aws_writes() -> None:
    sfn = new_client()
    arn = sfn.start_execution(stateMachineArn=_machine(sfn, WAIT_AN_HOUR), input='{"a": 1}')["executionArn"]
    sfn._executions[arn].wait(30)
    events = _events(sfn, arn)
    assert [e["type"] for e in events] == [
        "ExecutionStarted",
        "WaitStateEntered",
        "WaitStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert [e["previousEventId"] for e in events] == [0, 1, 2, 3, 4, 5]
    assert events[2]["timestamp"] - events[1]["timestamp"] == timedelta(hours=1)
    assert events[2]["stateExitedEventDetails"]["output"] == '{"a":1}'
    assert json.loads(sfn.describe_execution(executionArn=arn)["output"]) == {"done": True}


def test_stopping_a_parked_execution_ends_it_at_once_without_leaving_the_wait() -> None:
    sfn = new_client()
    machine = _machine(sfn, WAIT_AN_HOUR)
    with sfn.clock.participating():
        arn = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
        while _events(sfn, arn)[-1]["type"] != "WaitStateEntered":
            threading.Event().wait(0.005)
        sfn.stop_execution(executionArn=arn, error="Ops", cause="no longer needed")
    execution = sfn._executions[arn]
    assert execution.join(30), "the stopped execution's flow never let go"
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "ABORTED"
    assert described["stopDate"] == START  # no virtual hour passed
    assert [e["type"] for e in _events(sfn, arn)][-2:] == ["WaitStateEntered", "ExecutionAborted"]
    clock = sfn.clock
    assert isinstance(clock, VirtualClock)
    assert clock.pending_timers == 0


def test_a_timeout_ends_a_parked_execution_at_its_deadline() -> None:
    sfn = new_client()
    definition = {"TimeoutSeconds": 60, **WAIT_AN_HOUR}
    arn = sfn.start_execution(stateMachineArn=_machine(sfn, definition), input="{}")["executionArn"]
    execution = sfn._executions[arn]
    assert execution.wait(30)
    assert execution.join(30)
    described = sfn.describe_execution(executionArn=arn)
    assert (described["status"], described["error"]) == ("TIMED_OUT", "States.Timeout")
    assert described["stopDate"] - described["startDate"] == timedelta(seconds=60)
    assert "WaitStateExited" not in [e["type"] for e in _events(sfn, arn)]


def test_a_redriven_execution_parks_again_and_completes() -> None:
    sfn = new_client()
    calls: list[int] = []

    def flaky(event: Any, _context: Any) -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first try fails")
        return {"ok": True}

    sfn.register_lambda("Flaky", flaky)
    definition = {
        "StartAt": "Hold",
        "States": {
            "Hold": {"Type": "Wait", "Seconds": 30, "Next": "Call"},
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "Flaky", "Payload": {}},
                "Next": "Again",
            },
            "Again": {"Type": "Wait", "Seconds": 30, "End": True},
        },
    }
    arn = sfn.start_execution(stateMachineArn=_machine(sfn, definition), input="{}")["executionArn"]
    execution = sfn._executions[arn]
    assert execution.wait(30) and execution.status == "FAILED"
    sfn.redrive_execution(executionArn=arn)
    assert execution.join(30)
    assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
    types = [e["type"] for e in _events(sfn, arn)]
    assert types[types.index("ExecutionRedriven") :] == [
        "ExecutionRedriven",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "WaitStateEntered",
        "WaitStateExited",
        "ExecutionSucceeded",
    ]


def test_a_job_that_blocks_without_saying_so_does_not_starve_the_pool() -> None:
    # Jobs that wait on something of their own (a Lambda handler waiting for another execution)
    # must not keep the job that would release them from running, whatever the pool's bound.
    release = threading.Event()
    done = threading.Event()
    count = threads.MAX_RUNNING * 2
    finished: list[int] = []
    lock = threading.Lock()

    def stuck() -> None:
        release.wait(30)
        with lock:
            finished.append(1)
            if len(finished) == count:
                done.set()

    for i in range(count):
        spawn(stuck, f"stuck-{i}")
    spawn(release.set, "releaser")
    assert done.wait(30), f"{len(finished)} of {count} blocked jobs finished"


def test_a_job_that_blocks_through_the_clock_gives_its_place_to_queued_jobs() -> None:
    gate = threading.Event()
    ran = threading.Event()
    blockers = threads.MAX_RUNNING

    def announced_block() -> None:
        with blocking():
            gate.wait(30)

    for i in range(blockers):
        spawn(announced_block, f"blocked-{i}")
    spawn(ran.set, "queued")
    # Replacement workers start at once for announced blocks: well before the stall monitor.
    assert ran.wait(30)
    gate.set()
