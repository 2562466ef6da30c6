"""Both runners refuse an `events=` argument they cannot read before anything runs, saying what
to pass instead; a list of (name, data) pairs is the usual slip."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from durable_sfn import OrchestrationContext, orchestrator
from durable_sfn.testing import ScheduledEvent, run_direct, run_local


@orchestrator(name="AwaitsApproval")
async def awaits_approval(ctx: OrchestrationContext) -> Any:
    return await ctx.wait_for_external_event("Approval", timeout=timedelta(hours=1))


@pytest.mark.parametrize("runner", [run_direct, run_local], ids=["direct", "local"])
@pytest.mark.parametrize(
    ("events", "message"),
    [
        (
            [("Approval", {"by": "ana"})],
            r"events\[0\] is \('Approval'.*ScheduledEvent\(name, data, at=timedelta",
        ),
        ({1: "x"}, "an event name must be text"),
        ("Approval", "must be a dict {name: data} or a list of ScheduledEvent, not str"),
        (
            [ScheduledEvent("Approval", 1, at=5)],  # type: ignore[arg-type]
            r"events\[0\]: ScheduledEvent needs a text name and a timedelta",
        ),
    ],
)
def test_an_unreadable_events_argument_is_refused_with_what_to_pass(
    runner: Any, events: Any, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        runner(awaits_approval, None, events=events)


@pytest.mark.parametrize("runner", [run_direct, run_local], ids=["direct", "local"])
def test_both_forms_of_events_still_reach_the_orchestrator(runner: Any) -> None:
    assert runner(awaits_approval, None, events={"Approval": "yes"}).output == "yes"
    late = [ScheduledEvent("Approval", "late", at=timedelta(minutes=5))]
    assert runner(awaits_approval, None, events=late).output == "late"
