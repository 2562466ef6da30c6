"""A loop whose body computes a payload, skips some recipients with `continue` and appends at most
one task per recipient (each iteration's result list is joined after the Map)."""

import logging

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

logger = logging.getLogger(__name__)


@activity(name="RwSendEmail")
def send_email(message: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"to": message["to"], "queued": True}


@orchestrator(name="RwEmailCampaign")
async def email_campaign(ctx: OrchestrationContext) -> JsonValue:
    campaign = ctx.get_input()
    subject = campaign["subject"]
    sends = []
    for person in campaign["recipients"]:
        if person.get("unsubscribed"):
            logger.info("Skipping %s", person["email"])
            continue
        greeting = f"Hello {person['name']}" if person.get("name") else "Hello"
        sends.append(
            ctx.call_activity(send_email, {"to": person["email"], "subject": subject, "body": greeting})
        )
    receipts = await ctx.task_all(sends)
    print("Queued", len(receipts), "of", len(campaign["recipients"]))
    return {"queued": [r["to"] for r in receipts], "count": sum(1 for r in receipts if r["queued"])}


ORCHESTRATOR = email_campaign
CONCURRENT = True
INPUTS: list[JsonValue] = [
    {
        "subject": "Spring sale",
        "recipients": [
            {"email": "a@x.io", "name": "Ann"},
            {"email": "b@x.io", "unsubscribed": True},
            {"email": "c@x.io"},
        ],
    },
    {"subject": "Empty", "recipients": []},
]
