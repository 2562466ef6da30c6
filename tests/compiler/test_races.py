"""ctx.task_any / ctx.when_any: the first task to finish wins, direct and compiled alike.

The approval-with-timeout pattern written with task_any and written with
wait_for_external_event(timeout=) gives the same results; the transitions a race costs are
measured; the task API (`winner == task`, `.result`, `.get_result()`, `.is_completed`,
`timer.cancel()`) works on the race's records; anything else done with a task is refused.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.compiler import CompileError, compile_orchestrator, compile_source
from durable_sfn.testing import ExecutionResult, ScheduledEvent, run_direct, run_local

HOURS = 4


@activity(name="RacesRecordDecision")
def record_decision(decision: JsonValue) -> str:
    return f"recorded {decision}"


@orchestrator(name="RacesApprovalAny")
async def approval_any(ctx: OrchestrationContext) -> JsonValue:
    approval = ctx.wait_for_external_event("Approval")
    timer = ctx.create_timer(timedelta(hours=HOURS))
    winner = await ctx.task_any([approval, timer])
    if winner == approval:
        timer.cancel()
        return await ctx.call_activity(record_decision, approval.result)
    return "timed out"


@orchestrator(name="RacesApprovalTimeout")
async def approval_timeout(ctx: OrchestrationContext) -> JsonValue:
    try:
        decision = await ctx.wait_for_external_event("Approval", timeout=timedelta(hours=HOURS))
    except TimeoutError:
        return "timed out"
    return await ctx.call_activity(record_decision, decision)


@orchestrator(name="RacesApprovalPlainWait")
async def approval_plain_wait(ctx: OrchestrationContext) -> JsonValue:
    decision = await ctx.wait_for_external_event("Approval")
    return await ctx.call_activity(record_decision, decision)


@orchestrator(name="RacesInlineAny")
async def inline_any(ctx: OrchestrationContext) -> JsonValue:
    first = await ctx.task_any([ctx.wait_for_external_event("Left"), ctx.wait_for_external_event("Right")])
    await ctx.task_any([ctx.create_timer(timedelta(minutes=1))])
    return {"first": first.result, "done": first.is_completed}


EVENTS: list[Any] = [
    [ScheduledEvent("Approval", "yes", timedelta(minutes=10))],
    [ScheduledEvent("Approval", {"ok": False}, timedelta(hours=HOURS - 1))],
    [ScheduledEvent("Approval", "late", timedelta(hours=HOURS + 1))],
    None,
]


def _both(orch: Any, events: Any) -> tuple[ExecutionResult, ExecutionResult]:
    direct = run_direct(orch, None, events=events)
    compiled = run_local(orch, None, events=events)
    assert (compiled.status, compiled.output, compiled.error) == (direct.status, direct.output, direct.error)
    assert compiled.custom_status == direct.custom_status
    assert compiled.activity_calls == direct.activity_calls
    return direct, compiled


@pytest.mark.parametrize("events", EVENTS)
def test_task_any_and_a_wait_with_timeout_give_the_same_results(events: Any) -> None:
    raced, _ = _both(approval_any, events)
    waited, _ = _both(approval_timeout, events)
    assert (raced.status, raced.output, raced.activity_calls) == (
        waited.status,
        waited.output,
        waited.activity_calls,
    )


def test_a_race_costs_three_transitions_plus_the_losers_started_states() -> None:
    events = [ScheduledEvent("Approval", "yes", timedelta(minutes=10))]
    _, plain = _both(approval_plain_wait, events)
    _, raced = _both(approval_any, events)
    # Parallel + the winning wait + its Fail, and the losing branch's Wait, instead of one Task;
    # the Choice on the winner is one more.
    assert len(raced.path) == len(plain.path) + 4, (raced.path, plain.path)
    _, timed_out = _both(approval_any, None)
    # Parallel, Wait, event Task, Fail, the Choice on the winner and the return.
    assert len(timed_out.path) == 6, timed_out.path


@pytest.mark.parametrize(
    "events",
    [[ScheduledEvent("Right", 2, timedelta(seconds=5))], [ScheduledEvent("Left", 1, timedelta(seconds=1))]],
)
def test_inline_tasks_and_a_race_of_one(events: Any) -> None:
    direct, _ = _both(inline_any, events)
    assert direct.output == {"first": events[0].data, "done": True}


def test_task_any_compiles_to_a_parallel_caught_by_winner() -> None:
    states = compile_orchestrator(approval_any)["States"]
    race = next(s for s in states.values() if s["Type"] == "Parallel")
    assert [c["ErrorEquals"] for c in race["Catch"]] == [["DurableSfn.TaskAnyWinner"]]
    fails = [s for b in race["Branches"] for s in b["States"].values() if s["Type"] == "Fail"]
    assert [f["Error"] for f in fails] == ["DurableSfn.TaskAnyWinner"] * 2


HEADER = """
from datetime import timedelta
from durable_sfn import OrchestrationContext, orchestrator

@orchestrator(name="Bad")
async def bad(ctx: OrchestrationContext):
"""


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            "    a = ctx.wait_for_external_event('A')\n"
            "    winner = await ctx.task_any([a, ctx.create_timer(timedelta(hours=1))])\n"
            "    return winner\n",
            "DSF028",
        ),
        (
            "    a = ctx.wait_for_external_event('A')\n    await ctx.task_any([a])\n    return [a]\n",
            "DSF028",
        ),
        ("    await ctx.task_any([])\n", "DSF012"),
        ("    await ctx.task_any([42])\n", "DSF012"),
        ("    await ctx.task_any([ctx.get_input()])\n", "DSF005"),
        ("    ctx.task_any([ctx.create_timer(timedelta(hours=1))])\n", "DSF005"),
    ],
)
def test_what_a_race_refuses(body: str, code: str) -> None:
    with pytest.raises(CompileError) as info:
        compile_source(HEADER + body, "bad")
    assert code in {d.code for d in info.value.diagnostics}, str(info.value)
