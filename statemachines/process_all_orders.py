"""ProcessAllOrdersBatch: fan out one task per order, fan in to totals (Durable's fan-out/fan-in).

Input: `{"Orders": [{"OrderId": ...}, ...], "UseSubOrchestrations": false}`. By default each order
is one ProcessSingleOrderActivity call; with `UseSubOrchestrations` each order runs the whole
OrderProcessingOrchestration as a child workflow (validation, approval, shipment, email).
A failing order never fails the batch: it is caught and counted.
"""

from __future__ import annotations

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from lambdas.orders.batch import process_single_order
from statemachines.order_processing import order_processing


@orchestrator(name="ProcessAllOrdersBatch")
async def process_all_orders(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    batch = ctx.get_input()
    orders = batch["Orders"]
    ctx.set_custom_status({"Phase": "Processing", "Orders": len(orders)})

    async def process_order(order: dict[str, JsonValue]) -> JsonValue:
        try:
            return await ctx.call_activity(
                process_single_order, {"OrderId": order["OrderId"], "ExecutionId": ctx.instance_id}
            )
        except Exception as e:
            return {
                "OrderId": order["OrderId"],
                "Success": False,
                "Revenue": 0,
                "ErrorMessage": e.error,
            }

    async def run_order_workflow(order: dict[str, JsonValue]) -> dict[str, JsonValue]:
        try:
            outcome = await ctx.call_sub_orchestrator(order_processing, order["OrderId"])
        except Exception as e:
            return {"OrderId": order["OrderId"], "Success": False, "Revenue": 0, "ErrorMessage": e.error}
        if outcome["Success"]:
            return {
                "OrderId": order["OrderId"],
                "Success": True,
                "Revenue": outcome["Amount"],
                "ErrorMessage": None,
            }
        return {
            "OrderId": order["OrderId"],
            "Success": False,
            "Revenue": 0,
            "ErrorMessage": outcome["FailureReason"],
        }

    if batch.get("UseSubOrchestrations", False):
        results = await ctx.task_all([run_order_workflow(order) for order in orders])
    else:
        results = await ctx.task_all([process_order(order) for order in orders])

    successful = [r for r in results if r["Success"]]
    failed = [r for r in results if not r["Success"]]
    ctx.set_custom_status({"Phase": "Complete", "Orders": len(orders), "Failed": len(failed)})
    return {
        "TotalProcessed": len(orders),
        "Successful": len(successful),
        "Failed": len(failed),
        "TotalRevenue": sum([r["Revenue"] for r in successful]),
        "FailedOrders": [r["OrderId"] for r in failed],
        "Errors": {r["OrderId"]: r["ErrorMessage"] for r in failed},
    }


# `e.error` / `e.cause` exist on every failure an orchestrator catches (set as Step Functions reports
# them), which Python's types cannot say of an arbitrary exception class. The source lines above are
# the compiled states' Comments, so the exemption is stated once, here, instead of on each line.
# mypy: disable-error-code="attr-defined"
