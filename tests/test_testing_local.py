"""run_local: the compiled definition on the local engine, read back the way AWS clients read it."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from durable_sfn.testing import (
    ActivityNotFoundError,
    ScheduledEvent,
    StuckOrchestrationError,
    run_direct,
    run_local,
)
from durable_sfn.testing.engine_run import path_and_custom_status
from durable_sfn.testing.pytest_plugin import OrchestrationEnv, orchestration_env
from tests import test_testing_direct as rt
from tests.compiler import test_direct_examples as ex

__all__ = ["orchestration_env"]  # the fixture, imported for use here


def test_custom_status_and_path_come_from_the_execution_history() -> None:
    result = run_local(ex.custom_status, 5)
    assert (result.status, result.output, result.custom_status) == ("SUCCEEDED", 11, "Done: big")
    assert result.path, "the states entered are listed"
    assert result.activity_names() == ["Double", "AddOne"]


def test_history_parsing_takes_the_last_custom_status_assignment() -> None:
    history = [
        {"type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "Double"}},
        {
            "type": "TaskStateExited",
            "stateExitedEventDetails": {
                "name": "Double",
                "assignedVariables": {"customStatus": '"Doubling"'},
            },
        },
        {"type": "PassStateEntered", "stateEnteredEventDetails": {"name": "Report"}},
        {
            "type": "PassStateExited",
            "stateExitedEventDetails": {
                "name": "Report",
                "assignedVariables": {"customStatus": '{"stage": 2}'},
            },
        },
    ]
    assert path_and_custom_status(history) == (["Double", "Report"], {"stage": 2})


def test_activities_can_be_replaced_by_name() -> None:
    result = run_local(ex.chaining, 4, activities={"Double": lambda x: x * 10})
    assert result.output == {"doubled": 40, "plusOne": 41}


def test_sub_orchestrators_are_compiled_and_run_as_their_own_state_machines() -> None:
    result = run_local(ex.parent, 3)
    assert result.output == {"child": {"doubled": 6, "plusOne": 7}, "sum": 13}
    assert result.activity_names() == ["Double", "AddOne"]


def test_external_events_buffered_scheduled_and_timed_out(orchestration_env: OrchestrationEnv) -> None:
    assert run_local(ex.approval, None, events={"Approval": {"approved": True}}).output == {
        "approved": True,
        "timedOut": False,
    }
    in_time = [ScheduledEvent("Approval", {"approved": False}, timedelta(minutes=45))]
    assert run_local(ex.approval, None, events=in_time).output == {"approved": False, "timedOut": False}
    too_late = [ScheduledEvent("Approval", {"approved": True}, timedelta(hours=3))]
    result = run_local(ex.approval, None, events=too_late)
    assert (result.output, result.custom_status) == ({"approved": False, "timedOut": True}, "Timed out")


def test_an_execution_that_can_never_finish_is_reported() -> None:
    with pytest.raises(StuckOrchestrationError, match="still running"):
        run_local(rt.waits_forever, None, timeout=0.5)


def test_events_for_an_orchestrator_that_never_waits_are_a_mistake() -> None:
    with pytest.raises(ValueError, match=r"never calls ctx\.wait_for_external_event"):
        run_local(ex.chaining, 1, events={"Approval": True})


def test_missing_activities_are_reported_before_running() -> None:
    with pytest.raises(ActivityNotFoundError, match="NoSuchActivity"):
        run_local(rt.missing_activity, None)


def test_continue_as_new_is_followed_to_the_last_execution() -> None:
    result = run_local(rt.counter, {"n": 0})
    assert result.output == run_direct(rt.counter, {"n": 0}).output == {"final": 3}
    assert [c.input for c in result.activity_calls] == [0, 1, 2, 3]


def test_the_fixture_isolates_aws_and_creates_the_events_table(orchestration_env: OrchestrationEnv) -> None:
    import boto3

    # Calls go to moto's account, never to the account of whoever runs the tests.
    assert boto3.client("sts").get_caller_identity()["Account"] == "123456789012"
    assert os.environ["AWS_DEFAULT_REGION"] == orchestration_env.region
    tables = orchestration_env.dynamodb.list_tables()["TableNames"]
    assert orchestration_env.events_table in tables


@orchestrator(name="TwoIds")
async def two_ids(ctx: OrchestrationContext) -> list[JsonValue]:
    first = ctx.new_uuid()
    second = ctx.new_uuid()
    return [first, second]


def test_new_uuid_is_random_when_compiled_and_reproducible_when_direct() -> None:
    import uuid

    local = [run_local(two_ids).output for _ in range(2)]
    direct = [run_direct(two_ids).output for _ in range(2)]
    # Compiled, new_uuid is Step Functions' $uuid(): version 4, fresh each run.
    assert {uuid.UUID(u).version for run in local for u in run} == {4}
    assert len({u for run in local for u in run}) == 4
    # Direct, it is derived from the instance id: the same run gives the same ids.
    assert direct[0] == direct[1] and direct[0][0] != direct[0][1]
    assert {uuid.UUID(u).version for u in direct[0]} == {5}
