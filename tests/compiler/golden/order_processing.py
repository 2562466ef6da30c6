"""The seed's order workflow: chaining, early returns and a custom status before every step."""

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


@activity(name="ValidateOrderActivity")
def validate_order(order_id: str) -> dict[str, JsonValue]:
    if order_id.startswith("bad"):
        return {"IsValid": False, "FailureReason": "Order has no items"}
    return {"IsValid": True, "TotalAmount": 30 if "cheap" in order_id else 300, "Items": ["sku-1"]}


@activity(name="ProcessPaymentActivity")
def process_payment(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"Success": request["Amount"] < 100, "TransactionId": "tx-" + request["OrderId"]}


@activity(name="NotifyPaymentFailure")
def notify_payment_failure(order_id: str) -> None:
    return None


@activity(name="UpdateInventoryActivity")
def update_inventory(items: list[str]) -> None:
    return None


@activity(name="InitiateShipmentActivity")
def initiate_shipment(order_id: str) -> dict[str, str]:
    return {"TrackingNumber": "TRK-" + order_id, "EstimatedDelivery": "2024-01-05"}


@activity(name="SendOrderConfirmationActivity")
def send_confirmation(confirmation: dict[str, JsonValue]) -> None:
    return None


@orchestrator(name="OrderProcessingOrchestration")
async def order_processing(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    order_id = ctx.get_input()
    ctx.set_custom_status("Validating order")
    validation = await ctx.call_activity(validate_order, order_id)
    if not validation["IsValid"]:
        return {"Success": False, "FailureReason": validation["FailureReason"]}

    ctx.set_custom_status("Processing payment")
    payment = await ctx.call_activity(
        process_payment, {"OrderId": order_id, "Amount": validation["TotalAmount"]}
    )
    if not payment["Success"]:
        await ctx.call_activity(notify_payment_failure, order_id)
        return {"Success": False, "FailureReason": "Payment failed"}

    ctx.set_custom_status("Updating inventory")
    await ctx.call_activity(update_inventory, validation["Items"])

    ctx.set_custom_status("Initiating shipment")
    shipment = await ctx.call_activity(initiate_shipment, order_id)

    ctx.set_custom_status("Sending notification")
    await ctx.call_activity(
        send_confirmation,
        {
            "OrderId": order_id,
            "ShipmentId": shipment["TrackingNumber"],
            "EstimatedDelivery": shipment["EstimatedDelivery"],
        },
    )
    return {"Success": True, "OrderId": order_id, "TrackingNumber": shipment["TrackingNumber"]}
