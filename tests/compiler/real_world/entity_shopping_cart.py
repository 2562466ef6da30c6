"""A shopping cart kept in an entity, its id held in a variable as Durable users write it: items
signalled in, the total read back, the cart cleared after checkout."""

import logging

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.entities import EntityContext, EntityId, entity

CART_ENTITY = "RwCart"
log = logging.getLogger(__name__)


@entity(name=CART_ENTITY, operations=("add", "total", "clear"))
def cart(ctx: EntityContext) -> None:
    items = ctx.get_state(lambda: [])
    if ctx.operation_name == "add":
        ctx.set_state([*items, ctx.get_input()])
    elif ctx.operation_name == "total":
        ctx.set_result(sum(item["price"] * item["qty"] for item in items))
    else:
        ctx.set_state([])


@activity(name="RwChargeCart")
def charge_cart(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"charged": request["amount"], "cart": request["cart"]}


@orchestrator(name="RwEntityShoppingCart")
async def entity_shopping_cart(ctx: OrchestrationContext) -> JsonValue:
    order = ctx.get_input()
    cart_id = EntityId(CART_ENTITY, order["customer"])
    for item in order["items"]:
        ctx.signal_entity(cart_id, "add", item)
    total = await ctx.call_entity(cart_id, "total")
    if total == 0:
        log.info("Cart %s is empty", cart_id.key)
        return {"charged": 0}
    receipt = await ctx.call_activity(charge_cart, {"cart": cart_id.key, "amount": total})
    ctx.signal_entity(cart_id, "clear")
    after = await ctx.call_entity(cart_id, "total")
    return {"charged": receipt["charged"], "cart": receipt["cart"], "after": after}


ORCHESTRATOR = entity_shopping_cart
CONCURRENT = False
INPUTS: list[JsonValue] = [
    {"customer": "c-1", "items": [{"price": 3, "qty": 2}, {"price": 10, "qty": 1}]},
    {"customer": "c-2", "items": []},
]
