"""Saga: book each step of a trip through a dispatch table, and on failure undo what was booked,
newest first, through the compensation table (both imported from the application's module)."""

import logging

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from tests.compiler.app_config.booking_steps import BOOK, COMPENSATIONS, STEPS, BookingFailed

log = logging.getLogger("trips")


@orchestrator(name="RwSagaTripBooking")
async def saga_trip_booking(ctx: OrchestrationContext) -> JsonValue:
    trip = ctx.get_input()
    booked: list[dict[str, JsonValue]] = []  # newest first: the order to undo in
    try:
        for step in STEPS:
            if step in trip.get("skip", []):
                continue
            booking = await ctx.call_activity(BOOK[step], trip)
            booked = [{"step": step, "id": booking}] + booked  # noqa: RUF005
    except BookingFailed as e:
        log.warning("Booking failed after %d step(s): %s", len(booked), str(e))
        undone = []
        for b in booked:
            result = await ctx.call_activity(COMPENSATIONS[b["step"]], b["id"])
            undone.append(result)
        return {"booked": False, "reason": str(e), "undone": undone}
    return {"booked": True, "bookings": [b["id"] for b in booked]}


ORCHESTRATOR = saga_trip_booking
CONCURRENT = False
INPUTS: list[JsonValue] = [
    {"id": "t1"},
    {"id": "t2", "hotel_full": True},
    {"id": "t3", "no_cars": True},
    {"id": "t4", "no_cars": True, "skip": ["hotel"]},
]
