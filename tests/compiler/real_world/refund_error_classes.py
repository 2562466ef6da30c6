"""Refunds: orchestrator-raised custom errors, multi-class except, error text in results."""

import logging
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

logger = logging.getLogger(__name__)


class RefundError(Exception):
    pass


class LimitExceeded(RefundError):
    pass


class GatewayTimeout(Exception):
    pass


@activity(name="HbIssueRefund")
def issue_refund(req: dict[str, Any]) -> dict[str, Any]:
    if req["gateway"] == "slow":
        raise GatewayTimeout(f"gateway {req['gateway']} timed out after {30}s")
    if req["gateway"] == "broken":
        raise RuntimeError("gateway crashed")
    return {"refund_id": f"R{req['order']}", "amount": req["amount"]}


@orchestrator(name="HbRefundErrors")
async def refund_errors(context: OrchestrationContext) -> JsonValue:
    req = context.get_input()
    errors = []
    refunds = []
    for order in req["orders"]:
        try:
            if order["amount"] > req.get("limit", 500):
                raise LimitExceeded(f"order {order['id']}: {order['amount']} over the limit")
            r = await context.call_activity(
                issue_refund, {"order": order["id"], "amount": order["amount"], "gateway": req["gateway"]}
            )
            refunds.append(r["refund_id"])
        except (LimitExceeded, GatewayTimeout) as e:
            logger.warning("refund of %s skipped: %s", order["id"], e)
            errors.append(str(e))
    if not refunds and errors:
        raise RefundError(f"no refund issued ({len(errors)} errors)")
    return {"refunds": refunds, "errors": errors}


ORCHESTRATOR = refund_errors
CONCURRENT = False
INPUTS = [
    {"gateway": "fast", "orders": [{"id": 1, "amount": 20}, {"id": 2, "amount": 900}]},
    {"gateway": "slow", "orders": [{"id": 3, "amount": 20}]},
    {"gateway": "broken", "orders": [{"id": 4, "amount": 20}]},
    {"gateway": "fast", "orders": [{"id": 5, "amount": 600}], "limit": 100},
]
