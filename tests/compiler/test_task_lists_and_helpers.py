"""Task lists built in loops, helper functions compiled in place, loops and assignments with
several names, generator expressions: each run direct and compiled with equal results, what each
costs in transitions, and what is refused (with the supported spelling in the hint)."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.testing import ExecutionResult, run_direct, run_local


@activity(name="TlSquare")
def square(x: int) -> int:
    return x * x


def _both(orch: Any, value: Any) -> tuple[ExecutionResult, ExecutionResult]:
    direct = run_direct(orch, value)
    compiled = run_local(orch, value)
    assert (compiled.status, compiled.output, compiled.error) == (direct.status, direct.output, direct.error)
    assert compiled.activity_call_counts() == direct.activity_call_counts()
    return direct, compiled


@orchestrator(name="TlComprehension")
async def by_comprehension(ctx: OrchestrationContext) -> JsonValue:
    xs = ctx.get_input()
    return await ctx.task_all([ctx.call_activity(square, x) for x in xs])


@orchestrator(name="TlLoop")
async def by_loop(ctx: OrchestrationContext) -> JsonValue:
    xs = ctx.get_input()
    tasks = []
    for x in xs:
        tasks.append(ctx.call_activity(square, x))
    return await ctx.task_all(tasks)


@orchestrator(name="TlLoopWithBody")
async def by_loop_with_body(ctx: OrchestrationContext) -> JsonValue:
    xs = ctx.get_input()
    offset = 1
    tasks = []
    for i, x in enumerate(xs):
        if x is None:
            continue
        value = x + i + offset
        tasks.append(ctx.call_activity(square, value))
    results = await ctx.task_all(tasks)
    return {"results": results, "total": sum(r for r in results)}


@pytest.mark.parametrize("xs", [[1, 2, 3], [], [4]])
def test_a_task_list_built_in_a_loop_is_the_comprehension_map(xs: list[int]) -> None:
    _, comprehension = _both(by_comprehension, xs)
    direct, loop = _both(by_loop, xs)
    assert direct.output == [x * x for x in xs]
    assert len(loop.path) == len(comprehension.path), "the same Map, the same transitions"


@pytest.mark.parametrize("xs", [[1, None, 3], [], [None], [5, 6]])
def test_a_loop_body_that_computes_and_skips_runs_in_each_iteration(xs: list[Any]) -> None:
    direct, _ = _both(by_loop_with_body, xs)
    expected = [(x + i + 1) ** 2 for i, x in enumerate(xs) if x is not None]
    assert direct.output == {"results": expected, "total": sum(expected)}


@orchestrator(name="TlAppended")
async def appended(ctx: OrchestrationContext) -> JsonValue:
    x = ctx.get_input()
    tasks = []
    tasks.append(ctx.call_activity(square, x))
    t = ctx.call_activity(square, x + 1)
    tasks.append(t)
    tasks.append(ctx.call_activity(square, x + 2))
    first, second, third = await ctx.task_all(tasks)
    return [first, second, third]


def test_tasks_appended_one_by_one_are_a_parallel() -> None:
    direct, compiled = _both(appended, 2)
    assert direct.output == [4, 9, 16]
    assert any(name.startswith("Parallel") for name in compiled.path)


@orchestrator(name="TlAccumulate")
async def accumulate(ctx: OrchestrationContext) -> JsonValue:
    total = 0
    for x in ctx.get_input():
        total += await ctx.call_activity(square, x)
    return total


def test_an_awaited_result_accumulates_in_place() -> None:
    direct, _ = _both(accumulate, [1, 2, 3])
    assert direct.output == 14


LIMIT = 10


def clamp(value: int, limit: int = LIMIT) -> int:
    if value > limit:
        return limit
    return value


def squares(ctx: OrchestrationContext, xs: list[int]) -> list[Any]:
    return [ctx.call_activity(square, clamp(x)) for x in xs]


async def square_twice(ctx: OrchestrationContext, x: int) -> JsonValue:
    once = await ctx.call_activity(square, x)
    if once > 50:
        return once
    return await ctx.call_activity(square, once)


@orchestrator(name="TlHelpers")
async def with_helpers(ctx: OrchestrationContext) -> JsonValue:
    xs = ctx.get_input()
    clamped = [clamp(x) for x in xs]
    fanned = await ctx.task_all(squares(ctx, xs))
    chained = []
    for x in clamped:
        twice = await square_twice(ctx, x)
        chained.append(twice)
    pair_a, pair_b = fanned[0], chained[0]
    return {
        "clamped": clamped,
        "fanned": fanned,
        "chained": chained,
        "pair": [pair_a, pair_b],
    }


@pytest.mark.parametrize("xs", [[2, 30], [9]])
def test_helpers_compile_in_place(xs: list[int]) -> None:
    direct, _ = _both(with_helpers, xs)
    clamped = [min(x, 10) for x in xs]
    assert direct.output["clamped"] == clamped


PREAMBLE = """\
from durable_sfn import OrchestrationContext, orchestrator


def recursive(n):
    return 1 if n <= 1 else n * recursive(n - 1)


def reads_items(n):
    return items[n]


def loops(xs):
    for x in xs:
        return x


@orchestrator(name="Bad")
async def bad(ctx: OrchestrationContext):
    items = ctx.get_input()
"""


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            "tasks = []\nfor x in items:\n    y = await ctx.call_activity('A', x)\n    tasks.append(ctx.call_activity('B', y))\nreturn await ctx.task_all(tasks)",
            "DSF042",
            "await in a loop that builds a task list",
        ),
        (
            "tasks = []\nfor x in items:\n    tasks.append(ctx.call_activity('A', x))\n    tasks.append(ctx.call_activity('B', x))\nreturn await ctx.task_all(tasks)",
            "DSF042",
            "at most one task",
        ),
        (
            "tasks = items\nfor x in items:\n    tasks.append(ctx.call_activity('A', x))\nreturn await ctx.task_all(tasks)",
            "DSF042",
            "must be created empty",
        ),
        (
            "tasks = []\nfor x in items:\n    p = x\n    tasks.append(ctx.call_activity('A', p))\nr = await ctx.task_all(tasks)\nreturn p",
            "DSF042",
            "read outside it",
        ),
        (
            "tasks = []\nfor x in items:\n    tasks.append(ctx.call_activity('A', ctx.current_utc_datetime))\nreturn await ctx.task_all(tasks)",
            "DSF042",
            "ctx.current_utc_datetime",
        ),
        ("return recursive(3)", "DSF043", "calls itself"),
        ("return reads_items(0)", "DSF043", "also uses as variables"),
        ("x = loops(items)\nreturn x", "DSF043", "cannot return from inside a loop"),
        ("a, items[0] = items\nreturn a", "DSF022", "only names can be unpacked into"),
        ("a, b = 1, 2, 3\nreturn a", "DSF022", "Python raises ValueError"),
        ("return [a for a, b in items]", "DSF022", "unpack in a for statement (for a, b in pairs:"),
        ("g = (x for x in items)\nreturn 1", "DSF002", "generator expression"),
        (
            "return await ctx.task_any([ctx.call_activity('A', 1)])",
            "DSF028",
            "winner = await ctx.task_any([...])",
        ),
        (
            "return await ctx.create_timer(1, return_type=dict)",
            "DSF014",
            "unexpected keyword argument 'return_type'",
        ),
        (
            "tasks = []\nif items:\n    tasks.append(ctx.call_activity('A', 1))\nreturn await ctx.task_all(tasks)",
            "DSF042",
            "not a task list that can take this task here",
        ),
    ],
)
def test_what_is_refused_says_what_to_write(body: str, code: str, message: str) -> None:
    source = PREAMBLE + textwrap.indent(body, "    ") + "\n"
    with pytest.raises(CompileError) as info:
        compile_source(source, "bad.py")
    assert code in {d.code for d in info.value.diagnostics}, info.value
    assert message in str(info.value)
