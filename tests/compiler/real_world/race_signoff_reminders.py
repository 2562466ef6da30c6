"""Wait for a sign-off, sending a reminder each day it does not come, at most three times."""

import logging
from datetime import timedelta
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.testing import ScheduledEvent

logger = logging.getLogger("signoff")
MAX_REMINDERS = 3


@activity(name="HbSendReminder")
def send_reminder(req: dict[str, Any]) -> str:
    return f"reminder {req['n']} to {req['to']}"


@orchestrator(name="HbReminderLoop")
async def reminder_loop(context: OrchestrationContext) -> JsonValue:
    req = context.get_input()
    sent: list[str] = []
    for n in range(1, MAX_REMINDERS + 1):
        signoff = context.wait_for_external_event("SignOff")
        day = context.create_timer(context.current_utc_datetime + timedelta(days=1))
        first = await context.when_any([signoff, day])
        if first == signoff:
            day.cancel()
            who = signoff.get_result()
            logger.info("signed off by %s after %d reminder(s)", who, len(sent))
            return {"signed": True, "by": who, "reminders": sent}
        note = await context.call_activity(send_reminder, {"n": n, "to": req["owner"]})
        sent.append(note)
        context.set_custom_status(f"{n} reminder(s) sent")
    logger.warning("no sign-off from %s", req["owner"])
    return {"signed": False, "reminders": sent}


ORCHESTRATOR = reminder_loop
CONCURRENT = False
RUNS = [
    ({"owner": "dana"}, [ScheduledEvent("SignOff", "dana", at=timedelta(hours=30))]),
    ({"owner": "eli"}, None),
    ({"owner": "fay"}, {"SignOff": "boss"}),
]
