"""Rounds of a race between a sub-orchestration, a Stop event and a timer, then a check that
may fail: task_any over three kinds of task in a loop, winner comparisons, .result, cancel()."""

import logging
from datetime import timedelta
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.testing import ScheduledEvent

log = logging.getLogger(__name__)


class Nope(Exception):
    pass


@activity(name="HbSlowCheck")
def slow_check(x: dict[str, Any]) -> str:
    if x.get("fail"):
        raise Nope("check failed")
    return "checked"


@orchestrator(name="HbChild")
async def child(ctx: OrchestrationContext) -> JsonValue:
    await ctx.create_timer(ctx.current_utc_datetime + timedelta(minutes=ctx.get_input()["child_minutes"]))
    return "child done"


@orchestrator(name="HbRaceMix")
async def race_mix(ctx: OrchestrationContext) -> JsonValue:
    x = ctx.get_input()
    rounds = []
    for _ in range(x["rounds"]):
        kid = ctx.call_sub_orchestrator(child, x)
        event = ctx.wait_for_external_event("Stop")
        timer = ctx.create_timer(ctx.current_utc_datetime + timedelta(minutes=30))
        winner = await ctx.task_any([kid, event, timer])
        if winner == event:
            rounds.append(f"stopped:{event.result}")
            break
        elif winner == kid:
            timer.cancel()
            rounds.append(kid.result)
        else:
            rounds.append("timeout" if timer.is_completed else "?")
    try:
        check = await ctx.call_activity(slow_check, x)
    except Nope as e:
        check = f"failed: {e}"
    log.info("rounds %s", rounds)
    return {"rounds": rounds, "check": check}


ORCHESTRATOR = race_mix
CONCURRENT = False
RUNS = [
    ({"rounds": 2, "child_minutes": 5}, None),
    ({"rounds": 2, "child_minutes": 50}, None),
    (
        {"rounds": 3, "child_minutes": 20, "fail": True},
        [ScheduledEvent("Stop", "boss", at=timedelta(minutes=30))],
    ),
    ({"rounds": 2, "child_minutes": 50}, {"Stop": "early"}),
]
