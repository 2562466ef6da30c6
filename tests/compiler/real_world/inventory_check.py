"""Fan-out over a dict's items (a comprehension over two names), results zipped back, and tuple
unpacking of a fixed task_all."""

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


@activity(name="RwCheckStock")
def check_stock(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    available = (len(request["sku"]) * 7) % 10
    return {"sku": request["sku"], "enough": available >= request["qty"], "available": available}


@activity(name="RwWarehouseStatus")
def warehouse_status(region: str) -> str:
    return "open" if region != "north" else "closed"


@orchestrator(name="RwInventoryCheck")
async def inventory_check(ctx: OrchestrationContext) -> JsonValue:
    wanted = ctx.get_input()
    checks = await ctx.task_all(
        [ctx.call_activity(check_stock, {"sku": sku, "qty": qty}) for sku, qty in wanted["items"].items()]
    )
    east, north = await ctx.task_all(
        [ctx.call_activity(warehouse_status, "east"), ctx.call_activity(warehouse_status, "north")]
    )
    short = {c["sku"]: c["available"] for c in checks if not c["enough"]}
    by_sku = {sku: check["enough"] for sku, check in zip(wanted["items"].keys(), checks, strict=False)}
    return {
        "short": short,
        "bySku": by_sku,
        "allInStock": all(c["enough"] for c in checks),
        "east": east,
        "north": north,
    }


ORCHESTRATOR = inventory_check
CONCURRENT = True
INPUTS: list[JsonValue] = [
    {"items": {"apple": 2, "kiwi": 9, "fig": 1}},
    {"items": {}},
    {"items": {"banana": 3}},
]
