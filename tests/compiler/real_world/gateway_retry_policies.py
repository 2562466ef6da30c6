"""Retry policies kept in the application's settings and in this module: a shared policy assigned
to a local, and a policy that retries only the gateway's transient errors (Durable's predicate
style), so a declined card fails at once while a timeout is retried."""

import logging
from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, RetryOptions, activity, orchestrator
from tests.compiler.app_config import settings

log = logging.getLogger("payments")


class GatewayTimeout(Exception):
    pass


class CardDeclined(Exception):
    pass


# Calls per payment, so a payment's first `timeouts` calls time out; the count starts over after
# each success, so every run of the same payment sees the same sequence.
_calls: dict[str, int] = {}


@activity(name="RwAuthorize")
def authorize(payment: dict[str, JsonValue]) -> dict[str, JsonValue]:
    key = str(payment["id"])
    _calls[key] = _calls.get(key, 0) + 1
    if payment["card"] == "declined":
        raise CardDeclined(f"card of {payment['id']} declined")
    if payment["card"] == "gateway-down" or _calls[key] <= int(str(payment.get("timeouts", 0))):
        raise GatewayTimeout(f"gateway timed out (attempt {_calls[key]})")
    attempts = _calls.pop(key)
    return {"auth": f"A-{payment['id']}", "attempts": attempts}


@activity(name="RwCapture")
def capture(auth: dict[str, JsonValue]) -> str:
    return f"captured {auth['auth']}"


GATEWAY_RETRY = RetryOptions(
    first_retry_interval=timedelta(seconds=3),
    max_number_of_attempts=3,
    backoff_coefficient=2.0,
    handle=lambda e: isinstance(e, GatewayTimeout),
)


@orchestrator(name="RwGatewayRetryPolicies")
async def gateway_retry_policies(ctx: OrchestrationContext) -> JsonValue:
    payment = ctx.get_input()
    default_retry = settings.DEFAULT_RETRY
    try:
        auth = await ctx.call_activity_with_retry(authorize, GATEWAY_RETRY, payment)
    except GatewayTimeout:
        log.warning("Gateway kept timing out for %s", payment["id"])
        return {"status": "retry-later"}
    except CardDeclined as e:
        return {"status": "declined", "reason": str(e)}
    receipt = await ctx.call_activity_with_retry(capture, default_retry, auth)
    return {"status": "paid", "receipt": receipt, "attempts": auth["attempts"]}


ORCHESTRATOR = gateway_retry_policies
CONCURRENT = False
INPUTS: list[JsonValue] = [
    {"id": "p1", "card": "ok"},
    {"id": "p2", "card": "ok", "timeouts": 2},
    {"id": "p3", "card": "gateway-down"},
    {"id": "p4", "card": "declined"},
]
