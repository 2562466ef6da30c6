"""The reviews a purchase request goes through, in order: activities and the list naming them."""

from durable_sfn import JsonValue, activity


@activity(name="AcManagerReview")
def manager_review(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"by": "manager", "approved": request["amount"] <= 10_000}  # type: ignore[operator]


@activity(name="AcFinanceReview")
def finance_review(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"by": "finance", "approved": request.get("budget") == "ok"}


@activity(name="AcLegalReview")
def legal_review(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"by": "legal", "approved": not request.get("new_vendor", False)}


REVIEWS = [manager_review, finance_review, legal_review]
