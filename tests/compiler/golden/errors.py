"""try/except/else/finally, raise and re-raise, retries."""

from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, RetryOptions, activity, orchestrator


class PaymentDeclined(Exception):
    pass


class InvalidAmount(Exception):
    pass


@activity(name="Charge")
def charge(amount: int) -> dict[str, int]:
    if amount > 100:
        raise PaymentDeclined(f"amount {amount} is over the limit")
    return {"charged": amount}


@activity(name="Refund")
def refund(amount: int) -> dict[str, int]:
    return {"refunded": amount}


@activity(name="AuditLog")
def audit_log(entry: dict[str, JsonValue]) -> None:
    return None


@activity(name="Flaky")
def flaky(request: dict[str, JsonValue]) -> str:
    if request["fail"]:
        raise RuntimeError("still broken")
    return "ok"


STANDARD_RETRY = RetryOptions(
    timedelta(seconds=5), 3, backoff_coefficient=2.0, max_retry_interval=timedelta(minutes=1)
)


@orchestrator(name="ChargeWithFallback")
async def charge_with_fallback(ctx: OrchestrationContext, amount: int) -> dict[str, JsonValue]:
    if amount < 0:
        raise InvalidAmount(f"negative amount: {amount}")
    outcome = "unknown"
    try:
        receipt = await ctx.call_activity(charge, amount)
    except PaymentDeclined as e:
        outcome = "declined"
        await ctx.call_activity(audit_log, {"error": e.error})
        receipt = {"charged": 0}
    else:
        outcome = "charged"
    finally:
        ctx.set_custom_status("charge attempted")
    return {"outcome": outcome, "receipt": receipt}


@orchestrator(name="ReraiseAfterAudit")
async def reraise_after_audit(ctx: OrchestrationContext, amount: int) -> JsonValue:
    try:
        receipt = await ctx.call_activity(charge, amount)
    except Exception as e:
        await ctx.call_activity(audit_log, {"error": e.error, "amount": amount})
        raise
    return receipt


@orchestrator(name="RetryFlaky")
async def retry_flaky(ctx: OrchestrationContext) -> JsonValue:
    request = ctx.get_input()
    try:
        return await ctx.call_activity_with_retry(flaky, STANDARD_RETRY, request)
    except RuntimeError:
        return "gave up"


class CardProblem(Exception):
    pass


class CardExpired(CardProblem):
    pass


@activity(name="CheckCard")
def check_card(card: str) -> str:
    if card == "old":
        raise CardExpired("card expired")
    return "ok"


@orchestrator(name="CheckCardFlow")
async def check_card_flow(ctx: OrchestrationContext, card: str) -> JsonValue:
    """`except CardProblem` catches the subclass CardExpired, as in Python."""
    try:
        return await ctx.call_activity(check_card, card)
    except CardProblem as e:
        return "problem: " + e.error


# `e.error` / `e.cause` exist on every failure an orchestrator catches (set as Step Functions reports
# them), which Python's types cannot say of an arbitrary exception class. The source lines above are
# the compiled states' Comments, so the exemption is stated once, here, instead of on each line.
# mypy: disable-error-code="attr-defined"
