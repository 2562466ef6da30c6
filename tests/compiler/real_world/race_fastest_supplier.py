"""Fastest supplier, Durable style: ask every supplier of a typed request for a quote, take the
first to answer (task_any over a list built in a loop), and write the confirmation with the
string methods and slices Durable users reach for (format, title, isdigit, reversed, slices).
Here every supplier answers at the same instant: both runs take the first in the list (on AWS a
tie goes to whichever iteration Step Functions sees finish first)."""

from __future__ import annotations

from dataclasses import dataclass, field

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


@dataclass
class Request:
    item: str
    suppliers: list[str]
    reference: str = "0000"
    notes: list[str] = field(default_factory=list)


@activity(name="RaceSupplierQuote")
def supplier_quote(ask: dict[str, JsonValue]) -> JsonValue:
    supplier = str(ask["supplier"])
    if supplier.startswith("closed"):
        raise RuntimeError(f"{supplier} is closed")
    return {"supplier": supplier, "price": 10 * len(supplier), "item": ask["item"]}


@activity(name="RacePlaceOrder")
def place_order(order: dict[str, JsonValue]) -> str:
    return f"order {order['reference']} placed with {order['supplier']}"


@orchestrator(name="RaceFastestSupplier")
async def race_fastest_supplier(ctx: OrchestrationContext, request: Request) -> JsonValue:
    tasks = []
    for supplier in request.suppliers:
        tasks.append(ctx.call_activity(supplier_quote, {"supplier": supplier, "item": request.item}))
    first = await ctx.task_any(tasks)
    quote = first.result
    reference = request.reference if request.reference.isdigit() else "0000"
    placed = await ctx.call_activity(
        place_order, {"reference": reference[-4:], "supplier": quote["supplier"]}
    )
    return {
        "placed": placed,
        "summary": "{} from {} at {:.2f}".format(request.item.title(), quote["supplier"], quote["price"]),
        "others": [s for s in reversed(request.suppliers) if s != quote["supplier"]][:2],
        "notes": request.notes[:1],
    }


ORCHESTRATOR = race_fastest_supplier
CONCURRENT = True
INPUTS: list[JsonValue] = [
    {"item": "blue ink", "suppliers": ["acme", "globex", "initech"], "reference": "20240117"},
    {"item": "paper", "suppliers": ["umbrella"], "reference": "x-1", "notes": ["rush", "gift"]},
]
