"""Wait for a payment confirmation, reminding the customer each day, three times at most: a race
of an event against a timer inside a while loop, with the winner compared by identity."""

from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.testing import ScheduledEvent


@activity(name="RaceSendReminder")
def send_reminder(reminder: dict[str, JsonValue]) -> str:
    return f"reminder {reminder['n']} to {reminder['customer']}"


@activity(name="RaceCancelInvoice")
def cancel_invoice(invoice: str) -> str:
    return f"cancelled {invoice}"


@orchestrator(name="RacePaymentReminders")
async def race_payment_reminders(ctx: OrchestrationContext) -> JsonValue:
    invoice = ctx.get_input()
    reminders = 0
    while reminders < 3:
        paid = ctx.wait_for_external_event("PaymentConfirmed")
        day = ctx.create_timer(ctx.current_utc_datetime + timedelta(days=1))
        winner = await ctx.task_any([paid, day])
        if winner == paid:
            day.cancel()
            ctx.set_custom_status("paid")
            return {"paid": paid.result, "reminders": reminders}
        reminders += 1
        await ctx.call_activity(send_reminder, {"n": reminders, "customer": invoice["customer"]})
        ctx.set_custom_status(f"reminded {reminders}x")
    result = await ctx.call_activity(cancel_invoice, invoice["id"])
    return {"paid": None, "reminders": reminders, "result": result}


ORCHESTRATOR = race_payment_reminders
CONCURRENT = False
INVOICE = {"id": "inv-3", "customer": "cy"}
INPUTS: list[JsonValue] = [INVOICE]
RUNS: list[tuple[JsonValue, JsonValue]] = [
    (INVOICE, [ScheduledEvent("PaymentConfirmed", {"amount": 30}, timedelta(hours=5))]),
    (INVOICE, [ScheduledEvent("PaymentConfirmed", {"amount": 31}, timedelta(hours=50))]),
    (INVOICE, None),
]
