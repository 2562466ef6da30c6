"""Fastest supplier, Durable style: ask every supplier of a typed request for a quote, take the
first quote to come back (task_any over a list of event waits built in a loop), and write the
confirmation with the string methods and slices Durable users reach for (format, title, isdigit,
reversed, slices)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.testing import ScheduledEvent


@dataclass
class Request:
    item: str
    suppliers: list[str]
    reference: str = "0000"
    notes: list[str] = field(default_factory=list)


@activity(name="RaceAskForQuote")
def ask_for_quote(ask: dict[str, JsonValue]) -> str:
    return f"asked {ask['supplier']} for {ask['item']}"


@activity(name="RacePlaceOrder")
def place_order(order: dict[str, JsonValue]) -> str:
    return f"order {order['reference']} placed with {order['supplier']}"


@orchestrator(name="RaceFastestSupplier")
async def race_fastest_supplier(ctx: OrchestrationContext, request: Request) -> JsonValue:
    await ctx.task_all(
        [ctx.call_activity(ask_for_quote, {"supplier": s, "item": request.item}) for s in request.suppliers]
    )
    answers = []
    for supplier in request.suppliers:
        answers.append(ctx.wait_for_external_event(f"Quote-{supplier}"))
    first = await ctx.task_any(answers)
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
MANY = {"item": "blue ink", "suppliers": ["acme", "globex", "initech"], "reference": "20240117"}
ONE = {"item": "paper", "suppliers": ["umbrella"], "reference": "x-1", "notes": ["rush", "gift"]}
INPUTS: list[JsonValue] = [MANY, ONE]
RUNS: list[tuple[JsonValue, JsonValue]] = [
    (
        MANY,
        [
            ScheduledEvent("Quote-initech", {"supplier": "initech", "price": 9}, timedelta(minutes=7)),
            ScheduledEvent("Quote-globex", {"supplier": "globex", "price": 12.5}, timedelta(minutes=3)),
        ],
    ),
    (ONE, [ScheduledEvent("Quote-umbrella", {"supplier": "umbrella", "price": 4.125}, timedelta(hours=2))]),
]
