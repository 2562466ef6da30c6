"""Tasks created in a block and awaited in the body of a `try` that follows, as Durable users write
a fan-out whose failure they handle:

    checks = [ctx.call_activity(check, c) for c in claims]
    try:
        await ctx.task_all(checks)
    except PolicyViolation as e:
        ...

The compiled tasks run at the await, inside the try, as Python runs them. Refused (DSF028/DSF029,
at the line that created the task): a task the handlers, `else` or `finally` also use, one
awaited in a block nested deeper, and one whose arguments may fail where a handler of the try
would catch that (Python evaluates them at the creation, outside the try).
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.testing import run_direct, run_local


class Declined(Exception):
    pass


@activity(name="TryCheck")
def check(n: int) -> int:
    if n > 10:
        raise Declined(f"{n} is over 10")
    return n * 2


@orchestrator(name="TryFanOut")
async def fan_out(ctx: OrchestrationContext) -> JsonValue:
    items = ctx.get_input()
    ctx.set_custom_status("checking")
    checks = [ctx.call_activity(check, n) for n in items]
    try:
        doubled = await ctx.task_all(checks)
    except Declined as e:
        return {"declined": str(e)}
    count = len(items)
    first = ctx.call_activity(check, count)
    try:
        one = await first
    except Declined:
        one = -1
    return {"doubled": doubled, "count": one}


@pytest.mark.parametrize("items", [[1, 2, 3], [4, 20], [], list(range(1, 12))])
def test_tasks_created_before_a_try_run_inside_it(items: list[int]) -> None:
    direct = run_direct(fan_out, items)
    compiled = run_local(fan_out, items)
    assert (compiled.status, compiled.output, compiled.custom_status) == (
        direct.status,
        direct.output,
        direct.custom_status,
    )
    assert sorted(c.input for c in compiled.activity_calls) == sorted(c.input for c in direct.activity_calls)
    if items == [1, 2, 3]:
        assert direct.output == {"doubled": [2, 4, 6], "count": 6}


REFUSED = {
    "used in a handler": (
        "t = ctx.call_activity('A', 1)\ntry:\n    r = await t\nexcept ValueError:\n    r = await t\nreturn r",
        "DSF028",
    ),
    "awaited deeper": (
        "t = ctx.call_activity('A', 1)\ntry:\n    if d:\n        await t\nexcept ValueError:\n    pass",
        "DSF028",
    ),
    "fallible arguments, caught": (
        "t = ctx.call_activity('A', d['k'])\ntry:\n    await t\nexcept Exception:\n    pass",
        "DSF029",
    ),
    "arguments changed before the try": (
        "n = 1\nt = ctx.call_activity('A', n)\nn = 2\ntry:\n    await t\nexcept ValueError:\n    pass",
        "DSF029",
    ),
}


@pytest.mark.parametrize(("body", "code"), REFUSED.values(), ids=REFUSED.keys())
def test_what_python_would_run_differently_is_refused(body: str, code: str) -> None:
    source = "from durable_sfn import orchestrator\n\n\n@orchestrator(name='P')\nasync def p(ctx):\n"
    source += "    d = ctx.get_input()\n" + textwrap.indent(body, "    ") + "\n"
    with pytest.raises(CompileError) as refused:
        compile_source(source, "tasks.py")
    assert code in str(refused.value)
    assert str(refused.value).startswith("tasks.py:")


def test_fallible_arguments_are_fine_when_no_handler_catches_their_error() -> None:
    source = textwrap.dedent(
        """\
        from durable_sfn import orchestrator


        class Declined(Exception):
            pass


        @orchestrator(name="P")
        async def p(ctx):
            d = ctx.get_input()
            t = ctx.call_activity("A", d["k"])
            try:
                return await t
            except Declined:
                return None
        """
    )
    definition: Any = compile_source(source, "tasks.py")
    assert definition["P"]["StartAt"]
