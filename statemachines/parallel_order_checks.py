"""ParallelOrderChecks: independent activities started together, awaited together (Task.WhenAll).

Input: an order id. Stock, credit and a shipping quote are looked up at the same time (a
Parallel state); the order is ready to process when all three say so.
"""

from __future__ import annotations

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from lambdas.orders.checks import check_credit, check_stock, quote_shipping


@orchestrator(name="ParallelOrderChecks")
async def parallel_order_checks(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    order_id = ctx.get_input()

    # All three activities start simultaneously.
    stock_task = ctx.call_activity(check_stock, order_id)
    credit_task = ctx.call_activity(check_credit, order_id)
    shipping_task = ctx.call_activity(quote_shipping, order_id)
    results = await ctx.task_all([stock_task, credit_task, shipping_task])

    stock = results[0]
    credit = results[1]
    shipping = results[2]
    return {
        "OrderId": order_id,
        "Ready": stock["AllInStock"] and credit["Approved"],
        "Shortages": stock["Shortages"],
        "CreditProblem": credit["Reason"],
        "Shipping": shipping,
    }
