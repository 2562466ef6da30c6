"""task_all: a comprehension becomes a Map, a fixed list a Parallel; branches with try/except."""

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


class OrderFailed(Exception):
    pass


@activity(name="ProcessSingleOrderActivity")
def process_single_order(order: dict[str, JsonValue]) -> dict[str, JsonValue]:
    if order["amount"] < 0:
        raise OrderFailed(f"order {order['id']} has a negative amount")
    return {"OrderId": order["id"], "Success": True, "Revenue": order["amount"]}


@activity(name="GetPrice")
def get_price(sku: str) -> int:
    return len(sku) * 10


@activity(name="GetStock")
def get_stock(sku: str) -> int:
    return 7


@orchestrator(name="ProcessAllOrdersBatch")
async def process_all_orders(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    orders = ctx.get_input()

    async def process(order: dict[str, JsonValue]) -> JsonValue:
        try:
            return await ctx.call_activity(process_single_order, order)
        except OrderFailed as e:
            return {"OrderId": order["id"], "Success": False, "ErrorMessage": e.error, "Revenue": 0}

    ctx.set_custom_status(f"processing {len(orders)} orders")
    results = await ctx.task_all([process(o) for o in orders], max_concurrency=5)
    successful = [r for r in results if r["Success"]]
    return {
        "TotalProcessed": len(orders),
        "Successful": len(successful),
        "Failed": len(results) - len(successful),
        "TotalRevenue": sum([r["Revenue"] for r in successful]),
        "FailedOrders": [r["OrderId"] for r in results if not r["Success"]],
    }


@orchestrator(name="PriceAll")
async def price_all(ctx: OrchestrationContext) -> list[JsonValue]:
    skus = ctx.get_input()
    return await ctx.task_all([ctx.call_activity(get_price, s) for s in skus if s != ""])


@orchestrator(name="ProductInfo")
async def product_info(ctx: OrchestrationContext, sku: str) -> dict[str, JsonValue]:
    results = await ctx.task_all([ctx.call_activity(get_price, sku), ctx.call_activity(get_stock, sku)])
    price = results[0]
    stock = results[1]
    return {"sku": sku, "price": price, "stock": stock, "value": price * stock}


@orchestrator(name="PriceCatalogue")
async def price_catalogue(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    """A distributed Map (child executions): the branch reads only its item."""
    skus = ctx.get_input()
    prices = await ctx.task_all(
        [ctx.call_activity(get_price, s) for s in skus], max_concurrency=50, distributed=True
    )
    return {"count": len(prices), "total": sum(prices)}


@orchestrator(name="ShipEligible")
async def ship_eligible(ctx: OrchestrationContext, orders: list[JsonValue]) -> list[dict[str, JsonValue]]:
    """A branch that starts with an `if`: the item binding folds into the Choice."""

    async def ship(order: dict[str, JsonValue]) -> dict[str, JsonValue]:
        if order["amount"] <= 0:
            return {"id": order["id"], "shipped": False}
        result = await ctx.call_activity(process_single_order, order)
        return {"id": order["id"], "shipped": result["Success"]}

    return await ctx.task_all([ship(o) for o in orders])


@orchestrator(name="ShadowedNames")
async def shadowed_names(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    """A branch assigning a name the orchestrator also uses gets its own variable, as in Python."""
    total = 100

    async def double(x: int) -> int:
        total = x * 2
        return total

    results = await ctx.task_all([double(i) for i in [1, 2]])
    return {"total": total, "results": results}


# `e.error` / `e.cause` exist on every failure an orchestrator catches (set as Step Functions reports
# them), which Python's types cannot say of an arbitrary exception class. The source lines above are
# the compiled states' Comments, so the exemption is stated once, here, instead of on each line.
# mypy: disable-error-code="attr-defined"
