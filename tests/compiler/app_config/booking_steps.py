"""A travel booking's steps and their compensations: activities, and the dispatch tables that
name them by step."""

from durable_sfn import JsonValue, activity


class BookingFailed(Exception):
    pass


@activity(name="AcBookFlight")
def book_flight(trip: dict[str, JsonValue]) -> str:
    return f"flight-{trip['id']}"


@activity(name="AcBookHotel")
def book_hotel(trip: dict[str, JsonValue]) -> str:
    if trip.get("hotel_full"):
        raise BookingFailed(f"no room for trip {trip['id']}")
    return f"hotel-{trip['id']}"


@activity(name="AcBookCar")
def book_car(trip: dict[str, JsonValue]) -> str:
    if trip.get("no_cars"):
        raise BookingFailed("no cars left")
    return f"car-{trip['id']}"


@activity(name="AcCancelFlight")
def cancel_flight(booking: str) -> str:
    return f"cancelled {booking}"


@activity(name="AcCancelHotel")
def cancel_hotel(booking: str) -> str:
    return f"cancelled {booking}"


@activity(name="AcCancelCar")
def cancel_car(booking: str) -> str:
    return f"cancelled {booking}"


STEPS = ["flight", "hotel", "car"]
BOOK = {"flight": book_flight, "hotel": book_hotel, "car": book_car}
COMPENSATIONS = {"flight": cancel_flight, "hotel": cancel_hotel, "car": cancel_car}
