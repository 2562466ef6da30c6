from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from durable_sfn.entities import EntityId, UnknownOperationError


@orchestrator(name="LoyaltyPoints")
async def loyalty_points(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    """Calls and signals in straight code, a Map fan-out, a for loop and a while loop."""
    order = ctx.get_input()
    customer = order["CustomerId"]
    ctx.signal_entity(EntityId("Loyalty", customer), "credit", order["Points"])
    await ctx.task_all([ctx.call_entity(EntityId("Stock", sku), "reserve", 1) for sku in order["Skus"]])
    for sku in order["Skus"]:
        ctx.signal_entity(EntityId("Audit", customer), "record", sku)
    attempts = 0
    while attempts < 2:
        await ctx.call_entity(EntityId("Audit", customer), "tick")
        attempts += 1
    try:
        balance = await ctx.call_entity(EntityId("Loyalty", customer), "balance")
    except UnknownOperationError:
        balance = None
    return {"balance": balance}
