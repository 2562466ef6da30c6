"""Retries: a module-level RetryOptions, payment methods tried in order with enumerate() and
break, a warning logged per failure."""

import logging
from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, RetryOptions, activity, orchestrator

logger = logging.getLogger(__name__)
RETRY = RetryOptions(first_retry_interval=timedelta(seconds=5), max_number_of_attempts=2)


class CardError(Exception):
    pass


@activity(name="RwTryPayment")
def try_payment(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    if request["method"].startswith("expired"):
        raise CardError(f"{request['method']} is expired")
    return {"method": request["method"], "paid": request["amount"]}


@orchestrator(name="RwPaymentRetries")
async def payment_retries(ctx: OrchestrationContext) -> JsonValue:
    order = ctx.get_input()
    receipt = None
    tried = 0
    for attempt, method in enumerate(order["methods"], 1):
        tried = attempt
        try:
            receipt = await ctx.call_activity_with_retry(
                try_payment, RETRY, {"method": method, "amount": order["amount"]}
            )
            break
        except CardError:
            logger.warning("Attempt %d with %s failed", attempt, method)
    if receipt is None:
        logger.error("All %d payment methods failed", tried)
        return {"paid": False, "attempts": tried}
    return {"paid": True, "attempts": tried, "method": receipt["method"]}


ORCHESTRATOR = payment_retries
CONCURRENT = False
INPUTS: list[JsonValue] = [
    {"amount": 30, "methods": ["expired-visa", "amex"]},
    {"amount": 30, "methods": ["expired-visa", "expired-mc"]},
    {"amount": 10, "methods": []},
]
