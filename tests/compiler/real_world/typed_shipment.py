"""A pydantic-typed input with a nested model, passed on whole and in parts: what leaves the
orchestrator is the JSON it received (unknown keys included), read through declared fields."""

from pydantic import BaseModel

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


class Address(BaseModel):
    street: str
    city: str
    country: str = "NL"


class Shipment(BaseModel):
    shipment_id: str
    weight_kg: float
    address: Address
    express: bool = False


@activity(name="TypedLabel")
def print_label(address: dict[str, JsonValue]) -> str:
    return f"{address['street']}, {address['city']} ({address.get('country', '??')})"


@activity(name="TypedBook")
def book_carrier(shipment: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"carrier": "fast" if shipment.get("express") else "slow", "keys": sorted(shipment)}


@orchestrator(name="TypedShipment")
async def typed_shipment(ctx: OrchestrationContext, shipment: Shipment) -> JsonValue:
    label = await ctx.call_activity(print_label, shipment.address)
    booking = await ctx.call_activity(book_carrier, shipment)
    ctx.set_custom_status({"label": label, "country": shipment.address.country})
    heavy = shipment.weight_kg > 20
    return {"id": shipment.shipment_id, "heavy": heavy, "express": shipment.express, "booking": booking}


ORCHESTRATOR = typed_shipment
CONCURRENT = False
INPUTS: list[JsonValue] = [
    {"shipment_id": "s-1", "weight_kg": 25.5, "address": {"street": "Main 1", "city": "Utrecht"}},
    {
        "shipment_id": "s-2",
        "weight_kg": 2,
        "address": {"street": "Rue 9", "city": "Lyon", "country": "FR"},
        "express": True,
        "note": "fragile",
    },
]
