"""Purchase approval through a chain of reviews listed in another module: each review is an
activity run in turn, the first rejection stops the chain, every decision is logged and kept."""

import logging

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from tests.compiler.app_config.reviews import REVIEWS

logger = logging.getLogger(__name__)


@orchestrator(name="RwPurchaseReviewChain")
async def purchase_review_chain(ctx: OrchestrationContext) -> JsonValue:
    request = ctx.get_input()
    decisions = []
    for review in REVIEWS:
        decision = await ctx.call_activity(review, request)
        decisions.append(decision)
        logger.info("%s: %s", decision["by"], "approved" if decision["approved"] else "rejected")
        if not decision["approved"]:
            return {"approved": False, "rejected_by": decision["by"], "reviews": len(decisions)}
    ctx.set_custom_status(f"approved after {len(REVIEWS)} reviews")
    return {"approved": True, "decisions": decisions}


ORCHESTRATOR = purchase_review_chain
CONCURRENT = False
INPUTS: list[JsonValue] = [
    {"amount": 500, "budget": "ok"},
    {"amount": 50_000, "budget": "ok"},
    {"amount": 900, "budget": "ok", "new_vendor": True},
    {"amount": 900},
]
