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


@activity(name="RacesEcho")
def echo(value: JsonValue) -> JsonValue:
    return value


@orchestrator(name="RacesInHelperAndLoop")
async def in_helper_and_loop(ctx: OrchestrationContext) -> JsonValue:
    async def event_or_nothing(name: str) -> JsonValue:
        event = ctx.wait_for_external_event(name)
        timer = ctx.create_timer(timedelta(minutes=5))
        winner = await ctx.task_any([event, timer])
        if winner == event:
            return event.result
        return None

    reminders = 0
    while reminders < 3:
        paid = ctx.wait_for_external_event("Paid")
        day = ctx.create_timer(timedelta(days=1))
        winner = await ctx.task_any([paid, day])
        if winner == paid:
            break
        reminders += 1
    note = await event_or_nothing("Note")
    return {"reminders": reminders, "paid": paid.get_result(), "note": note}


@orchestrator(name="RacesActivityResult")
async def activity_result(ctx: OrchestrationContext, value: JsonValue) -> JsonValue:
    answer = ctx.call_activity(echo, value)
    deadline = ctx.create_timer(timedelta(minutes=1))
    winner = await ctx.task_any([answer, deadline])
    return {"value": winner.result, "answered": answer.is_completed, "late": deadline.is_completed}


@activity(name="RacesQuote")
def supplier_quote(supplier: str) -> JsonValue:
    if supplier == "closed":
        raise ValueError(f"{supplier} gives no quote")
    return {"supplier": supplier, "price": len(supplier)}


@orchestrator(name="RacesFirstOfN")
async def first_of_n(ctx: OrchestrationContext, suppliers: JsonValue) -> JsonValue:
    tasks = [ctx.call_activity(supplier_quote, s) for s in suppliers]
    first = await ctx.task_any(tasks)
    return {"first": first.result, "done": first.is_completed}


@orchestrator(name="RacesFirstAnswer")
async def first_answer(ctx: OrchestrationContext, names: JsonValue) -> JsonValue:
    answers = [ctx.wait_for_external_event(name) for name in names]
    first = await ctx.task_any(answers)
    return first.result


@orchestrator(name="RacesFirstOfLoop")
async def first_of_loop(ctx: OrchestrationContext, suppliers: JsonValue) -> JsonValue:
    tasks = []
    for s in suppliers:
        tasks.append(ctx.call_activity(supplier_quote, s))
    first = await ctx.when_any(tasks)
    return first.get_result()


class ChildBroke(Exception):
    pass


@orchestrator(name="RacesChild")
async def slow_child(ctx: OrchestrationContext, minutes: JsonValue) -> JsonValue:
    if minutes == "bad":
        raise ChildBroke("child broke")
    await ctx.create_timer(timedelta(minutes=minutes))
    return f"child after {minutes}"


@orchestrator(name="RacesChildOrDeadline")
async def child_or_deadline(ctx: OrchestrationContext, minutes: JsonValue) -> JsonValue:
    try:
        work = ctx.call_sub_orchestrator(slow_child, minutes)
        deadline = ctx.create_timer(timedelta(minutes=5))
        winner = await ctx.task_any([work, deadline])
    except ChildBroke as e:
        return {"caught": str(e), "name": type(e).__name__}
    return {"child": work.result, "late": winner == deadline}


EVENTS: list[Any] = [
    [ScheduledEvent("Approval", "yes", timedelta(minutes=10))],
    [ScheduledEvent("Approval", {"ok": False}, timedelta(hours=HOURS - 1))],
    [ScheduledEvent("Approval", "late", timedelta(hours=HOURS + 1))],
    None,
]


def _both(orch: Any, events: Any, value: Any = None) -> tuple[ExecutionResult, ExecutionResult]:
    direct = run_direct(orch, value, events=events)
    compiled = run_local(orch, value, events=events)
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
        (
            "    a = ctx.wait_for_external_event('A')\n    await ctx.task_any([a])\n    return a.is_complete\n",
            "DSF028",
        ),
        (
            "    ts = [ctx.call_activity('A', x) for x in ctx.get_input()]\n"
            "    w = await ctx.task_any(ts)\n    return w == ts[0]\n",
            "DSF028",
        ),
        ("    return await ctx.task_any([ctx.create_timer(timedelta(hours=1))])\n", "DSF028"),
        ("    await ctx.task_all([ctx.task_any([ctx.create_timer(timedelta(hours=1))])])\n", "DSF028"),
        (
            "    a = ctx.wait_for_external_event('A')\n    await ctx.task_any([a])\n    return await a\n",
            "DSF028",
        ),
        ("    await ctx.task_any([42])\n", "DSF012"),
        ("    await ctx.task_any([ctx.get_input()])\n", "DSF005"),
        ("    ctx.task_any([ctx.create_timer(timedelta(hours=1))])\n", "DSF005"),
    ],
)
def test_what_a_race_refuses(body: str, code: str) -> None:
    with pytest.raises(CompileError) as info:
        compile_source(HEADER + body, "bad")
    assert code in {d.code for d in info.value.diagnostics}, str(info.value)


@pytest.mark.parametrize(
    "events",
    [
        None,
        [
            ScheduledEvent("Paid", 10, timedelta(days=1, hours=2)),
            ScheduledEvent("Note", "hi", timedelta(days=1, hours=3)),
        ],
        [
            ScheduledEvent("Note", "early", timedelta(hours=1)),
            ScheduledEvent("Paid", 5, timedelta(days=2, hours=1)),
        ],
    ],
)
def test_races_in_a_helper_and_a_loop(events: Any) -> None:
    direct, _ = _both(in_helper_and_loop, events)
    assert direct.status == "SUCCEEDED"


@pytest.mark.parametrize("value", [{"a": [1.5, "x", None, True]}, 12345678901234])
def test_a_winner_result_arrives_unchanged(value: Any) -> None:
    direct, _ = _both(activity_result, None, value)
    assert direct.output == {"value": value, "answered": True, "late": False}


@pytest.mark.parametrize("value", [0.1 + 0.2, {"deep": [2**53 - 1]}])
def test_a_result_that_text_would_change_fails_instead_of_arriving_altered(value: Any) -> None:
    assert run_direct(activity_result, value).output["value"] == value
    compiled = run_local(activity_result, value)
    assert compiled.status == "FAILED" and compiled.cause is not None
    assert "UnsupportedValueError" in compiled.cause


@pytest.mark.parametrize(
    ("orch", "suppliers", "error"),
    [
        (first_of_n, ["acme"], None),
        (first_of_n, [], "ValueError"),
        (first_of_loop, ["initech"], None),
        (first_of_loop, ["closed"], "ValueError"),
    ],
)
def test_first_of_a_list_of_tasks(orch: Any, suppliers: Any, error: str | None) -> None:
    direct, compiled = _both(orch, None, suppliers)
    assert direct.error == error
    if error is None:
        assert compiled.path[0].startswith("Map")


@pytest.mark.parametrize(
    "events",
    [
        [
            ScheduledEvent("Late", "late", timedelta(minutes=9)),
            ScheduledEvent("Early", "early", timedelta(minutes=2)),
        ],
        [ScheduledEvent("Late", "late", timedelta(minutes=1))],
    ],
)
def test_first_of_n_goes_to_the_first_to_finish(events: Any) -> None:
    direct, _ = _both(first_answer, events, ["Early", "Late", "Never"])
    assert direct.output == events[-1].data


@pytest.mark.parametrize(
    ("minutes", "output"),
    [
        (1, {"child": "child after 1", "late": False}),
        (9, {"child": None, "late": True}),
        ("bad", {"caught": "child broke", "name": "ChildBroke"}),
    ],
)
def test_a_sub_orchestration_against_a_deadline(minutes: Any, output: Any) -> None:
    direct, _ = _both(child_or_deadline, None, minutes)
    assert direct.output == output
