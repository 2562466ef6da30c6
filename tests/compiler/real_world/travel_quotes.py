"""Parallel quotes from a fixed list of providers, unpacked by name; the cheapest picked with a
generator; any()/all() over the quotes."""

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


@activity(name="RwQuoteFlight")
def quote_flight(trip: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"provider": "flight", "price": 120 + 10 * len(trip["to"]), "available": trip["to"] != "mars"}


@activity(name="RwQuoteTrain")
def quote_train(trip: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"provider": "train", "price": 80 + 25 * len(trip["to"]), "available": True}


@activity(name="RwQuoteBus")
def quote_bus(trip: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"provider": "bus", "price": 40 + 30 * len(trip["to"]), "available": len(trip["to"]) < 6}


@orchestrator(name="RwTravelQuotes")
async def travel_quotes(ctx: OrchestrationContext) -> JsonValue:
    trip = ctx.get_input()
    flight, train, bus = await ctx.task_all(
        [
            ctx.call_activity(quote_flight, trip),
            ctx.call_activity(quote_train, trip),
            ctx.call_activity(quote_bus, trip),
        ]
    )
    quotes = [q for q in [flight, train, bus] if q["available"]]
    if not any(q["price"] < trip["budget"] for q in quotes):
        return {"booked": None, "reason": "over budget"}
    cheapest = min(q["price"] for q in quotes)
    best = [q["provider"] for q in quotes if q["price"] == cheapest][0]  # noqa: RUF015
    return {
        "booked": best,
        "price": cheapest,
        "allAvailable": all(q["available"] for q in [flight, train, bus]),
    }


ORCHESTRATOR = travel_quotes
CONCURRENT = True
INPUTS: list[JsonValue] = [
    {"to": "rome", "budget": 170},
    {"to": "mars", "budget": 100},
    {"to": "copenhagen", "budget": 500},
]
