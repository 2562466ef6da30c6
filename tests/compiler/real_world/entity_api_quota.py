"""API quota per customer kept in an entity whose id is held in a variable."""

import logging
from typing import Any

from durable_sfn import EntityId, JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.entities import EntityContext, entity

logger = logging.getLogger(__name__)


@entity(name="HbQuota", operations=("use", "remaining", "reset"))
def quota(ctx: EntityContext) -> None:
    used = ctx.get_state(lambda: 0)
    if ctx.operation_name == "use":
        ctx.set_state(used + ctx.get_input())
    elif ctx.operation_name == "remaining":
        ctx.set_result(100 - used)
    else:
        ctx.set_state(0)


@activity(name="HbCallApi")
def call_api(req: dict[str, Any]) -> int:
    return int(req["cost"])


@orchestrator(name="HbQuotaEntity")
async def quota_entity(context: OrchestrationContext) -> JsonValue:
    job = context.get_input()
    entity_id = EntityId("HbQuota", job["customer"])
    done = 0
    for cost in job["costs"]:
        left = await context.call_entity(entity_id, "remaining")
        if left < cost:
            logger.warning("customer %s over quota (%d left, needs %d)", entity_id.key, left, cost)
            break
        spent = await context.call_activity(call_api, {"cost": cost})
        context.signal_entity(entity_id, "use", spent)
        done += 1
    remaining = await context.call_entity(entity_id, "remaining")
    if job.get("reset"):
        context.signal_entity(entity_id, "reset")
    return {"calls": done, "remaining": remaining, "used": f"{100 - remaining}%"}


ORCHESTRATOR = quota_entity
CONCURRENT = False
INPUTS = [
    {"customer": "q1", "costs": [30, 30, 50], "reset": True},
    {"customer": "q2", "costs": [], "reset": True},
    {"customer": "q3", "costs": [10, 95], "reset": True},
]
