"""The external-event store: waits and raises meet exactly once, whichever comes first."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from durable_sfn.client.events import (
    TTL_ATTRIBUTE,
    WAITER_NAME,
    EventStore,
    EventStoreError,
    SerializedClient,
    create_events_table,
    make_event_waiter,
    run_waiter,
)
from durable_sfn.engine.api.client import LocalStepFunctions

ROLE = "arn:aws:iam::123456789012:role/test"


def waiter_state(
    event_name: str, next_state: str | None, timeout: int = 3600, assign: str = ""
) -> dict[str, Any]:
    """The Task `wait_for_external_event` compiles to (contract 4)."""
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Arguments": {
            "FunctionName": f"arn:aws:lambda:us-east-1:123456789012:function:{WAITER_NAME}",
            "Payload": {
                "executionArn": "{% $states.context.Execution.Id %}",
                "eventName": event_name,
                "taskToken": "{% $states.context.Task.Token %}",
            },
        },
        "TimeoutSeconds": timeout,
    }
    if assign:
        state["Assign"] = {assign: "{% $states.result %}"}
    if next_state:
        state["Next"] = next_state
    else:
        state["End"] = True
    return state


def machine(states: dict[str, Any], start: str) -> str:
    return json.dumps({"QueryLanguage": "JSONata", "StartAt": start, "States": states})


class World:
    def __init__(self, dynamodb: Any) -> None:
        self.sfn = LocalStepFunctions()
        self.dynamodb = dynamodb
        # A table per test keeps tests independent while moto and the client are shared.
        self.table = create_events_table(dynamodb, f"events-{uuid.uuid4().hex}")
        self.store = EventStore(self.sfn, self.dynamodb, self.table)
        self.sfn.register_lambda(WAITER_NAME, make_event_waiter(self.store))

    def create(self, name: str, definition: str) -> str:
        return str(
            self.sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE)["stateMachineArn"]
        )

    def start(self, machine_arn: str, name: str) -> str:
        return str(
            self.sfn.start_execution(stateMachineArn=machine_arn, name=name, input="{}")["executionArn"]
        )

    def at(self, delay: timedelta, action: Any) -> None:
        self.sfn.clock.call_at(self.sfn.clock.now() + delay, action)

    def paused(self) -> Any:
        """While inside, virtual time stands still: starts and schedules happen at one instant."""
        return self.sfn.clock.participating()


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        # moto's conditional writes are not atomic across threads; DynamoDB's are.
        yield SerializedClient(boto3.client("dynamodb", region_name="us-east-1"))


@pytest.fixture
def world(dynamodb: Any) -> World:
    return World(dynamodb)


SINGLE_WAIT = machine({"Wait": waiter_state("Approval", None)}, "Wait")
# An hour-long Wait first, so an event raised 10 minutes in arrives before anyone waits.
LATE_WAIT = machine(
    {"Sleep": {"Type": "Wait", "Seconds": 3600, "Next": "Wait"}, "Wait": waiter_state("Approval", None)},
    "Sleep",
)


def test_an_event_raised_while_the_orchestrator_waits_completes_the_wait(world: World) -> None:
    outcomes: list[str] = []
    with world.paused():
        arn = world.start(world.create("Single", SINGLE_WAIT), "run-1")
        world.at(
            timedelta(minutes=30),
            lambda: outcomes.append(world.store.raise_event(arn, "Approval", {"ok": True})),
        )

    result = world.sfn.wait_for_execution(arn, timeout=30)

    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"ok": True}
    assert outcomes == ["delivered"]


def test_an_event_raised_before_the_wait_is_buffered_and_delivered_when_the_wait_starts(world: World) -> None:
    outcomes: list[str] = []
    with world.paused():
        arn = world.start(world.create("Late", LATE_WAIT), "run-1")
        world.at(
            timedelta(minutes=10), lambda: outcomes.append(world.store.raise_event(arn, "Approval", "yes"))
        )

    result = world.sfn.wait_for_execution(arn, timeout=30)

    assert outcomes == ["buffered"]
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == "yes"
    assert world.store.pending(arn, "Approval") == (False, 0)


def test_buffered_events_of_one_name_are_delivered_in_the_order_they_were_raised(world: World) -> None:
    definition = machine(
        {
            "Sleep": {"Type": "Wait", "Seconds": 3600, "Next": "First"},
            "First": waiter_state("Step", "Second", assign="first"),
            "Second": waiter_state("Step", "Done", assign="second"),
            "Done": {"Type": "Pass", "Output": "{% [$first, $second] %}", "End": True},
        },
        "Sleep",
    )
    with world.paused():
        arn = world.start(world.create("Twice", definition), "run-1")
        world.at(timedelta(minutes=1), lambda: world.store.raise_event(arn, "Step", 1))
        world.at(timedelta(minutes=2), lambda: world.store.raise_event(arn, "Step", 2))

    result = world.sfn.wait_for_execution(arn, timeout=30)

    assert json.loads(result["output"]) == [1, 2]


def test_events_are_kept_per_execution_and_per_name(world: World) -> None:
    machine_arn = world.create("Late", LATE_WAIT)
    with world.paused():
        first, second = world.start(machine_arn, "a"), world.start(machine_arn, "b")
        world.at(timedelta(minutes=1), lambda: world.store.raise_event(first, "Other", "wrong name"))
        world.at(timedelta(minutes=2), lambda: world.store.raise_event(second, "Approval", "for b"))
        world.at(timedelta(hours=1, minutes=30), lambda: world.store.raise_event(first, "Approval", "for a"))

    assert json.loads(world.sfn.wait_for_execution(first, timeout=30)["output"]) == "for a"
    assert json.loads(world.sfn.wait_for_execution(second, timeout=30)["output"]) == "for b"
    assert world.store.pending(first, "Other") == (False, 1)


def test_a_wait_that_times_out_fails_with_states_timeout_and_a_later_event_is_kept(world: World) -> None:
    definition = machine({"Wait": waiter_state("Approval", None, timeout=60)}, "Wait")
    arn = world.start(world.create("Short", definition), "run-1")

    result = world.sfn.wait_for_execution(arn, timeout=30)
    assert result["status"] == "FAILED"
    assert result["error"] == "States.Timeout"

    # The recorded token is stale now: the event is buffered instead of lost.
    assert world.store.pending(arn, "Approval") == (True, 0)
    assert world.store.raise_event(arn, "Approval", "late") == "buffered"
    assert world.store.pending(arn, "Approval") == (False, 1)


def test_racing_raises_and_waits_deliver_every_event_exactly_once(world: World) -> None:
    """Waiters and raisers on many threads: conditional writes let no event fall between them."""
    machine_arn = world.create("Single", SINGLE_WAIT)
    count = 40
    arns = [f"arn:aws:states:us-east-1:123456789012:execution:Single:race-{i}" for i in range(count)]
    barrier = threading.Barrier(count * 2)
    errors: list[BaseException] = []

    # Every thread takes part in virtual time, so the waits cannot time out while a raise is
    # still on its way.
    def raiser(i: int) -> None:
        try:
            with world.sfn.clock.participating():
                barrier.wait()
                world.store.raise_event(arns[i], "Approval", i)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    def starter(i: int) -> None:
        try:
            with world.sfn.clock.participating():
                barrier.wait()
                world.start(machine_arn, f"race-{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=f, args=(i,)) for i in range(count) for f in (raiser, starter)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    outputs = [world.sfn.wait_for_execution(arn, timeout=60) for arn in arns]
    assert [(o["status"], o.get("error")) for o in outputs] == [("SUCCEEDED", None)] * count
    assert [json.loads(o["output"]) for o in outputs] == list(range(count))


def test_a_missing_table_is_reported_with_its_name_and_the_fix(dynamodb: Any) -> None:
    store = EventStore(LocalStepFunctions(), dynamodb, "nope")
    with pytest.raises(EventStoreError, match=r"'nope' does not exist.*create_events_table"):
        store.raise_event("arn:aws:states:us-east-1:123456789012:execution:M:x", "E", 1)


def test_the_table_name_comes_from_the_environment(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DURABLE_SFN_EVENTS_TABLE", "custom-events")
    assert create_events_table(dynamodb) == "custom-events"
    assert create_events_table(dynamodb) == "custom-events"  # idempotent
    assert EventStore(LocalStepFunctions(), dynamodb).table_name == "custom-events"


def test_the_created_table_expires_items_by_their_ttl_attribute(dynamodb: Any) -> None:
    name = create_events_table(dynamodb, f"events-{uuid.uuid4().hex}")
    ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", TTL_ATTRIBUTE)


def test_the_waiter_rejects_a_payload_without_its_three_fields(world: World) -> None:
    with pytest.raises(ValueError, match="executionArn, eventName, taskToken"):
        run_waiter(world.store, {"executionArn": "arn", "eventName": "E"})


def test_an_event_taken_by_a_wait_that_no_longer_exists_is_kept(world: World) -> None:
    arn = "arn:aws:states:us-east-1:123456789012:execution:Gone:run-1"
    assert world.store.raise_event(arn, "Approval", "keep me") == "buffered"
    with pytest.raises(Exception) as info:
        world.store.wait(arn, "Approval", "a-token-the-engine-never-issued")
    assert info.value.response["Error"]["Code"] in ("TaskDoesNotExist", "InvalidToken")  # type: ignore[attr-defined]
    assert world.store.pending(arn, "Approval") == (False, 1)
