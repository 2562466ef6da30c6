"""Example orchestrators, one per row of the Python -> ASL mapping, and their direct-run behaviour.

The differential tests (test_differential.py) run these same orchestrators compiled on the local
engine and compare; here each example is pinned by what a user expects the direct run to do.
"""

from __future__ import annotations

import json
from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, RetryOptions, activity, orchestrator
from durable_sfn.testing import ScheduledEvent, run_direct

# Plain exception classes, as users write them. The runner gives every failure an orchestrator
# catches `e.error` / `e.cause` (Step Functions' Error and Cause), which Python's types cannot say
# of an arbitrary class: the lines that read them carry `# type: ignore[attr-defined]`.


class PaymentDeclined(Exception):
    pass


class OutOfStock(Exception):
    pass


@activity(name="Double")
def double(x: int) -> int:
    return x * 2


@activity(name="AddOne")
def add_one(x: int) -> int:
    return x + 1


@activity(name="CheckValue")
def check_value(x: int) -> dict[str, JsonValue]:
    if x < 0:
        raise OutOfStock(f"item {x} is out of stock")
    return {"even": x % 2 == 0, "value": x}


@activity(name="Charge")
def charge(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    if request["amount"] > 100:
        raise PaymentDeclined(f"amount {request['amount']} is over the limit")
    return {"charged": request["amount"]}


@activity(name="PollStatus")
def poll_status(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"done": request["attempt"] >= request["readyAfter"]}


@activity(name="Unreliable")
def unreliable(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    if request["fail"]:
        raise ConnectionError("service unavailable")
    return {"ok": True}


@orchestrator(name="Chaining")
async def chaining(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    x = ctx.get_input()
    doubled = await ctx.call_activity(double, x)
    plus_one = await ctx.call_activity(add_one, doubled)
    return {"doubled": doubled, "plusOne": plus_one}


@orchestrator(name="Branching")
async def branching(ctx: OrchestrationContext) -> str:
    x = ctx.get_input()
    if x > 10:
        result = await ctx.call_activity(double, x)
        kind = "big"
    elif x > 0:
        result = await ctx.call_activity(add_one, x)
        kind = "small"
    else:
        result = 0
        kind = "none"
    return f"{kind}:{result}"


@orchestrator(name="Polling")
async def polling(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    ready_after = ctx.get_input()
    deadline = ctx.current_utc_datetime + timedelta(minutes=5)
    attempt = 0
    while ctx.current_utc_datetime < deadline:
        status = await ctx.call_activity(poll_status, {"attempt": attempt, "readyAfter": ready_after})
        if status["done"]:
            return {"done": True, "attempts": attempt + 1}
        attempt = attempt + 1
        await ctx.create_timer(timedelta(seconds=60))
    return {"done": False, "attempts": attempt}


@orchestrator(name="ForLoop")
async def for_loop(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    items = ctx.get_input()
    total = 0
    last = None
    for item in items:
        doubled = await ctx.call_activity(double, item)
        total = total + doubled
        last = doubled
    return {"total": total, "last": last}


@orchestrator(name="FanOut")
async def fan_out(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    items = ctx.get_input()

    async def check(item: int) -> JsonValue:
        try:
            checked = await ctx.call_activity(check_value, item)
            doubled = await ctx.call_activity(double, checked["value"])
            return doubled
        except OutOfStock:
            return -1

    results = await ctx.task_all([check(item) for item in items], max_concurrency=3)
    return {"results": results, "total": sum(results)}


@orchestrator(name="FanOutFailFast")
async def fan_out_fail_fast(ctx: OrchestrationContext) -> list[JsonValue]:
    items = ctx.get_input()
    return await ctx.task_all([ctx.call_activity(check_value, item) for item in items])


@orchestrator(name="FixedParallel")
async def fixed_parallel(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    x = ctx.get_input()
    results = await ctx.task_all([ctx.call_activity(double, x), ctx.call_activity(add_one, x)])
    return {"doubled": results[0], "plusOne": results[1]}


@orchestrator(name="Timers")
async def timers(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    x = ctx.get_input()
    await ctx.create_timer(timedelta(hours=2))
    first = await ctx.call_activity(double, x)
    await ctx.create_timer(ctx.current_utc_datetime + timedelta(minutes=30))
    second = await ctx.call_activity(add_one, first)
    return {"first": first, "second": second}


@orchestrator(name="CatchErrors")
async def catch_errors(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    amount = ctx.get_input()
    try:
        receipt = await ctx.call_activity(charge, {"amount": amount})
        return {"ok": True, "charged": receipt["charged"]}
    except PaymentDeclined as e:
        return {"ok": False, "error": e.error, "explained": "is over the limit" in e.cause}  # type: ignore[attr-defined]
    except Exception:
        return {"ok": False, "error": "other"}


@orchestrator(name="RaiseError")
async def raise_error(ctx: OrchestrationContext) -> JsonValue:
    x = ctx.get_input()
    if x > 5:
        raise PaymentDeclined("the order is too large")
    return await ctx.call_activity(double, x)


@orchestrator(name="Retrying")
async def retrying(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    request = ctx.get_input()
    retry = RetryOptions(
        first_retry_interval=timedelta(seconds=5), max_number_of_attempts=3, backoff_coefficient=2.0
    )
    try:
        result = await ctx.call_activity_with_retry(unreliable, retry, request)
        return {"ok": result["ok"]}
    except ConnectionError as e:
        return {"ok": False, "error": e.error}  # type: ignore[attr-defined]


@orchestrator(name="Parent")
async def parent(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    x = ctx.get_input()
    child = await ctx.call_sub_orchestrator(chaining, x)
    return {"child": child, "sum": child["doubled"] + child["plusOne"]}


@orchestrator(name="Approval")
async def approval(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    ctx.set_custom_status("Waiting for approval")
    try:
        decision = await ctx.wait_for_external_event("Approval", timeout=3600)
        ctx.set_custom_status("Approved")
        return {"approved": decision["approved"], "timedOut": False}
    except TimeoutError:
        ctx.set_custom_status("Timed out")
        return {"approved": False, "timedOut": True}


@orchestrator(name="CustomStatus")
async def custom_status(ctx: OrchestrationContext) -> JsonValue:
    x = ctx.get_input()
    ctx.set_custom_status("Doubling")
    doubled = await ctx.call_activity(double, x)
    ctx.set_custom_status({"stage": "adding", "doubled": doubled})
    result = await ctx.call_activity(add_one, doubled)
    if result > 10:
        ctx.set_custom_status("Done: big")
    return result


@orchestrator(name="Expressions")
async def expressions(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    data = ctx.get_input()
    nums = data["nums"]
    name = data["name"]
    x = data["x"]
    y = data["y"]
    label = data["label"]
    evens = [n for n in nums if n % 2 == 0]
    return {
        "arith": x * 3 + 1 - x // 2,
        "mod": x % 7,
        "floorDivNegative": x // -3,
        "div": x / 4,
        "floatDiv": y / 3,
        "chained": 0 < x < 10,
        "logic": (x > 3 and x < 20) or x == -1,
        "conditional": "big" if x > 10 else "small",
        "strX": str(x),
        "strY": str(y),
        "fstring": f"{name}-{x}:{y}",
        "intY": int(y),
        "roundY": round(y),
        "round1": round(y, 1),
        "orDefault": label or "anonymous",
        "andValue": label and name,
        "notLabel": not label,
        "len": len(nums),
        "sum": sum(nums),
        "sumMixed": sum([y, x]),
        "maxMixed": max(x, y),
        "minMixed": min(x, y),
        "minList": min(nums) if len(nums) > 0 else None,
        "any": any([n > 5 for n in nums]),
        "all": all([n > 0 for n in nums]),
        "evens": evens,
        "doubled": [n * 2 for n in nums],
        "contains": 3 in nums,
        "substring": "a" in name,
        "hasKey": "x" in data,
        "upper": name.upper(),
        "lower": name.lower(),
        "strip": name.strip(),
        "split": name.split(" "),
        "joined": "-".join(name.split(" ")),
        "replace": name.replace("a", "b"),
        "startswith": name.startswith("ab"),
        "endswith": name.endswith("z"),
        "nested": {"k": x, "list": [x, name, None, True]},
        "last": nums[-1] if len(nums) > 0 else None,
        "concat": nums + [x],  # noqa: RUF005 (list + list is the construct under test)
        "abs": abs(x),
        "equal": x == y,
    }


@orchestrator(name="Truthiness")
async def truthiness(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    items = ctx.get_input()
    described = "empty"
    if items:
        described = "non-empty"
    return {"if": described, "bool": bool(items), "not": not items}


@orchestrator(name="MoreExpressions")
async def more_expressions(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    data = ctx.get_input()
    x = data["x"]
    y = data["y"]
    label = data["label"]
    words = data["words"]
    return {
        "isNone": label is None,
        "notNone": label is not None,
        "get": data.get("missing", "fallback"),
        "getPresent": data.get("x", 0),
        "dictLen": len(data),
        "roundHalf": round(x / 2),
        "floatMod": y % 2,
        "floatFloorDiv": y // 2,
        "intNegative": int(-y),
        "stringCompare": (words[0] if len(words) > 0 else "b") > "apple",
        "formatted": f"{y:.2f}",
        "power": x**2,
        "negative": -x,
        "ternaryNone": x if label is not None else None,
        "inDictKeys": "label" in data,
        "listEquality": words == ["a"],
        "count": words.count("a"),
    }


# -- the direct run of each example ---------------------------------------------------------------


def test_chaining_feeds_each_result_into_the_next_call() -> None:
    result = run_direct(chaining, 4)
    assert result.status == "SUCCEEDED"
    assert result.output == {"doubled": 8, "plusOne": 9}
    assert [(c.name, c.input) for c in result.activity_calls] == [("Double", 4), ("AddOne", 8)]


def test_branching_takes_the_first_true_branch() -> None:
    assert run_direct(branching, 11).output == "big:22"
    assert run_direct(branching, 3).output == "small:4"
    none = run_direct(branching, 0)
    assert none.output == "none:0"
    assert none.activity_calls == []


def test_polling_stops_when_ready_or_at_the_deadline() -> None:
    ready = run_direct(polling, 2)
    assert ready.output == {"done": True, "attempts": 3}
    never = run_direct(polling, 100)
    # One poll per minute for five virtual minutes: polls at 0, 1, 2, 3 and 4 minutes.
    assert never.output == {"done": False, "attempts": 5}
    assert len(never.activity_calls) == 5


def test_for_loop_variables_stay_visible_after_the_loop() -> None:
    assert run_direct(for_loop, [1, 2, 3]).output == {"total": 12, "last": 6}
    assert run_direct(for_loop, []).output == {"total": 0, "last": None}


def test_fan_out_catches_inside_each_branch() -> None:
    result = run_direct(fan_out, [1, -2, 3])
    assert result.output == {"results": [2, -1, 6], "total": 7}
    assert sorted(c.name for c in result.activity_calls) == ["CheckValue"] * 3 + ["Double"] * 2


def test_fan_out_fails_as_soon_as_one_branch_fails() -> None:
    result = run_direct(fan_out_fail_fast, [1, -2, 3])
    assert result.status == "FAILED"
    assert result.error == "OutOfStock"
    assert json.loads(result.cause or "")["errorMessage"] == "item -2 is out of stock"


def test_fixed_parallel_returns_results_in_order() -> None:
    result = run_direct(fixed_parallel, 5)
    assert result.output == {"doubled": 10, "plusOne": 6}
    assert result.activity_call_counts() == run_direct(fixed_parallel, 5).activity_call_counts()


def test_timers_take_no_real_time() -> None:
    assert run_direct(timers, 1).output == {"first": 2, "second": 3}


def test_caught_activity_error_has_step_functions_error_name() -> None:
    assert run_direct(catch_errors, 50).output == {"ok": True, "charged": 50}
    assert run_direct(catch_errors, 500).output == {
        "ok": False,
        "error": "PaymentDeclined",
        "explained": True,
    }


def test_raise_fails_the_execution_with_error_and_cause() -> None:
    result = run_direct(raise_error, 6)
    assert (result.status, result.error, result.cause) == (
        "FAILED",
        "PaymentDeclined",
        "the order is too large",
    )
    assert run_direct(raise_error, 2).output == 4


def test_retry_calls_the_activity_max_attempts_times() -> None:
    failing = run_direct(retrying, {"fail": True})
    assert failing.output == {"ok": False, "error": "ConnectionError"}
    assert len(failing.activity_calls) == 3
    assert len(run_direct(retrying, {"fail": False}).activity_calls) == 1


def test_sub_orchestrator_runs_with_its_own_activities() -> None:
    result = run_direct(parent, 3)
    assert result.output == {"child": {"doubled": 6, "plusOne": 7}, "sum": 13}
    assert result.activity_names() == ["Double", "AddOne"]


def test_external_event_buffered_scheduled_or_timed_out() -> None:
    buffered = run_direct(approval, None, events={"Approval": {"approved": True}})
    assert buffered.output == {"approved": True, "timedOut": False}
    assert buffered.custom_status == "Approved"
    later = run_direct(
        approval, None, events=[ScheduledEvent("Approval", {"approved": True}, timedelta(minutes=59))]
    )
    assert later.output == {"approved": True, "timedOut": False}
    too_late = run_direct(
        approval, None, events=[ScheduledEvent("Approval", {"approved": True}, timedelta(hours=2))]
    )
    assert too_late.output == {"approved": False, "timedOut": True}
    assert too_late.custom_status == "Timed out"


def test_custom_status_is_the_last_value_set() -> None:
    assert run_direct(custom_status, 1).custom_status == {"stage": "adding", "doubled": 2}
    assert run_direct(custom_status, 5).custom_status == "Done: big"


def test_expressions_follow_python_semantics() -> None:
    data = {"nums": [4, -3], "name": " ab z", "x": -7, "y": 2.5, "label": ""}
    output = run_direct(expressions, data).output
    assert (output["mod"], output["floorDivNegative"], output["arith"]) == (0, 2, -16)
    assert (output["orDefault"], output["andValue"], output["notLabel"]) == ("anonymous", "", True)
    assert (output["strY"], output["intY"], output["roundY"]) == ("2.5", 2, 2)


def test_non_empty_lists_are_truthy_whatever_they_hold() -> None:
    assert run_direct(truthiness, [0]).output == {"if": "non-empty", "bool": True, "not": False}
    assert run_direct(truthiness, []).output == {"if": "empty", "bool": False, "not": True}
