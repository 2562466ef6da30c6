"""A parent renewing subscriptions through child orchestrations: a child instance named after the
customer (`instance_id`), a retried child for the flaky payment step, and the child's failure
caught in the parent."""

import logging
from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, RetryOptions, activity, orchestrator

logger = logging.getLogger(__name__)


class RenewalRefused(Exception):
    pass


@activity(name="RwLoadPlan")
def load_plan(customer: str) -> dict[str, JsonValue]:
    return {"customer": customer, "price": 10 * len(customer), "blocked": customer.startswith("x")}


@activity(name="RwCollect")
def collect(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"paid": request["price"], "customer": request["customer"]}


@orchestrator(name="RwRenewOne")
async def renew_one(ctx: OrchestrationContext) -> JsonValue:
    customer = ctx.get_input()
    plan = await ctx.call_activity(load_plan, customer)
    if plan["blocked"]:
        raise RenewalRefused(f"{customer} is blocked")
    logger.info("Renewing %s for %d", customer, plan["price"])
    return await ctx.call_activity(collect, plan)


@orchestrator(name="RwSubscriptionRenewal")
async def subscription_renewal(ctx: OrchestrationContext) -> JsonValue:
    batch = ctx.get_input()
    renewed = []
    refused = []
    for customer in batch["customers"]:
        try:
            receipt = await ctx.call_sub_orchestrator(renew_one, customer, instance_id=f"renew-{customer}")
            renewed.append(receipt["paid"])
        except RenewalRefused:
            logger.warning("Not renewed: %s", customer)
            refused.append(customer)
    retried = await ctx.call_sub_orchestrator_with_retry(
        renew_one, RetryOptions(timedelta(seconds=30), 2), batch["vip"]
    )
    return {"renewed": renewed, "refused": refused, "vip": retried["paid"], "total": sum(renewed)}


ORCHESTRATOR = subscription_renewal
CONCURRENT = False
INPUTS: list[JsonValue] = [
    {"customers": ["ann", "xavier", "bo"], "vip": "zed"},
    {"customers": [], "vip": "kim"},
]
