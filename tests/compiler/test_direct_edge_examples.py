"""Example orchestrators for the edges of the mapping: error flow, nesting, time, limits.

Like test_direct_examples.py, each is pinned here by its direct run and compared with its
compiled run in test_differential.py.
"""

from __future__ import annotations

import json
from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, RetryOptions, activity, orchestrator
from durable_sfn.testing import ScheduledEvent, run_direct
from tests.compiler.test_direct_examples import (
    OutOfStock,
    PaymentDeclined,
    add_one,
    double,
    raise_error,
    unreliable,
)

# `e.error` on a plain exception class: see the note in test_direct_examples.py.


class ShippingProblem(Exception):
    pass


class AddressRejected(ShippingProblem):
    pass


@activity(name="Validate")
def validate(value: int) -> int:
    if value < 0:
        raise ValueError(f"{value} is negative")
    if value > 30:
        raise OutOfStock(f"{value} is too many")
    return value


@orchestrator(name="Rethrow")
async def rethrow(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    values = ctx.get_input()
    accepted = []
    errors = []
    for value in values:
        try:
            checked = await ctx.call_activity(validate, value)
            accepted.append(checked)
        except ValueError as e:
            errors.append(e.error)  # type: ignore[attr-defined]
            continue
        except OutOfStock:
            ctx.set_custom_status({"stopped": value})
            raise
        if checked == 7:
            break
    return {"accepted": accepted, "errors": errors}


@orchestrator(name="Translate")
async def translate(ctx: OrchestrationContext) -> JsonValue:
    value = ctx.get_input()
    try:
        return await ctx.call_activity("Validate", value)
    except Exception as e:
        raise PaymentDeclined(f"validation failed with {e.error}") from None  # type: ignore[attr-defined]


@orchestrator(name="NestedFanOut")
async def nested_fan_out(ctx: OrchestrationContext) -> list[JsonValue]:
    groups = ctx.get_input()

    async def group_total(group: list[JsonValue]) -> int:
        doubled = await ctx.task_all([ctx.call_activity(double, n) for n in group])
        return sum(doubled)

    return await ctx.task_all([group_total(group) for group in groups])


@orchestrator(name="ParallelFailFast")
async def parallel_fail_fast(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    x = ctx.get_input()
    try:
        results = await ctx.task_all(
            [ctx.call_activity(double, x), ctx.call_activity(validate, x), ctx.call_activity(add_one, x)]
        )
        return {"ok": True, "results": results}
    except OutOfStock as e:
        return {"ok": False, "error": e.error}  # type: ignore[attr-defined]


@orchestrator(name="ChildFails")
async def child_fails(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    x = ctx.get_input()
    try:
        result = await ctx.call_sub_orchestrator(raise_error, x)
        return {"ok": True, "result": result}
    except Exception as e:
        return {"ok": False, "error": e.error}  # type: ignore[attr-defined]


@orchestrator(name="DynamicTimer")
async def dynamic_timer(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    request = ctx.get_input()
    started = ctx.current_utc_datetime
    await ctx.create_timer(timedelta(seconds=request["seconds"]))
    await ctx.create_timer(ctx.current_utc_datetime + timedelta(minutes=request["minutes"]))
    elapsed = ctx.current_utc_datetime - started
    return {
        "elapsed": elapsed.total_seconds(),
        "late": ctx.current_utc_datetime > started + timedelta(hours=1),
    }


@orchestrator(name="CappedRetry")
async def capped_retry(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    request = ctx.get_input()
    retry = RetryOptions(
        first_retry_interval=timedelta(seconds=2),
        max_number_of_attempts=4,
        backoff_coefficient=3.0,
        max_retry_interval=timedelta(seconds=10),
    )
    started = ctx.current_utc_datetime
    try:
        await ctx.call_activity_with_retry(unreliable, retry, request)
        outcome = "ok"
    except ConnectionError:
        outcome = "gave up"
    return {"outcome": outcome, "seconds": (ctx.current_utc_datetime - started).total_seconds()}


@orchestrator(name="TwoApprovals")
async def two_approvals(ctx: OrchestrationContext) -> list[JsonValue]:
    first = await ctx.wait_for_external_event("Vote")
    ctx.set_custom_status({"votes": 1})
    second = await ctx.wait_for_external_event("Vote", timeout=timedelta(minutes=10))
    ctx.set_custom_status({"votes": 2})
    return [first, second]


@orchestrator(name="Countdown")
async def countdown(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    state = ctx.get_input()
    ctx.set_custom_status({"remaining": state["n"]})
    await ctx.call_activity(add_one, state["n"])
    if state["n"] > 0:
        ctx.continue_as_new({"n": state["n"] - 1, "seen": state["seen"] + 1})
    return {"seen": state["seen"]}


@orchestrator(name="UncaughtChild")
async def uncaught_child(ctx: OrchestrationContext) -> JsonValue:
    x = ctx.get_input()
    return await ctx.call_sub_orchestrator(raise_error, x)


@activity(name="Ship")
def ship(destination: str) -> str:
    if destination == "nowhere":
        raise AddressRejected(f"cannot ship to {destination}")
    if destination == "":
        raise ValueError("no destination")
    return f"shipped to {destination}"


@orchestrator(name="Hierarchy")
async def hierarchy(ctx: OrchestrationContext) -> JsonValue:
    destination = ctx.get_input()
    try:
        return await ctx.call_activity(ship, destination)
    except ShippingProblem as e:
        return "shipping problem: " + e.error  # type: ignore[attr-defined]
    except (ValueError, KeyError) as e:
        return "bad request: " + e.error  # type: ignore[union-attr]


@activity(name="Big")
def big(size: int) -> str:
    return "x" * size


@orchestrator(name="OversizedResult")
async def oversized_result(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    size = ctx.get_input()
    try:
        data = await ctx.call_activity(big, size)
        return {"length": len(data)}
    except Exception:
        return {"caught": True}


@orchestrator(name="OversizedOutput")
async def oversized_output(ctx: OrchestrationContext) -> JsonValue:
    return await ctx.call_activity(big, ctx.get_input())


# Attempts per key, so that a retried call can fail a given number of times; tests reset it.
FLAKY_ATTEMPTS: dict[str, int] = {}


@activity(name="Flaky")
def flaky(request: dict[str, JsonValue]) -> int:
    key = request["key"]
    FLAKY_ATTEMPTS[key] = FLAKY_ATTEMPTS.get(key, 0) + 1
    if FLAKY_ATTEMPTS[key] <= request["failures"]:
        raise ConnectionError(f"attempt {FLAKY_ATTEMPTS[key]} failed")
    return FLAKY_ATTEMPTS[key]


@orchestrator(name="ClockAfterRetry")
async def clock_after_retry(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    request = ctx.get_input()
    started = ctx.current_utc_datetime
    retry = RetryOptions(
        first_retry_interval=timedelta(seconds=30), max_number_of_attempts=4, backoff_coefficient=1.5
    )
    try:
        attempts = await ctx.call_activity_with_retry(flaky, retry, request)
    except ConnectionError:
        attempts = -1
    return {"attempts": attempts, "elapsed": (ctx.current_utc_datetime - started).total_seconds()}


@orchestrator(name="ClockAfterEvent")
async def clock_after_event(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    started = ctx.current_utc_datetime
    data = await ctx.wait_for_external_event("Go", timeout=timedelta(hours=2))
    return {"data": data, "elapsed": (ctx.current_utc_datetime - started).total_seconds()}


@orchestrator(name="RepeatString")
async def repeat_string(ctx: OrchestrationContext) -> JsonValue:
    name = ctx.get_input()
    return name * 2


POLL_INTERVAL = timedelta(minutes=1, seconds=30)


@orchestrator(name="ModuleTimedelta")
async def module_timedelta(ctx: OrchestrationContext) -> str:
    await ctx.create_timer(POLL_INTERVAL)
    deadline = ctx.current_utc_datetime + POLL_INTERVAL * 2
    await ctx.create_timer(deadline)
    return ctx.current_utc_datetime.isoformat()


@orchestrator(name="ParseJsonText")
async def parse_json_text(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    text = ctx.get_input()
    parsed = json.loads(text)
    return {"parsed": parsed, "first": json.loads(text)["a"]}


@orchestrator(name="RepeatTypedString")
async def repeat_typed_string(ctx: OrchestrationContext) -> str:
    name = ctx.get_input()
    return str(name) * 2 + "-" * len(name) + 0 * "x"


@orchestrator(name="IsoStamp")
async def iso_stamp(ctx: OrchestrationContext) -> str:
    await ctx.create_timer(timedelta(minutes=ctx.get_input()))
    return ctx.current_utc_datetime.isoformat()


@orchestrator(name="LongestWord")
async def longest_word(ctx: OrchestrationContext) -> JsonValue:
    words = ctx.get_input()
    return max(words)


@orchestrator(name="BoundedTimers")
async def bounded_timers(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    items = ctx.get_input()
    started = ctx.current_utc_datetime

    async def work(minutes: int) -> JsonValue:
        await ctx.create_timer(timedelta(minutes=minutes))
        return await ctx.call_activity(double, minutes)

    results = await ctx.task_all([work(m) for m in items], max_concurrency=2)
    return {"results": results, "elapsed": (ctx.current_utc_datetime - started).total_seconds()}


# -- the direct run of each example ---------------------------------------------------------------


def test_loop_with_continue_break_and_rethrow() -> None:
    assert run_direct(rethrow, [1, -2, 7, 3]).output == {"accepted": [1, 7], "errors": ["ValueError"]}
    stopped = run_direct(rethrow, [1, 40, 2])
    assert (stopped.status, stopped.error, stopped.custom_status) == ("FAILED", "OutOfStock", {"stopped": 40})
    assert json.loads(stopped.cause or "")["errorMessage"] == "40 is too many"


def test_an_error_can_be_translated_into_another() -> None:
    result = run_direct(translate, -1)
    assert (result.error, result.cause) == ("PaymentDeclined", "validation failed with ValueError")
    assert run_direct(translate, 3).output == 3


def test_nested_fan_out_and_parallel_fail_fast() -> None:
    assert run_direct(nested_fan_out, [[1, 2], [], [3]]).output == [6, 0, 6]
    assert run_direct(parallel_fail_fast, 2).output == {"ok": True, "results": [4, 2, 3]}
    assert run_direct(parallel_fail_fast, 31).output == {"ok": False, "error": "OutOfStock"}


def test_a_failed_child_is_caught_as_the_child_error() -> None:
    assert run_direct(child_fails, 9).output == {"ok": False, "error": "PaymentDeclined"}
    assert run_direct(child_fails, 2).output == {"ok": True, "result": 4}


def test_timers_and_capped_backoff_in_virtual_time() -> None:
    assert run_direct(dynamic_timer, {"seconds": 3000, "minutes": 15}).output == {
        "elapsed": 3900,
        "late": True,
    }
    assert run_direct(dynamic_timer, {"seconds": 10, "minutes": -5}).output == {"elapsed": 10, "late": False}
    # Delays 2, 6, then 18 capped at 10 seconds.
    assert run_direct(capped_retry, {"fail": True}).output == {"outcome": "gave up", "seconds": 18}


def test_events_of_one_name_queue_up() -> None:
    both = run_direct(
        two_approvals,
        None,
        events=[ScheduledEvent("Vote", "yes"), ScheduledEvent("Vote", "no", timedelta(minutes=5))],
    )
    assert (both.output, both.custom_status) == (["yes", "no"], {"votes": 2})
    one = run_direct(two_approvals, None, events={"Vote": "yes"})
    assert (one.status, one.error, one.custom_status) == ("FAILED", "States.Timeout", {"votes": 1})


def test_continue_as_new_keeps_going_until_done() -> None:
    result = run_direct(countdown, {"n": 2, "seen": 0})
    assert (result.output, result.custom_status) == ({"seen": 2}, {"remaining": 0})
    assert [c.input for c in result.activity_calls] == [2, 1, 0]


def test_an_uncaught_child_failure_fails_the_parent_with_the_child_error() -> None:
    result = run_direct(uncaught_child, 9)
    assert (result.status, result.error, result.cause) == (
        "FAILED",
        "PaymentDeclined",
        "the order is too large",
    )


def test_except_follows_python_class_hierarchy() -> None:
    assert run_direct(hierarchy, "nowhere").output == "shipping problem: AddressRejected"
    assert run_direct(hierarchy, "").output == "bad request: ValueError"
    assert run_direct(hierarchy, "Oslo").output == "shipped to Oslo"


def test_payloads_over_256_kib_fail_the_execution_and_cannot_be_caught() -> None:
    assert run_direct(oversized_result, 1000).output == {"length": 1000}
    too_big = run_direct(oversized_result, 300_000)
    assert (too_big.status, too_big.error) == ("FAILED", "States.DataLimitExceeded")
    assert "'Big' returned a result with a size exceeding" in (too_big.cause or "")
    assert run_direct(oversized_output, 300_000).error == "States.DataLimitExceeded"


def test_retries_that_finally_succeed_take_their_backoff_in_virtual_time() -> None:
    FLAKY_ATTEMPTS.clear()
    # Two failures: waits of 30 s and 45 s before the third attempt.
    assert run_direct(clock_after_retry, {"key": "k", "failures": 2}).output == {"attempts": 3, "elapsed": 75}
    FLAKY_ATTEMPTS.clear()
    assert run_direct(clock_after_retry, {"key": "k", "failures": 9}).output == {
        "attempts": -1,
        "elapsed": 30 + 45 + 67.5,
    }


def test_python_semantics_of_strings_and_timestamps() -> None:
    assert run_direct(repeat_string, "ab").output == "abab"
    assert run_direct(repeat_typed_string, "ab").output == "abab--"
    assert run_direct(module_timedelta).output == "2024-01-01T00:04:30+00:00"
    assert run_direct(parse_json_text, '{"a": [1, 2.5, "x"]}').output == {
        "parsed": {"a": [1, 2.5, "x"]},
        "first": [1, 2.5, "x"],
    }
    assert run_direct(iso_stamp, 90).output == "2024-01-01T01:30:00+00:00"
    assert run_direct(longest_word, ["Zed", "apple"]).output == "apple"


def test_max_concurrency_queues_branches_in_virtual_time() -> None:
    # Two slots: 3 and 1 start at once; 2 starts when 1 ends (minute 1) and ends at minute 3.
    result = run_direct(bounded_timers, [3, 1, 2])
    assert result.output == {"results": [6, 2, 4], "elapsed": 180}
    assert [c.input for c in result.activity_calls] == [1, 3, 2]
