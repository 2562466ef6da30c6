"""A typed request raced against its own deadline: dataclass input fields feed the timer and the
activities; the approval's payload is read from the winner."""

from dataclasses import dataclass
from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.testing import ScheduledEvent


@dataclass
class ExpenseRequest:
    request_id: str
    amount: float
    approver: str
    wait_hours: int = 48


@activity(name="TypedNotifyApprover")
def notify_approver(note: dict[str, JsonValue]) -> str:
    return f"notified {note['approver']} about {note['amount']}"


@activity(name="TypedPayExpense")
def pay_expense(payment: dict[str, JsonValue]) -> str:
    return f"paid {payment['amount']} for {payment['id']}"


@orchestrator(name="TypedApprovalRace")
async def typed_approval_race(ctx: OrchestrationContext, request: ExpenseRequest) -> JsonValue:
    if request.amount < 50:
        paid = await ctx.call_activity(pay_expense, {"amount": request.amount, "id": request.request_id})
        return {"auto": True, "result": paid}
    await ctx.call_activity(notify_approver, {"approver": request.approver, "amount": request.amount})
    decision = ctx.wait_for_external_event("ExpenseDecision")
    deadline = ctx.create_timer(timedelta(hours=request.wait_hours))
    winner = await ctx.task_any([decision, deadline])
    if winner != decision:
        return {"auto": False, "result": "expired", "waited": request.wait_hours}
    deadline.cancel()
    if not winner.result["approved"]:
        return {"auto": False, "result": "rejected"}
    paid = await ctx.call_activity(pay_expense, {"amount": request.amount, "id": request.request_id})
    return {"auto": False, "result": paid}


ORCHESTRATOR = typed_approval_race
CONCURRENT = False
SMALL = {"request_id": "e-1", "amount": 20, "approver": "pam"}
BIG = {"request_id": "e-2", "amount": 500, "approver": "pam", "wait_hours": 24}
INPUTS: list[JsonValue] = [SMALL, BIG]
RUNS: list[tuple[JsonValue, JsonValue]] = [
    (SMALL, None),
    (BIG, [ScheduledEvent("ExpenseDecision", {"approved": True}, timedelta(hours=3))]),
    (BIG, [ScheduledEvent("ExpenseDecision", {"approved": False}, timedelta(hours=23))]),
    (BIG, [ScheduledEvent("ExpenseDecision", {"approved": True}, timedelta(hours=25))]),
    # No wait_hours: the field's default (48) applies in both runs.
    (
        {k: v for k, v in BIG.items() if k != "wait_hours"},
        [ScheduledEvent("ExpenseDecision", {"approved": True}, timedelta(hours=25))],
    ),
    ({k: v for k, v in BIG.items() if k != "wait_hours"}, None),
]
