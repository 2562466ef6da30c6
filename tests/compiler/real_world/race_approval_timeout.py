"""Human interaction, Durable style: race the approval event against a timer with task_any,
cancel the timer when the approval wins, and read the winner's result."""

from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.testing import ScheduledEvent


@activity(name="RaceSendApprovalRequest")
def send_approval_request(request: dict[str, JsonValue]) -> str:
    return f"mailed {request['approver']}"


@activity(name="RaceProcessApproval")
def process_approval(decision: dict[str, JsonValue]) -> str:
    return "approved" if decision["approved"] else "rejected"


@activity(name="RaceEscalate")
def escalate(request: dict[str, JsonValue]) -> str:
    return f"escalated {request['id']}"


@orchestrator(name="RaceApprovalTimeout")
async def race_approval_timeout(ctx: OrchestrationContext) -> JsonValue:
    request = ctx.get_input()
    await ctx.call_activity(send_approval_request, request)
    deadline = ctx.current_utc_datetime + timedelta(hours=request["hours"])
    timeout_task = ctx.create_timer(deadline)
    approval_task = ctx.wait_for_external_event("ApprovalEvent")
    winner = await ctx.task_any([approval_task, timeout_task])
    if winner == approval_task:
        timeout_task.cancel()
        decision = approval_task.result
        outcome = await ctx.call_activity(process_approval, decision)
        return {"outcome": outcome, "timedOut": timeout_task.is_completed, "by": decision["by"]}
    ctx.set_custom_status("escalated")
    note = await ctx.call_activity(escalate, request)
    return {"outcome": note, "timedOut": timeout_task.is_completed, "approval": approval_task.get_result()}


ORCHESTRATOR = race_approval_timeout
CONCURRENT = False
REQUEST = {"id": "po-12", "approver": "ana", "hours": 2}
INPUTS: list[JsonValue] = [REQUEST]
RUNS: list[tuple[JsonValue, JsonValue]] = [
    (REQUEST, [ScheduledEvent("ApprovalEvent", {"approved": True, "by": "ana"}, timedelta(minutes=30))]),
    (REQUEST, [ScheduledEvent("ApprovalEvent", {"approved": False, "by": "bo"}, timedelta(hours=1))]),
    (REQUEST, [ScheduledEvent("ApprovalEvent", {"approved": True, "by": "late"}, timedelta(hours=3))]),
    (REQUEST, None),
]
