"""What a race costs: state transitions of `ctx.task_any` forms against the code they replace,
and of typed attribute access against subscripts.

A race is a Parallel with one branch per task; the branch that finishes first fails with
`DurableSfn.TaskAnyWinner`, which ends the others and is caught to assign the winner. Each case
runs on the local engine with events raised at fixed times (a virtual clock) and counts the
states entered (what Step Functions bills).

    python -m benchmarks race_transitions
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.testing import ScheduledEvent, run_direct, run_local


@activity(name="RaceBenchLookup")
def lookup(key: JsonValue) -> JsonValue:
    return {"key": key}


@orchestrator(name="RaceBenchPlainWait")
async def plain_wait(ctx: OrchestrationContext) -> JsonValue:
    return await ctx.wait_for_external_event("Approval")


@orchestrator(name="RaceBenchWaitTimeout")
async def wait_timeout(ctx: OrchestrationContext) -> JsonValue:
    try:
        return await ctx.wait_for_external_event("Approval", timeout=timedelta(hours=1))
    except TimeoutError:
        return "timed out"


@orchestrator(name="RaceBenchEventTimer")
async def event_timer(ctx: OrchestrationContext) -> JsonValue:
    approval = ctx.wait_for_external_event("Approval")
    timer = ctx.create_timer(timedelta(hours=1))
    winner = await ctx.task_any([approval, timer])
    if winner == approval:
        timer.cancel()
        return approval.result
    return "timed out"


@orchestrator(name="RaceBenchThreeWay")
async def three_way(ctx: OrchestrationContext) -> JsonValue:
    approval = ctx.wait_for_external_event("Approval")
    rejection = ctx.wait_for_external_event("Rejection")
    timer = ctx.create_timer(timedelta(hours=1))
    winner = await ctx.when_any([approval, rejection, timer])
    return winner.result


@orchestrator(name="RaceBenchPlainActivity")
async def plain_activity(ctx: OrchestrationContext) -> JsonValue:
    return await ctx.call_activity(lookup, "a")


@orchestrator(name="RaceBenchActivityTimer")
async def activity_timer(ctx: OrchestrationContext) -> JsonValue:
    answer = ctx.call_activity(lookup, "a")
    deadline = ctx.create_timer(timedelta(minutes=5))
    winner = await ctx.task_any([answer, deadline])
    return winner.result


@orchestrator(name="RaceBenchFirstOfN")
async def first_of_n(ctx: OrchestrationContext, names: JsonValue) -> JsonValue:
    answers = [ctx.wait_for_external_event(name) for name in names]
    first = await ctx.task_any(answers)
    return first.result


@orchestrator(name="RaceBenchAllEvents")
async def all_events(ctx: OrchestrationContext, names: JsonValue) -> JsonValue:
    return await ctx.task_all([ctx.wait_for_external_event(name) for name in names])


@orchestrator(name="RaceBenchAll")
async def all_of_n(ctx: OrchestrationContext, keys: JsonValue) -> JsonValue:
    return await ctx.task_all([ctx.call_activity(lookup, k) for k in keys])


@dataclass
class Order:
    customer: str
    amount: int
    priority: str = "normal"


@orchestrator(name="RaceBenchSubscripts")
async def subscripts(ctx: OrchestrationContext, order: JsonValue) -> JsonValue:
    return [order["customer"], order["amount"] * 2, order.get("priority", "normal")]


@orchestrator(name="RaceBenchTyped")
async def typed(ctx: OrchestrationContext, order: Order) -> JsonValue:
    return [order.customer, order.amount * 2, order.priority]


APPROVAL = [ScheduledEvent("Approval", "yes", timedelta(minutes=10))]
ORDER = {"customer": "ada", "amount": 3}
THREE = [ScheduledEvent(n, n, timedelta(minutes=m)) for n, m in (("B", 1), ("A", 2), ("C", 3))]
Case = tuple[str, Callable[..., Any], JsonValue, Any]
CASES: list[Case] = [
    ("wait_for_external_event, event", plain_wait, None, APPROVAL),
    ("wait(timeout=), event", wait_timeout, None, APPROVAL),
    ("wait(timeout=), timeout", wait_timeout, None, None),
    ("task_any event/timer, event", event_timer, None, APPROVAL),
    ("task_any event/timer, timer", event_timer, None, None),
    ("when_any 2 events/timer, event", three_way, None, APPROVAL),
    ("when_any 2 events/timer, timer", three_way, None, None),
    ("call_activity", plain_activity, None, None),
    ("task_any activity/timer", activity_timer, None, None),
    ("task_all of 3 activities", all_of_n, ["a", "b", "c"], None),
    ("task_all of 3 events", all_events, ["A", "B", "C"], THREE),
    ("task_any of 3 events (Map)", first_of_n, ["A", "B", "C"], THREE),
    ("subscripts order['x']", subscripts, ORDER, None),
    ("typed order.x", typed, ORDER, None),
]


def main() -> int:
    print(f"{'case':<34}{'transitions':>12}  path")
    for label, orch, value, events in CASES:
        compiled = run_local(orch, value, events=events)
        direct = run_direct(orch, value, events=events)
        assert compiled.succeeded and (compiled.output == direct.output), (label, compiled, direct)
        print(f"{label:<34}{len(compiled.path):>12}  {' > '.join(compiled.path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
