"""OrderProcessingOrchestration: validate, (approve), pay, reserve stock, ship, confirm.

The Durable Functions chaining sample, plus a manager approval for orders above the configured
threshold (`APPROVAL_THRESHOLD`, applied by ValidateOrderActivity) and a refund when stock runs
out between validation and the stock update; a shipped order credits the customer's
`LoyaltyBalance` entity (lambdas/orders/loyalty.py). Input: the order id. Raise the approval with
`raise_event(instance, "ManagerApproval", {"Approved": true, "Approver": "..."})`.
"""

from __future__ import annotations

from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from durable_sfn.entities import EntityId
from lambdas.common.errors import OutOfStock
from lambdas.orders.activities import (
    initiate_shipment,
    notify_payment_failure,
    process_payment,
    refund_payment,
    send_order_confirmation,
    update_inventory,
    validate_order,
)
from lambdas.orders.loyalty import loyalty_balance

__all__ = ["loyalty_balance", "order_processing"]  # the entity is hosted wherever this runs


@orchestrator(name="OrderProcessingOrchestration")
async def order_processing(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    order_id = ctx.get_input()

    ctx.set_custom_status("Validating order")
    validation = await ctx.call_activity(validate_order, order_id)
    if not validation["IsValid"]:
        return {"Success": False, "OrderId": order_id, "FailureReason": validation["FailureReason"]}

    if validation["RequiresApproval"]:
        ctx.set_custom_status("Awaiting manager approval")
        try:
            approval = await ctx.wait_for_external_event("ManagerApproval", timeout=timedelta(hours=24))
        except TimeoutError:
            return {
                "Success": False,
                "OrderId": order_id,
                "FailureReason": "Manager approval timed out after 24 hours",
            }
        if not approval["Approved"]:
            return {
                "Success": False,
                "OrderId": order_id,
                "FailureReason": f"Rejected by {approval.get('Approver', 'the manager')}",
            }

    ctx.set_custom_status("Processing payment")
    payment = await ctx.call_activity(
        process_payment,
        {"OrderId": order_id, "Amount": validation["TotalAmount"], "ExecutionId": ctx.instance_id},
    )
    if not payment["Success"]:
        await ctx.call_activity(notify_payment_failure, order_id)
        return {
            "Success": False,
            "OrderId": order_id,
            "FailureReason": f"Payment failed: {payment['DeclineReason']}",
        }

    ctx.set_custom_status("Updating inventory")
    try:
        await ctx.call_activity(
            update_inventory,
            {"OrderId": order_id, "Items": validation["Items"], "ExecutionId": ctx.instance_id},
        )
    except OutOfStock:
        ctx.set_custom_status("Refunding payment")
        await ctx.call_activity(
            refund_payment, {"OrderId": order_id, "Reason": "Out of stock", "ExecutionId": ctx.instance_id}
        )
        return {
            "Success": False,
            "OrderId": order_id,
            "FailureReason": "Out of stock; the payment was refunded",
        }

    ctx.set_custom_status("Initiating shipment")
    shipment = await ctx.call_activity(initiate_shipment, order_id)

    ctx.set_custom_status("Sending notification")
    await ctx.call_activity(
        send_order_confirmation,
        {
            "OrderId": order_id,
            "ShipmentId": shipment["TrackingNumber"],
            "EstimatedDelivery": shipment["EstimatedDelivery"],
            "ExecutionId": ctx.instance_id,
        },
    )
    # One loyalty point per whole unit paid; fire and forget, applied exactly once.
    ctx.signal_entity(
        EntityId("LoyaltyBalance", validation["CustomerEmail"]),
        "credit",
        {"OrderId": order_id, "Points": int(payment["Amount"])},
    )

    return {
        "Success": True,
        "OrderId": order_id,
        "Amount": payment["Amount"],
        "TrackingNumber": shipment["TrackingNumber"],
        "EstimatedDelivery": shipment["EstimatedDelivery"],
    }
