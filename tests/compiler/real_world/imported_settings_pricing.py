"""Pricing with configuration imported from the application's settings module."""

import logging

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from tests.compiler.app_config import pricing_settings as settings
from tests.compiler.app_config.pricing_settings import CURRENCY, DEFAULT_RETRY, MAX_ITEMS, TIER_DISCOUNTS

logger = logging.getLogger(__name__)


class PricingDown(Exception):
    pass


@activity(name="HbListPrice")
def list_price(sku: str) -> float:
    if sku == "void":
        raise PricingDown("pricing service unavailable")
    return {"a": 10.0, "b": 24.99}.get(sku, 5.0)


@orchestrator(name="HbSettingsPricing")
async def settings_pricing(context: OrchestrationContext) -> JsonValue:
    cart = context.get_input()
    skus = cart["skus"][:MAX_ITEMS]
    if len(cart["skus"]) > MAX_ITEMS:
        logger.warning("cart truncated from %d to %d items", len(cart["skus"]), MAX_ITEMS)
    retry = DEFAULT_RETRY
    try:
        prices = await context.task_all(
            [context.call_activity_with_retry(list_price, retry, s) for s in skus]
        )
    except PricingDown as e:
        return {"error": str(e), "regions": settings.REGIONS}
    discount = TIER_DISCOUNTS.get(cart.get("tier", "basic"), 0.0)
    total = sum(prices) * (1 - discount)
    return {
        "invoice": settings.PREFIX + str(cart["id"]),
        "total": f"{total:.2f} {CURRENCY}",
        "discount": discount,
        "region": settings.REGIONS[0] if cart.get("eu", True) else settings.REGIONS[-1],
    }


ORCHESTRATOR = settings_pricing
CONCURRENT = True
INPUTS = [
    {"id": 7, "skus": ["a", "b", "c"], "tier": "gold"},
    {"id": 8, "skus": ["a", "a", "a", "a", "a", "b", "b"], "eu": False},
    {"id": 9, "skus": ["void"]},
]
