"""Chaining with a module-level logger, %-style and f-string messages, custom status, and a
compensation path that logs the failure."""

import logging

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

logger = logging.getLogger(__name__)


class PaymentDeclined(Exception):
    pass


@activity(name="RwValidateOrder")
def validate_order(order: dict[str, JsonValue]) -> dict[str, JsonValue]:
    items = order.get("items") or []
    total = sum(i["price"] * i["qty"] for i in items)
    return {"valid": bool(items), "total": total, "reason": "" if items else "no items"}


@activity(name="RwChargeCard")
def charge_card(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    if request["amount"] > 500:
        raise PaymentDeclined(f"card declined for {request['amount']}")
    return {"transaction": f"tx-{request['order']}", "amount": request["amount"]}


@activity(name="RwReleaseStock")
def release_stock(order_id: str) -> str:
    return f"released {order_id}"


@activity(name="RwShip")
def ship(order_id: str) -> dict[str, JsonValue]:
    return {"tracking": f"TRK-{order_id.upper()}"}


@orchestrator(name="RwOrderFulfillment")
async def order_fulfillment(ctx: OrchestrationContext) -> JsonValue:
    order = ctx.get_input()
    order_id = order["id"]
    logger.info("Processing order %s for %s", order_id, order["customer"])
    ctx.set_custom_status("validating")

    validation = await ctx.call_activity(validate_order, order)
    if not validation["valid"]:
        logger.warning("Order %s rejected: %s", order_id, validation["reason"])
        return {"ok": False, "reason": validation["reason"]}

    ctx.set_custom_status("charging")
    try:
        payment = await ctx.call_activity(charge_card, {"order": order_id, "amount": validation["total"]})
    except PaymentDeclined:
        logger.exception("Payment failed for order %s", order_id)
        await ctx.call_activity(release_stock, order_id)
        ctx.set_custom_status("payment failed")
        return {"ok": False, "reason": "payment declined"}

    logger.info(f"Charged {payment['amount']} in {payment['transaction']}")
    ctx.set_custom_status("shipping")
    shipment = await ctx.call_activity(ship, order_id, return_type=dict)
    logger.info("Order %s shipped with %s", order_id, shipment["tracking"])
    ctx.set_custom_status("done")
    return {"ok": True, "tracking": shipment["tracking"], "charged": payment["amount"]}


ORCHESTRATOR = order_fulfillment
CONCURRENT = False
INPUTS: list[JsonValue] = [
    {"id": "o-1", "customer": "ada", "items": [{"price": 20, "qty": 2}, {"price": 5, "qty": 1}]},
    {"id": "o-2", "customer": "bob", "items": []},
    {"id": "o-3", "customer": "cyd", "items": [{"price": 300, "qty": 2}]},
]
