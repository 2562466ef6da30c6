"""run_direct as a runtime: virtual time, cancellation, errors, events, resolution, misuse."""

from __future__ import annotations

import json
from collections.abc import Generator
from datetime import timedelta
from typing import Any

import pytest

from durable_sfn import DefinitionError, JsonValue, OrchestrationContext, RetryOptions, activity, orchestrator
from durable_sfn.compiler import CompileError
from durable_sfn.testing import (
    ActivityNotFoundError,
    ScheduledEvent,
    StuckOrchestrationError,
    run_direct,
)
from durable_sfn.testing.jsonvalues import NotJsonError
from durable_sfn.testing.results import DEFAULT_START


class Rejected(Exception):
    pass


@activity(name="Echo")
def echo(value: object) -> object:
    return value


@activity(name="Reject")
def reject(reason: str) -> None:
    raise Rejected(reason)


@activity(name="Mutate")
def mutate(value: dict[str, JsonValue]) -> dict[str, JsonValue]:
    value["mutated"] = True
    return value


@orchestrator(name="CancelOnFailure")
async def cancel_on_failure(ctx: OrchestrationContext) -> list[JsonValue]:
    async def slow() -> object:
        await ctx.create_timer(timedelta(minutes=10))
        return await ctx.call_activity(echo, "slow")

    async def failing() -> None:
        await ctx.create_timer(timedelta(minutes=1))
        await ctx.call_activity(reject, "no")

    return await ctx.task_all([slow(), failing()])


def test_task_all_cancels_the_other_branches_when_one_fails() -> None:
    result = run_direct(cancel_on_failure)
    assert (result.status, result.error) == ("FAILED", "Rejected")
    assert result.activity_names() == ["Reject"]  # the slow branch never reached its call


@orchestrator(name="Bounded")
async def bounded(ctx: OrchestrationContext) -> list[JsonValue]:
    reasons = ctx.get_input()
    return await ctx.task_all([ctx.call_activity(reject, r) for r in reasons], max_concurrency=1)


def test_max_concurrency_one_never_starts_later_items_after_a_failure() -> None:
    result = run_direct(bounded, ["a", "b", "c"])
    assert result.status == "FAILED"
    assert [c.input for c in result.activity_calls] == ["a"]


@orchestrator(name="Interleaved")
async def interleaved(ctx: OrchestrationContext) -> list[JsonValue]:
    async def after(minutes: int) -> object:
        await ctx.create_timer(timedelta(minutes=minutes))
        return await ctx.call_activity(echo, minutes)

    return await ctx.task_all([after(10), after(5), after(1)])


def test_concurrent_branches_follow_virtual_time_not_list_order() -> None:
    result = run_direct(interleaved)
    assert result.output == [10, 5, 1]
    assert [c.input for c in result.activity_calls] == [1, 5, 10]


# RetryOptions are part of the compiled definition, so each policy is its own orchestrator.
@orchestrator(name="ElapsedOnce")
async def elapsed_once(ctx: OrchestrationContext) -> float:
    retry = RetryOptions(
        first_retry_interval=timedelta(seconds=5), max_number_of_attempts=1, backoff_coefficient=2.0
    )
    start = ctx.current_utc_datetime
    try:
        await ctx.call_activity_with_retry(reject, retry, "always")
    except Rejected:
        ctx.set_custom_status("gave up")
    return (ctx.current_utc_datetime - start).total_seconds()


@orchestrator(name="ElapsedDoubling")
async def elapsed_doubling(ctx: OrchestrationContext) -> float:
    retry = RetryOptions(
        first_retry_interval=timedelta(seconds=5), max_number_of_attempts=3, backoff_coefficient=2.0
    )
    start = ctx.current_utc_datetime
    try:
        await ctx.call_activity_with_retry(reject, retry, "always")
    except Rejected:
        ctx.set_custom_status("gave up")
    return (ctx.current_utc_datetime - start).total_seconds()


@orchestrator(name="ElapsedCapped")
async def elapsed_capped(ctx: OrchestrationContext) -> float:
    retry = RetryOptions(
        first_retry_interval=timedelta(seconds=5),
        max_number_of_attempts=4,
        backoff_coefficient=10.0,
        max_retry_interval=timedelta(seconds=20),
    )
    start = ctx.current_utc_datetime
    try:
        await ctx.call_activity_with_retry(reject, retry, "always")
    except Rejected:
        ctx.set_custom_status("gave up")
    return (ctx.current_utc_datetime - start).total_seconds()


@pytest.mark.parametrize(
    ("orch", "seconds", "calls"),
    [(elapsed_once, 0, 1), (elapsed_doubling, 5 + 10, 3), (elapsed_capped, 5 + 20 + 20, 4)],
)
def test_retries_back_off_in_virtual_time(orch: Any, seconds: float, calls: int) -> None:
    result = run_direct(orch)
    assert result.output == seconds
    assert len(result.activity_calls) == calls


@orchestrator(name="InspectError")
async def inspect_error(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    try:
        await ctx.call_activity(reject, "card expired")
        return {}
    except Rejected as e:
        return {"error": e.error, "cause": e.cause}  # type: ignore[attr-defined]


def test_activity_errors_carry_the_lambda_error_shape() -> None:
    output = run_direct(inspect_error).output
    assert output["error"] == "Rejected"
    cause = json.loads(output["cause"])
    assert cause["errorMessage"] == "card expired"
    assert cause["errorType"] == "Rejected"
    assert cause["requestId"]
    assert any("raise Rejected(reason)" in line for line in cause["stackTrace"])


def test_an_uncaught_activity_error_fails_the_run_with_error_and_cause() -> None:
    @orchestrator(name="Uncaught")
    async def uncaught(ctx: OrchestrationContext) -> None:
        await ctx.call_activity(reject, "nope")

    result = run_direct(uncaught)
    assert (result.status, result.error) == ("FAILED", "Rejected")
    assert json.loads(result.cause or "")["errorMessage"] == "nope"


@orchestrator(name="JsonBoundaries")
async def json_boundaries(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    original = {"items": [1, 2], "3": "three"}
    returned = await ctx.call_activity(mutate, original)
    return {"original": original, "returned": returned}


def test_values_cross_activity_boundaries_as_json() -> None:
    output = run_direct(json_boundaries).output
    assert output["original"] == {"items": [1, 2], "3": "three"}  # not mutated by the activity
    assert output["returned"] == {"items": [1, 2], "3": "three", "mutated": True}


@orchestrator(name="WaitsForever")
async def waits_forever(ctx: OrchestrationContext) -> object:
    return await ctx.wait_for_external_event("Approval")


def test_a_wait_nobody_answers_is_reported_not_hung() -> None:
    with pytest.raises(StuckOrchestrationError, match=r"'Approval'.*events="):
        run_direct(waits_forever)
    assert run_direct(waits_forever, events={"Approval": 1}).output == 1


@orchestrator(name="TwoEvents")
async def two_events(ctx: OrchestrationContext) -> list[JsonValue]:
    first = await ctx.wait_for_external_event("Step", timeout=timedelta(hours=1))
    second = await ctx.wait_for_external_event("Step", timeout=timedelta(hours=1))
    return [first, second, ctx.current_utc_datetime.isoformat()]


def test_events_of_one_name_are_received_in_order_at_their_virtual_time() -> None:
    result = run_direct(
        two_events,
        events=[
            ScheduledEvent("Step", "b", timedelta(minutes=30)),
            ScheduledEvent("Step", "a", timedelta(minutes=20)),
        ],
    )
    assert result.output == ["a", "b", (DEFAULT_START + timedelta(minutes=30)).isoformat()]


@orchestrator(name="ByName")
async def by_name(ctx: OrchestrationContext) -> object:
    return await ctx.call_activity("Echo", ctx.get_input())


def test_activities_called_by_name_resolve_from_the_module_or_overrides() -> None:
    assert run_direct(by_name, 7).output == 7
    assert run_direct(by_name, 7, activities={"Echo": lambda v: v * 3}).output == 21
    assert run_direct(chained_overridden, 2, activities=[fake_echo]).output == "fake:2"


@activity(name="Echo")
def fake_echo(value: object) -> str:
    return f"fake:{value}"


@orchestrator(name="ChainedOverridden")
async def chained_overridden(ctx: OrchestrationContext) -> object:
    return await ctx.call_activity(echo, ctx.get_input())


@orchestrator(name="MissingActivity")
async def missing_activity(ctx: OrchestrationContext) -> object:
    try:
        return await ctx.call_activity("NoSuchActivity", 1)
    except Exception:
        return "swallowed"


def test_a_missing_activity_is_reported_even_if_the_orchestrator_catches_everything() -> None:
    with pytest.raises(ActivityNotFoundError, match=r"NoSuchActivity.*activities="):
        run_direct(missing_activity)


@orchestrator(name="WithInput")
async def with_input(ctx: OrchestrationContext, order: dict[str, JsonValue]) -> object:
    return {"same": order == ctx.get_input(), "id": order["id"]}


def test_orchestrator_input_parameter_receives_the_input() -> None:
    assert run_direct(with_input, {"id": "o-1"}).output == {"same": True, "id": "o-1"}


@orchestrator(name="Counter")
async def counter(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    state = ctx.get_input()
    await ctx.call_activity(echo, state["n"])
    if state["n"] < 3:
        ctx.continue_as_new({"n": state["n"] + 1})
    return {"final": state["n"]}


def test_continue_as_new_restarts_with_the_new_input() -> None:
    result = run_direct(counter, {"n": 0})
    assert result.output == {"final": 3}
    assert [c.input for c in result.activity_calls] == [0, 1, 2, 3]


@orchestrator(name="FailingChild")
async def failing_child(ctx: OrchestrationContext) -> None:
    raise Rejected("child says no")


@orchestrator(name="ParentOfFailing")
async def parent_of_failing(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    try:
        await ctx.call_sub_orchestrator(failing_child, None)
        return {}
    except Rejected as e:
        return {"error": e.error, "cause": e.cause, "message": str(e)}  # type: ignore[attr-defined]


def test_a_failed_sub_orchestration_surfaces_as_the_child_exception() -> None:
    output = run_direct(parent_of_failing).output
    assert output == {"error": "Rejected", "cause": "child says no", "message": "child says no"}


def test_timer_in_the_past_fires_at_once() -> None:
    @orchestrator(name="PastTimer")
    async def past_timer(ctx: OrchestrationContext) -> str:
        await ctx.create_timer(ctx.current_utc_datetime - timedelta(days=1))
        return ctx.current_utc_datetime.isoformat()

    assert run_direct(past_timer).output == DEFAULT_START.isoformat()


@activity(name="ReturnsASet")
def returns_a_set(_: object) -> set[int]:
    return {1, 2}


def test_misuse_is_reported_to_the_test_not_turned_into_a_failed_run() -> None:
    class ForeignAwaitable:
        """Stands for an awaitable of another event loop (an asyncio future, an HTTP call)."""

        def __await__(self) -> Generator[Any, None, None]:
            yield "some other loop's future"

    @orchestrator(name="UsesAsyncio")
    async def uses_asyncio(ctx: OrchestrationContext) -> None:
        try:
            await ForeignAwaitable()
        except Exception:
            ctx.set_custom_status("swallowed")

    # The compiler rejects it first (it could never be deployed); the direct runtime's own
    # guard is for code that reaches it anyway.
    with pytest.raises(CompileError, match="DSF005 await on something other than a ctx operation"):
        run_direct(uses_asyncio)

    @orchestrator(name="BadStatus")
    async def bad_status(ctx: OrchestrationContext) -> None:
        status = await ctx.call_activity(returns_a_set, None)
        ctx.set_custom_status(status)

    with pytest.raises(NotJsonError, match="result of activity 'ReturnsASet'"):
        run_direct(bad_status)


def test_only_orchestrators_can_be_run() -> None:
    async def plain(ctx: OrchestrationContext) -> None:
        return None

    with pytest.raises(DefinitionError, match="@orchestrator"):
        run_direct(plain)


def test_instance_id_and_uuids_are_deterministic() -> None:
    @orchestrator(name="Ids")
    async def ids(ctx: OrchestrationContext) -> list[JsonValue]:
        return [ctx.instance_id, ctx.new_uuid(), ctx.new_uuid()]

    first, second = run_direct(ids).output, run_direct(ids).output
    assert first == second
    assert first[0] == "arn:aws:states:us-east-1:123456789012:execution:Ids:test-execution"
    assert first[1] != first[2]


async def not_an_orchestrator(ctx: OrchestrationContext) -> None:
    return None


@orchestrator(name="CallsAPlainFunction")
async def calls_a_plain_function(ctx: OrchestrationContext) -> str:
    try:
        await ctx.call_sub_orchestrator(not_an_orchestrator, None)
    except Exception:
        return "swallowed"
    return "called"


def test_a_sub_orchestrator_without_the_decorator_is_reported() -> None:
    with pytest.raises(CompileError, match=r"DSF011 .*'not_an_orchestrator' is not decorated"):
        run_direct(calls_a_plain_function)
