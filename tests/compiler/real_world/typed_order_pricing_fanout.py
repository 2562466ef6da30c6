"""Typed order data flows through a fan-out built by a helper; totals rounded and formatted."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

log = logging.getLogger(__name__)


@dataclass
class LineItem:
    sku: str
    qty: int
    unit_price: float


@dataclass
class Order:
    id: str
    customer: str
    items: list[LineItem]
    tags: list[str] = field(default_factory=list)


class PriceUnavailable(Exception):
    pass


@activity(name="HbPriceLine")
def price_line(item: dict[str, Any]) -> float:
    if item["sku"].startswith("x-"):
        raise PriceUnavailable(f"no price for {item['sku']}")
    return float(item["qty"] * item["unit_price"] * (0.9 if item["qty"] >= 10 else 1.0))


def price_tasks(ctx: OrchestrationContext, order: Order) -> list[Any]:
    tasks = []
    for item in order.items:
        tasks.append(
            ctx.call_activity(price_line, {"sku": item.sku, "qty": item.qty, "unit_price": item.unit_price})
        )
    return tasks


@orchestrator(name="HbTypedFanout")
async def typed_fanout(context: OrchestrationContext, order: Order) -> JsonValue:
    log.info("Pricing order %s for %s with %d lines", order.id, order.customer, len(order.items))
    try:
        prices = await context.task_all(price_tasks(context, order))
    except PriceUnavailable as e:
        log.error("Order %s: %s", order.id, e)
        return {"order": order.id, "error": str(e)}
    total = sum(prices)
    units = sum(item.qty for item in order.items)
    summary = f"{order.customer.upper()}: {units:,} units, {total:,.2f} total"
    return {
        "order": order.id,
        "lines": [round(p, 2) for p in prices],
        "total": round(total, 2),
        "summary": summary,
        "vip": "vip" in order.tags,
    }


ORCHESTRATOR = typed_fanout
CONCURRENT = True
INPUTS = [
    {
        "id": "o1",
        "customer": "acme",
        "items": [
            {"sku": "a", "qty": 3, "unit_price": 2.675},
            {"sku": "b", "qty": 1200, "unit_price": 0.335},
        ],
        "tags": ["vip"],
    },
    {"id": "o2", "customer": "zed", "items": [{"sku": "x-1", "qty": 1, "unit_price": 1.0}]},
    {"id": "o3", "customer": "nobody", "items": []},
]
