"""Ask three suppliers for a quote, take the first answer; a deadline bounds the wait."""

import logging
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

logger = logging.getLogger(__name__)


class SupplierDown(Exception):
    pass


@activity(name="HbQuoteSupplier")
def quote_supplier(req: dict[str, Any]) -> dict[str, Any]:
    if req["supplier"] in req.get("down", []):
        raise SupplierDown(f"{req['supplier']} is down")
    return {
        "supplier": req["supplier"],
        "price": round(req["base"] * {"alpha": 1.1, "beta": 0.95, "gamma": 1.0}[req["supplier"]], 2),
    }


SUPPLIERS = ["alpha", "beta", "gamma"]


@orchestrator(name="HbSupplierRace")
async def supplier_race(context: OrchestrationContext) -> JsonValue:
    req = context.get_input()
    try:
        quotes = [context.call_activity(quote_supplier, {**req, "supplier": s}) for s in SUPPLIERS]
        first = await context.task_any(quotes)
    except SupplierDown as e:
        logger.error("first answer was a failure: %s", e)
        return {"winner": None, "error": str(e)}
    quote = first.result
    logger.info("winner %s at %.2f", quote["supplier"], quote["price"])
    return {
        "winner": quote["supplier"],
        "price": quote["price"],
        "text": f"{quote['supplier'].title()}: {quote['price']:,.2f}",
    }


ORCHESTRATOR = supplier_race
CONCURRENT = True
INPUTS = [{"base": 1000}, {"base": 12.5, "down": ["alpha"]}]
