"""Human interaction: wait for an approval with a timeout, escalate once, replay-safe logging
with `ctx.is_replaying`, print() for quick diagnostics."""

import logging
from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.testing import ScheduledEvent

logger = logging.getLogger(__name__)
APPROVAL_TIMEOUT = timedelta(hours=24)


@activity(name="RwRequestApproval")
def request_approval(request: dict[str, JsonValue]) -> str:
    return f"asked {request['approver']} about {request['id']}"


@activity(name="RwApplyDecision")
def apply_decision(decision: dict[str, JsonValue]) -> str:
    return "applied" if decision["approved"] else "rejected"


@orchestrator(name="RwApprovalEscalation")
async def approval_escalation(ctx: OrchestrationContext) -> JsonValue:
    request = ctx.get_input()
    approvers = [request["manager"], request["director"]]
    for level, approver in enumerate(approvers, 1):
        if not ctx.is_replaying:
            logger.info("Asking %s (level %d) to approve %s", approver, level, request["id"])
        await ctx.call_activity(request_approval, {"approver": approver, "id": request["id"]})
        try:
            decision = await ctx.wait_for_external_event("Approval", timeout=APPROVAL_TIMEOUT, data_type=dict)
        except TimeoutError:
            print("No answer from", approver, "after", 24, "hours")
            continue
        outcome = await ctx.call_activity(apply_decision, decision)
        logger.info("%s decided: %s", approver, outcome)
        return {"decidedBy": approver, "level": level, "outcome": outcome}
    logger.error("Nobody approved %s", request["id"])
    return {"decidedBy": None, "level": 0, "outcome": "expired"}


ORCHESTRATOR = approval_escalation
CONCURRENT = False
REQUEST = {"id": "req-7", "manager": "mia", "director": "dan"}
INPUTS: list[JsonValue] = [REQUEST]
# (input, events): approved by the manager at once, by the director after the manager's timeout,
# and by nobody.
RUNS: list[tuple[JsonValue, JsonValue]] = [
    (REQUEST, {"Approval": {"approved": True}}),
    (REQUEST, [ScheduledEvent("Approval", {"approved": False}, timedelta(hours=30))]),
    (REQUEST, None),
]
