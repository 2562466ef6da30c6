"""Stock levels with gaps: None in lists, dict iteration, sorted keys, min/max, rounding."""

from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


@activity(name="HbStockLevels")
def stock_levels(warehouse: str) -> dict[str, Any]:
    levels: dict[str, dict[str, Any]] = {
        "north": {"bolt": 40, "nut": None, "gear": 3},
        "south": {"nut": 12, "bolt": 0},
    }
    return levels.get(warehouse, {})


@orchestrator(name="HbInventoryNones")
async def inventory_nones(context: OrchestrationContext) -> JsonValue:
    req = context.get_input()
    levels = await context.call_activity(stock_levels, req["warehouse"])
    unknown = [sku for sku, qty in levels.items() if qty is None]
    known = {sku: qty for sku, qty in levels.items() if qty is not None}
    counts = [levels.get(sku) for sku in req["skus"]]
    low = []
    for sku in sorted(known):
        if known[sku] < req.get("threshold", 5):
            low.append(sku)
    values = list(known.values())
    return {
        "unknown": unknown,
        "counts": counts,
        "low": low,
        "max": max(values) if values else None,
        "min": min(values) if values else 0,
        "share": {k: round(v / sum(values), 3) for k, v in known.items()} if sum(values) else {},
        "first_missing": [s for s in req["skus"] if levels.get(s) is None][:1],
        "keys": ",".join(levels),
    }


ORCHESTRATOR = inventory_nones
CONCURRENT = False
INPUTS = [
    {"warehouse": "north", "skus": ["bolt", "nut", "cog"]},
    {"warehouse": "south", "skus": ["nut"], "threshold": 20},
    {"warehouse": "east", "skus": []},
]
