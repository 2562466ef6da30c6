"""Typed data, Durable style: a dataclass input (nested dataclasses, a list of them, a field with
a default), a pydantic model returned by an activity, isinstance on JSON values and
type(e).__name__ on a caught error."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


@dataclass(frozen=True)
class Customer:
    name: str
    tier: str


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class Order:
    order_id: str
    customer: Customer
    lines: list[OrderLine]
    coupon: str | None = None


class Quote(BaseModel):
    sku: str
    unit_price: float
    in_stock: bool


class OutOfStock(Exception):
    pass


@activity(name="TypedQuoteLine")
def quote_line(line: dict[str, JsonValue]) -> Quote:
    price = {"pen": 1.5, "ink": 4.25}.get(str(line["sku"]), 10.0)
    return Quote(sku=str(line["sku"]), unit_price=price, in_stock=line["sku"] != "gold")


@activity(name="TypedReserve")
def reserve(request: dict[str, JsonValue]) -> str:
    if request["sku"] == "gold":
        raise OutOfStock(f"no {request['sku']} left")
    return f"reserved {request['quantity']} x {request['sku']}"


@orchestrator(name="TypedOrderQuotes")
async def typed_order_quotes(ctx: OrchestrationContext, order: Order) -> JsonValue:
    total = 0.0
    notes = []
    for line in order.lines:
        quote = await ctx.call_activity(quote_line, {"sku": line.sku})
        if not quote.in_stock:
            notes.append(f"{quote.sku} is out of stock")
        total += quote.unit_price * line.quantity
        try:
            reserved = await ctx.call_activity(reserve, {"sku": line.sku, "quantity": line.quantity})
            notes.append(reserved)
        except OutOfStock as e:
            notes.append(f"{type(e).__name__} for {line.sku}")
    discount = 0.1 if order.customer.tier == "gold" or order.coupon is not None else 0.0
    extra = order.order_id if isinstance(order.coupon, str) else None
    skus = [line.sku for line in order.lines if line.quantity > 1]
    return {
        "order": order.order_id,
        "customer": order.customer.name,
        "total": round(total * (1 - discount), 2),
        "notes": notes,
        "coupon": extra,
        "bulk": skus,
        "first": order.lines[0].sku,
    }


ORCHESTRATOR = typed_order_quotes
CONCURRENT = False
INPUTS: list[JsonValue] = [
    {
        "order_id": "o-1",
        "customer": {"name": "Ada", "tier": "gold"},
        "lines": [{"sku": "pen", "quantity": 3}, {"sku": "gold", "quantity": 1}],
    },
    {
        "order_id": "o-2",
        "customer": {"name": "Bob", "tier": "basic"},
        "lines": [{"sku": "ink", "quantity": 2}],
        "coupon": "SPRING",
    },
]
