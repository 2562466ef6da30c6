"""Each document waits for its approval raced against a deadline; a timeout escalates."""

import logging
from datetime import timedelta
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.testing import ScheduledEvent

logger = logging.getLogger("approvals")


@activity(name="HbEscalate")
def escalate(doc: dict[str, Any]) -> str:
    return f"escalated {doc['title']} to {doc.get('manager') or 'the board'}"


@orchestrator(name="HbDocApprovals")
async def doc_approvals(context: OrchestrationContext) -> JsonValue:
    batch = context.get_input()
    decisions = {}
    for doc in batch["docs"]:
        context.set_custom_status(f"Waiting for {doc['title'].title()}")
        deadline = context.current_utc_datetime + timedelta(hours=batch.get("hours", 1))
        timeout_task = context.create_timer(deadline)
        approval_task = context.wait_for_external_event("Approval")
        winner = await context.task_any([approval_task, timeout_task])
        if winner == approval_task:
            timeout_task.cancel()
            answer = approval_task.result
            logger.info("%s answered by %s", doc["title"], answer["by"])
            decisions[doc["title"]] = "approved" if answer["ok"] else "rejected"
        else:
            logger.warning("No answer for %s", doc["title"])
            decisions[doc["title"]] = await context.call_activity("HbEscalate", doc)
    approved = sum(1 for v in decisions.values() if v == "approved")
    context.set_custom_status(f"{approved}/{len(decisions)} approved")
    return decisions


ORCHESTRATOR = doc_approvals
CONCURRENT = False
DOCS = {"docs": [{"title": "budget plan"}, {"title": "hiring", "manager": "Eve"}]}
RUNS = [
    (
        DOCS,
        [
            ScheduledEvent("Approval", {"ok": True, "by": "ann"}, at=timedelta(minutes=5)),
            ScheduledEvent("Approval", {"ok": False, "by": "bo"}, at=timedelta(minutes=30)),
        ],
    ),
    (DOCS, [ScheduledEvent("Approval", {"ok": True, "by": "ann"}, at=timedelta(minutes=5))]),
    ({**DOCS, "hours": 2}, [ScheduledEvent("Approval", {"ok": True, "by": "cy"}, at=timedelta(minutes=150))]),
    ({"docs": [], "hours": 2}, None),
]
