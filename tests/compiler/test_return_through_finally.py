"""`return` out of a `try ... finally`: the value is taken when the `return` runs, the finally
block runs (releasing a lock, reporting a status), then the function returns that value, as in
Python; `ctx.continue_as_new(...)` runs the finally block before the new generation starts. An error the finally block raises replaces the return, and a finally block that changes a
list the returned value holds is refused (DSF051).

Each orchestrator runs direct and compiled on inputs that take every path.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.testing import run_direct, run_local


class Busy(Exception):
    pass


@activity(name="RfLock")
def lock(key: str) -> str:
    if key == "busy":
        raise Busy(f"{key} is locked")
    return f"lock:{key}"


@activity(name="RfRelease")
def release(key: str) -> str:
    if key == "stuck":
        raise KeyError(key)
    return f"released:{key}"


@activity(name="RfWork")
def work(key: str) -> str:
    if key == "broken":
        raise RuntimeError(f"{key} failed")
    return f"done:{key}"


@orchestrator(name="RfLockedWork")
async def locked_work(ctx: OrchestrationContext) -> JsonValue:
    key = ctx.get_input()
    await ctx.call_activity(lock, key)
    try:
        return await ctx.call_activity(work, key)
    finally:
        await ctx.call_activity(release, key)
        ctx.set_custom_status("released")


@orchestrator(name="RfNested")
async def nested(ctx: OrchestrationContext) -> JsonValue:
    key = ctx.get_input()
    steps: list[JsonValue] = []
    total = 0
    try:
        for i in range(4):
            try:
                if i == 2:
                    result = await ctx.call_activity(work, key)
                    return {"result": result, "steps": list(steps), "total": total}
                steps.append(i)
                total += i
            except RuntimeError as e:
                return f"failed at {i}: {e}"
            finally:
                steps.append(f"after {i}")
                total = -1
    finally:
        ctx.set_custom_status({"steps": steps, "total": total})
    return "not reached"


@orchestrator(name="RfValueFirst")
async def value_first(ctx: OrchestrationContext) -> JsonValue:
    n = ctx.get_input()
    try:
        if n > 0:
            return n * 10
        n = n - 1
    finally:
        n = 99
        if n > 100:
            raise ValueError("never")
    return n


@orchestrator(name="RfInBranches")
async def in_branches(ctx: OrchestrationContext) -> JsonValue:
    keys = ctx.get_input()

    async def one(key: str) -> JsonValue:
        try:
            if key == "skip":
                return "skipped"
            return await ctx.call_activity(work, key)
        finally:
            await ctx.call_activity(release, key)

    return await ctx.task_all([one(k) for k in keys])


@orchestrator(name="RfContinueAsNew")
async def continue_as_new(ctx: OrchestrationContext) -> JsonValue:
    """An eternal orchestration whose finally block runs in every generation."""
    round_ = ctx.get_input()
    try:
        if round_ < 2:
            ctx.continue_as_new(round_ + 1)
        result = await ctx.call_activity(work, f"round {round_}")
    finally:
        await ctx.call_activity(release, f"round {round_}")
    return result


CASES: list[tuple[Any, list[Any]]] = [
    (locked_work, ["a", "busy", "broken", "stuck"]),
    (nested, ["a", "broken"]),
    (value_first, [3, 0, -2]),
    (in_branches, [["a", "skip"], ["skip", "b", "c"], ["broken"], []]),
    (continue_as_new, [0, 2]),
]


@pytest.mark.parametrize(
    ("orch", "value"),
    [(orch, value) for orch, values in CASES for value in values],
    ids=[f"{orch.__name__}-{value}" for orch, values in CASES for value in values],
)
def test_a_return_runs_the_finally_block_first(orch: Any, value: Any) -> None:
    direct = run_direct(orch, value)
    compiled = run_local(orch, value)
    assert (compiled.status, compiled.output, compiled.error) == (direct.status, direct.output, direct.error)
    assert compiled.custom_status == direct.custom_status
    calls = [[(c.name, c.input) for c in r.activity_calls] for r in (direct, compiled)]
    if orch is in_branches:  # branches run concurrently
        calls = [sorted(c) for c in calls]
    assert calls[1] == calls[0]


def test_the_released_lock_and_the_returned_value() -> None:
    result = run_local(locked_work, "a")
    assert (result.output, result.custom_status) == ("done:a", "released")
    assert [c.name for c in result.activity_calls] == ["RfLock", "RfWork", "RfRelease"]
    stuck = run_local(locked_work, "stuck")
    assert (stuck.status, stuck.error) == ("FAILED", "KeyError")
    assert run_local(nested, "a").output == {
        "result": "done:a",
        "steps": [0, "after 0", 1, "after 1"],
        "total": -1,
    }


def test_a_finally_block_changing_the_returned_list_is_refused() -> None:
    source = textwrap.dedent(
        """\
        from durable_sfn import orchestrator


        @orchestrator(name="P")
        async def p(ctx):
            log = []
            try:
                return {"log": log}
            finally:
                log.append("cleaned")
        """
    )
    with pytest.raises(CompileError) as refused:
        compile_source(source, "returns.py")
    assert str(refused.value).startswith(
        "returns.py:10:9: DSF051 'log' is changed in place here, after the return at line 8"
    )


def test_every_generation_runs_its_finally_block() -> None:
    result = run_local(continue_as_new, 0)
    assert result.output == "done:round 2"
    assert [c.input for c in result.activity_calls if c.name == "RfRelease"] == [
        "round 0",
        "round 1",
        "round 2",
    ]
