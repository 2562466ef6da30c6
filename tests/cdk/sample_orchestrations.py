"""A small application of our own for the CDK tests: activities, an external event, a child.

It exercises every integration the construct derives IAM from (Lambda invoke, `.waitForTaskToken`
through the event waiter, `startExecution.sync:2`, entity calls and signals), independently of the
reference application.
"""

from __future__ import annotations

from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.entities import EntityContext, EntityId, entity


@activity(name="ReserveSeat")
def reserve_seat(flight: str) -> dict[str, JsonValue]:
    return {"Flight": flight, "Seat": "12A"}


@activity(name="ChargeCard")
def charge_card(seat: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"Charged": 120, "Seat": seat["Seat"]}


@activity(name="PriceSeat")
def price_seat(flight: str) -> dict[str, JsonValue]:
    return {"Flight": flight, "Price": 120}


@orchestrator(name="CdkSampleBooking")
async def booking(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    flight = ctx.get_input()
    ctx.set_custom_status("Reserving")
    seat = await ctx.call_activity(reserve_seat, flight)
    ctx.set_custom_status("Waiting for confirmation")
    try:
        answer = await ctx.wait_for_external_event("Confirm", timeout=timedelta(hours=1))
    except TimeoutError:
        return {"Confirmed": False, "Reason": "timeout"}
    if not answer["Ok"]:
        return {"Confirmed": False, "Reason": "declined"}
    charge = await ctx.call_activity(charge_card, seat)
    return {"Confirmed": True, "Charge": charge}


@orchestrator(name="CdkSampleTrip")
async def trip(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    flight = ctx.get_input()
    booked = await ctx.call_sub_orchestrator(booking, flight)
    return {"Trip": flight, "Booking": booked}


@orchestrator(name="CdkSampleQuote")
async def quote(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    price = await ctx.call_activity(price_seat, ctx.get_input())
    return {"Quote": price["Price"]}


@entity(name="CdkSampleMiles", operations=("credit", "balance"))
def miles(ctx: EntityContext) -> None:
    balance = ctx.get_state(lambda: 0)
    if ctx.operation_name == "credit":
        balance += ctx.get_input()
        ctx.set_state(balance)
    ctx.set_result(balance)


@orchestrator(name="CdkSampleMilesCheck")
async def miles_check(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    """Calls an entity (the role may invoke its function) and never signals (no queue access)."""
    balance = await ctx.call_entity(EntityId("CdkSampleMiles", ctx.get_input()), "balance")
    return {"Miles": balance}


@orchestrator(name="CdkSampleMilesCredit")
async def miles_credit(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    """Only signals an entity (invoked in place, in order with any call: the role may invoke it)."""
    price = await ctx.call_activity(price_seat, ctx.get_input())
    ctx.signal_entity(EntityId("CdkSampleMiles", ctx.get_input()), "credit", price["Price"])
    return {"Credited": price["Price"]}
