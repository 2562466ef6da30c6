"""Orchestrators the random differential run found differing, reduced to the construct at fault.

Each is run direct and compiled by tests/compiler/test_random_orchestrators.py on the inputs
listed there; they stay here, as ordinary source, so a compiler change that brings a difference
back fails by name.
"""

from __future__ import annotations

from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


@orchestrator(name="DiffDictDisplays")
async def dict_displays(ctx: OrchestrationContext) -> JsonValue:
    """A repeated key keeps its first place and takes the last value; a spread overwrites the
    keys before it and is overwritten by the keys after it (JSONata refuses an object
    constructor with two equal keys, D1009, where Python lets the later one win)."""
    d = ctx.get_input()
    n = d["n"]
    k1 = str(d["k1"])
    k2 = str(d["k2"])
    return [
        {"a": 4, "a": n},  # noqa: F601 - the repeated key is the point
        {**d, "n": 0},
        {"n": 0, **d},
        {k1: 1, k2: 2},
        {"k": 1, **{"k": n}, "j": n},
        {"x": {"a": n, "b": 1, "a": 1}},  # noqa: F601
    ]


@orchestrator(name="DiffErrorMessages")
async def error_messages(ctx: OrchestrationContext) -> JsonValue:
    """`str(e)` of an expression error is Python's message: int() quotes the text as repr()
    does, and an index out of range says whether it was a list or a string."""
    d = ctx.get_input()
    out: list[JsonValue] = []
    for s in d["texts"]:
        try:
            out.append(int(s))
        except ValueError as e:
            out.append(str(e))
    for i in d["indexes"]:
        try:
            out.append(d["xs"][i])
        except IndexError as e:
            out.append(str(e))
        try:
            out.append(d["s"][i])
        except IndexError as e:
            out.append(str(e))
    try:
        out.append(d["xs"][5])
    except IndexError as e:
        out.append(f"{e}")
    return out


@activity(name="DiffKeys")
def keys(d: dict[str, JsonValue]) -> list[str]:
    return sorted(d)


@orchestrator(name="DiffStatusBeforeFailure")
async def status_before_failure(ctx: OrchestrationContext) -> JsonValue:
    """The custom status set before an expression fails stays set (it shared one Assign with
    the failing value, and a failing Assign assigns nothing)."""
    data = ctx.get_input()
    ctx.set_custom_status({"step": data["s"]})
    n = [9][data["i"]]
    ctx.set_custom_status("checking")
    if data["d"]["k"] > 1:
        return n
    return -n


@orchestrator(name="DiffFailBeforeTask")
async def fail_before_task(ctx: OrchestrationContext) -> JsonValue:
    """An assignment that fails before an activity call fails before it: the activity is never
    called (it was folded into the Task's Assign, which runs after the call)."""
    data = ctx.get_input()
    xs = data["xs"]
    xs.append(xs[4])
    await ctx.call_activity(keys, {"b": 2})
    return xs


@orchestrator(name="DiffEmptyLiteralFanOut")
async def empty_literal_fan_out(ctx: OrchestrationContext) -> JsonValue:
    """A fan-out over an empty literal list returns [] (it was taken for the compiler's own Map
    over no items, which evaluates an Assign under a Catch)."""
    data = ctx.get_input()
    none = await ctx.task_all([ctx.call_activity(keys, x) for x in []])  # type: ignore[var-annotated]
    also_none = await ctx.task_all([ctx.call_activity(keys, {"i": i}) for i in range(0)])
    return {"none": none, "alsoNone": also_none, "flag": data.get("flag")}


@activity(name="DiffInc")
def inc(n: int) -> int:
    return n + 1


@orchestrator(name="DiffFanOutArguments")
async def fan_out_arguments(ctx: OrchestrationContext) -> JsonValue:
    """A task_all's arguments are all evaluated before any of its tasks runs: an argument that
    fails calls nothing (a Parallel branch or Map iteration evaluated its own when it started,
    after the others had called their activities)."""
    d = ctx.get_input()

    async def work(x: int) -> JsonValue:
        return await ctx.call_activity(inc, x)

    first: JsonValue
    try:
        first = await ctx.task_all([ctx.call_activity(inc, d[k]) for k in d["keys"]])
    except KeyError as e:
        first = "caught " + str(e)
    fixed = await ctx.task_all([ctx.call_activity(inc, d["a"]), ctx.call_activity(inc, d["keys"][2])])
    helped = await ctx.task_all([work(d[k] * 2) for k in d["keys"]])
    return [first, fixed, helped]


@orchestrator(name="DiffZeroDivision")
async def zero_division(ctx: OrchestrationContext) -> JsonValue:
    """`str(e)` of a ZeroDivisionError is Python's message for the operation and operand types."""
    d = ctx.get_input()
    a, b, f = d["a"], d["b"], d["f"]
    out: list[JsonValue] = []
    try:
        out.append(a / b)
    except ZeroDivisionError as e:
        out.append(str(e))
    try:
        out.append(a // b)
    except ZeroDivisionError as e:
        out.append(str(e))
    try:
        out.append(a % b)
    except ZeroDivisionError as e:
        out.append(str(e))
    try:
        out.append(f / b)
    except ZeroDivisionError as e:
        out.append(str(e))
    try:
        out.append(f // b)
    except ZeroDivisionError as e:
        out.append(str(e))
    try:
        out.append(f % b)
    except ZeroDivisionError as e:
        out.append(str(e))
    try:
        out.append(2.5 // 0)
    except ZeroDivisionError as e:
        out.append(str(e))
    return out


@orchestrator(name="DiffDividingChild")
async def dividing_child(ctx: OrchestrationContext) -> JsonValue:
    n = ctx.get_input()
    return 10 % n


@orchestrator(name="DiffChildExpressionError")
async def child_expression_error(ctx: OrchestrationContext) -> JsonValue:
    """A child that fails on an expression error no try of its own catches raises that Python
    error in the parent (it failed the parent as States.QueryEvaluationError, which `except
    ZeroDivisionError` does not catch)."""
    d = ctx.get_input()
    try:
        return await ctx.call_sub_orchestrator(dividing_child, d["n"])
    except ZeroDivisionError as e:
        caught = {"message": str(e), "error": e.error}  # type: ignore[attr-defined]
    if d["again"]:
        await ctx.call_sub_orchestrator(dividing_child, d["n"])
    return caught


@orchestrator(name="DiffOverwrittenFailure")
async def overwritten_failure(ctx: OrchestrationContext) -> JsonValue:
    """An assignment that fails still fails when the variable is assigned again right after (the
    two were merged into one Assign, where the later value replaced the failing one)."""
    data = ctx.get_input()
    n = data["n"]
    d = data["d"]
    xs = data["xs"]
    xs.append(xs[n])
    xs = [v for k, v in d.items() if k != "b"]
    checked = await ctx.call_activity(keys, {"n": len(xs)})
    return [xs, checked]


@orchestrator(name="DiffAssignedBeforeCaught")
async def assigned_before_caught(ctx: OrchestrationContext) -> JsonValue:
    """What a try body assigned before an expression failed stays assigned in the handler (the
    failing value shared one Assign with the activity's result or the earlier assignment, and a
    failing Assign assigns nothing)."""
    d = ctx.get_input()
    n = d["n"]
    r = 0
    try:
        r = await ctx.call_activity(inc, 1)
        y = d["k"]
    except KeyError:
        return ["caught", r]
    try:
        n += n
        m = d["xs"][n]
    except LookupError:
        return ["caught again", n]
    return [r, y, m]


@orchestrator(name="DiffConditionallyOverwritten")
async def conditionally_overwritten(ctx: OrchestrationContext) -> JsonValue:
    """A failing assignment followed by one that reads the variable only under a condition still
    fails (the merged Assign evaluated the failing value only on the branch not taken)."""
    data = ctx.get_input()
    n = data["n"]
    s = data["s"]
    n -= int(s)
    n = 12 if "" in "-3" else 2 % n
    checked = await ctx.call_activity(keys, {"n": n})
    return [n, checked]


@orchestrator(name="DiffFailsBeforeCondition")
async def fails_before_condition(ctx: OrchestrationContext) -> JsonValue:
    """An assignment that fails right before an `if` whose condition fails too raises its own
    error, as Python does (it was folded into the Choice's rules, which run after the condition)."""
    data = ctx.get_input()
    n = data["n"]
    n -= data["d"]["c"]
    if int(data["s"]) in [8, 4]:
        return n
    return -n


@orchestrator(name="DiffFailuresInOrder")
async def failures_in_order(ctx: OrchestrationContext) -> JsonValue:
    """Of two assignments that fail, the first one's error is raised (a variable assigned again
    kept its first place in the merged Assign, so its new value was evaluated first)."""
    data = ctx.get_input()
    n = data["n"]
    s = data["s"]
    xs = data["xs"]
    first = xs[n]
    xs.append(int(s))
    return [first, xs]


@orchestrator(name="DiffStoppedBranchFinally")
async def stopped_branch_finally(ctx: OrchestrationContext) -> JsonValue:
    """A fan-out stops its other branches when one fails; a stopped branch's `finally` that fails
    in turn (or awaits) must not escape the direct run (it raised out of run_direct instead of
    failing the orchestration with the first branch's error)."""
    data = ctx.get_input()
    s = data["s"]

    async def work(item: int) -> JsonValue:
        try:
            await ctx.create_timer(ctx.current_utc_datetime + timedelta(seconds=item))
        finally:
            await ctx.call_activity(inc, int(s))
        return item

    return await ctx.task_all([work(x) for x in data["xs"]])
