"""First of N: page three on-call engineers, take whoever acknowledges first; give up after a
deadline. Tasks passed inline and by name, Durable's `when_any` spelling, `get_result()`."""

from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.testing import ScheduledEvent


@activity(name="RacePageEngineers")
def page_engineers(incident: dict[str, JsonValue]) -> int:
    return len(incident["oncall"])  # type: ignore[arg-type]


@activity(name="RaceAssignIncident")
def assign_incident(assignment: dict[str, JsonValue]) -> str:
    return f"{assignment['incident']} -> {assignment['engineer']}"


@orchestrator(name="RaceFirstResponder")
async def race_first_responder(ctx: OrchestrationContext) -> JsonValue:
    incident = ctx.get_input()
    paged = await ctx.call_activity(page_engineers, incident)
    primary = ctx.wait_for_external_event("AckPrimary")
    secondary = ctx.wait_for_external_event("AckSecondary")
    deadline = ctx.create_timer(timedelta(minutes=15))
    first = await ctx.when_any([primary, secondary, deadline])
    if first == deadline:
        ctx.set_custom_status({"paged": paged, "acknowledged": False})
        return {"assigned": None, "escalate": True}
    engineer = first.get_result()
    who = "primary" if first == primary else "secondary"
    summary = await ctx.call_activity(assign_incident, {"incident": incident["id"], "engineer": engineer})
    ctx.set_custom_status({"paged": paged, "acknowledged": True})
    return {"assigned": summary, "via": who, "secondaryDone": secondary.is_completed}


ORCHESTRATOR = race_first_responder
CONCURRENT = False
INCIDENT = {"id": "inc-9", "oncall": ["kim", "lee", "max"]}
INPUTS: list[JsonValue] = [INCIDENT]
RUNS: list[tuple[JsonValue, JsonValue]] = [
    (INCIDENT, [ScheduledEvent("AckSecondary", "lee", timedelta(minutes=3))]),
    (
        INCIDENT,
        [
            ScheduledEvent("AckPrimary", "kim", timedelta(minutes=5)),
            ScheduledEvent("AckSecondary", "lee", timedelta(minutes=7)),
        ],
    ),
    (INCIDENT, [ScheduledEvent("AckPrimary", "kim", timedelta(minutes=20))]),
]
