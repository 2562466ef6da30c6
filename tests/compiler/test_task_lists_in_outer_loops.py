"""A task list built by a loop inside another loop (a fan-out per batch) is the canonical Durable
idiom too: the inner loop is the task list, the outer loop an ordinary loop around its task_all.
One list filled by nested loops whose innermost body only appends a task is one fan-out over
every combination, in Python's order."""

from __future__ import annotations

import pytest

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.compiler import CompileError, compile_orchestrator
from durable_sfn.testing import run_direct, run_local


@activity(name="NestedDouble")
def double(n: int) -> int:
    return n * 2


@orchestrator(name="FanOutPerBatch")
async def fan_out_per_batch(ctx: OrchestrationContext) -> JsonValue:
    totals = []
    for batch in ctx.get_input():
        tasks = []
        for x in batch:
            tasks.append(ctx.call_activity(double, x))
        results = await ctx.task_all(tasks)
        totals.append(sum(results))
    return totals


@orchestrator(name="OneListTwoLoops")
async def one_list_two_loops(ctx: OrchestrationContext) -> JsonValue:
    tasks = []
    for batch in ctx.get_input():
        for x in batch:
            tasks.append(ctx.call_activity(double, x))
    return await ctx.task_all(tasks)


@pytest.mark.parametrize("batches", [[[1, 2], [3], []], [], [[5]]])
def test_a_task_list_per_batch_runs_alike_direct_and_compiled(batches: JsonValue) -> None:
    direct, local = run_direct(fan_out_per_batch, batches), run_local(fan_out_per_batch, batches)
    assert direct.status == local.status == "SUCCEEDED"
    assert direct.output == local.output == [2 * sum(b) for b in batches]  # type: ignore[union-attr]
    assert sorted(c.input for c in direct.activity_calls) == sorted(c.input for c in local.activity_calls)


@pytest.mark.parametrize("batches", [[[1, 2], [3], []], [], [[5]]])
def test_one_list_filled_across_two_loops_fans_out_over_every_item(batches: JsonValue) -> None:
    direct, local = run_direct(one_list_two_loops, batches), run_local(one_list_two_loops, batches)
    assert direct.status == local.status == "SUCCEEDED"
    assert direct.output == local.output == [2 * x for b in batches for x in b]  # type: ignore[union-attr]


@orchestrator(name="OneListTwoLoopsWithWork")
async def one_list_two_loops_with_work(ctx: OrchestrationContext) -> JsonValue:
    tasks = []
    for batch in ctx.get_input():
        for x in batch:
            doubled = x * 2
            tasks.append(ctx.call_activity(double, doubled))
    return await ctx.task_all(tasks)


def test_nested_loops_that_compute_before_appending_are_refused_at_the_inner_loop() -> None:
    with pytest.raises(CompileError) as raised:
        compile_orchestrator(one_list_two_loops_with_work)
    first = raised.value.diagnostics[0]
    assert (first.code, first.line) == ("DSF042", one_list_two_loops_with_work.__code__.co_firstlineno + 4)
