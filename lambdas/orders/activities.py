"""The order-processing chain's activities (OrderProcessingOrchestration).

Every side effect is safe to retry: the charge and the stock decrement are conditional DynamoDB
transactions keyed on the order id, the shipment is a conditional put keyed on the order id, and
the email and SNS message go through Powertools idempotency keyed on what they announce.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from durable_sfn.dsl import activity
from lambdas.common.aws import client, plain, table
from lambdas.common.config import settings
from lambdas.common.errors import InvalidInput, InvalidOrder, PaymentDeclined
from lambdas.common.idempotency import run_once
from lambdas.common.logging import correlate, logger
from lambdas.orders.inventory import reserve_stock
from lambdas.orders.models import (
    InventoryUpdateRequest,
    InventoryUpdateResult,
    NotificationResult,
    OrderConfirmation,
    PaymentRequest,
    PaymentResult,
    RefundRequest,
    RefundResult,
    ShipmentInfo,
    ValidationResult,
)
from lambdas.orders.payments import default_gateway
from lambdas.orders.store import check_order, find_order, get_order, set_status


def _order_id(value: object, activity_name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{activity_name} expects an order id (a non-empty string), got {value!r}")
    return value


@activity(name="ValidateOrderActivity")
def validate_order(order_id: str) -> ValidationResult:
    """Check the order exists, has items whose prices add up to its total, and is in stock."""
    order_id = _order_id(order_id, "ValidateOrderActivity")
    correlate(None)
    logger.info("Validating order", extra={"order_id": order_id})
    order = find_order(order_id)
    if order is None:
        return ValidationResult(OrderId=order_id, IsValid=False, FailureReason=f"Order {order_id} not found")
    reason = check_order(order)
    if reason is not None:
        logger.info("Order is not valid", extra={"order_id": order_id, "reason": reason})
        return ValidationResult(OrderId=order_id, IsValid=False, FailureReason=reason)
    return ValidationResult(
        OrderId=order_id,
        IsValid=True,
        TotalAmount=order.Total,
        Items=order.Items,
        RequiresApproval=order.Total > settings().approval_threshold,
        CustomerEmail=order.CustomerEmail,
    )


@activity(name="ProcessPaymentActivity")
def process_payment(request: PaymentRequest) -> PaymentResult:
    """Charge the order's card once; a decline is a result (Success false), not an error."""
    correlate(request)
    order = get_order(request.OrderId)
    logger.info("Processing payment", extra={"order_id": order.OrderId, "amount": request.Amount})
    try:
        charge = default_gateway().charge(order.OrderId, order.CardId, request.Amount)
    except PaymentDeclined as exc:
        logger.warning("Payment declined", extra={"order_id": order.OrderId, "reason": str(exc)})
        return PaymentResult(
            OrderId=order.OrderId, Success=False, Amount=request.Amount, DeclineReason=str(exc)
        )
    set_status(order.OrderId, "PAID", TransactionId=charge.transaction_id)
    return PaymentResult(
        OrderId=order.OrderId, Success=True, TransactionId=charge.transaction_id, Amount=charge.amount
    )


@activity(name="RefundPaymentActivity")
def refund_payment(request: RefundRequest) -> RefundResult:
    """Give the money back once (compensation when the order cannot be fulfilled after payment)."""
    correlate(request)
    charge = default_gateway().refund(request.OrderId)
    logger.info("Refunded payment", extra={"order_id": request.OrderId, "reason": request.Reason})
    set_status(request.OrderId, "REFUNDED")
    return RefundResult(
        OrderId=request.OrderId,
        TransactionId=charge.transaction_id,
        Amount=charge.amount,
        AlreadyRefunded=charge.replayed,
    )


@activity(name="UpdateInventoryActivity")
def update_inventory(request: InventoryUpdateRequest) -> InventoryUpdateResult:
    """Decrement stock for every item of the order in one transaction, exactly once."""
    correlate(request)
    result = reserve_stock(request.OrderId, request.Items)
    logger.info("Inventory updated", extra={"order_id": request.OrderId, "replayed": result.AlreadyApplied})
    return result


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length].upper()


@activity(name="InitiateShipmentActivity")
def initiate_shipment(order_id: str) -> ShipmentInfo:
    """Create the order's shipment once (a paid order only) and return its tracking number."""
    order_id = _order_id(order_id, "InitiateShipmentActivity")
    order = get_order(order_id)
    if order.Status not in ("PAID", "SHIPPED"):
        raise InvalidOrder(f"Order {order_id} is {order.Status}; only paid orders can be shipped")
    units = sum(item.Quantity for item in order.Items)
    carrier, days = ("PostalExpress", 3) if units <= 3 else ("FreightCo", 5)
    shipment = ShipmentInfo(
        OrderId=order_id,
        ShipmentId="shp-" + _digest(order_id, 12).lower(),
        TrackingNumber="TRK" + _digest("tracking:" + order_id, 10),
        Carrier=carrier,
        EstimatedDelivery=(datetime.now(UTC).date() + timedelta(days=days)).isoformat(),
    )
    shipments = table(settings().shipments_table)
    try:
        shipments.put_item(
            Item={**shipment.model_dump(), "CreatedAt": datetime.now(UTC).isoformat()},
            ConditionExpression="attribute_not_exists(OrderId)",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        stored = shipments.get_item(Key={"OrderId": order_id}, ConsistentRead=True)["Item"]
        logger.info("Shipment already exists", extra={"order_id": order_id})
        return ShipmentInfo.model_validate(plain(stored))
    set_status(order_id, "SHIPPED", TrackingNumber=shipment.TrackingNumber)
    logger.info("Shipment created", extra={"order_id": order_id, "tracking": shipment.TrackingNumber})
    return shipment


@activity(name="SendOrderConfirmationActivity")
def send_order_confirmation(confirmation: OrderConfirmation, context: Any = None) -> NotificationResult:
    """Email the customer the tracking number, once per order and shipment (SES)."""
    correlate(confirmation)
    order = get_order(confirmation.OrderId)

    def send() -> dict[str, object]:
        response = client("ses").send_email(
            Source=settings().sender_email,
            Destination={"ToAddresses": [order.CustomerEmail]},
            Message={
                "Subject": {"Data": f"Your order {order.OrderId} is on its way"},
                "Body": {
                    "Text": {
                        "Data": (
                            f"Thank you for your order {order.OrderId} ({order.Total:.2f}).\n"
                            f"Tracking number: {confirmation.ShipmentId}\n"
                            f"Estimated delivery: {confirmation.EstimatedDelivery}\n"
                        )
                    }
                },
            },
        )
        logger.info("Confirmation email sent", extra={"order_id": order.OrderId})
        return NotificationResult(
            OrderId=order.OrderId,
            MessageId=response["MessageId"],
            Channel="email",
            Recipient=order.CustomerEmail,
        ).model_dump()

    key = {"OrderId": confirmation.OrderId, "ShipmentId": confirmation.ShipmentId}
    return NotificationResult.model_validate(run_once("order-confirmation", key, send, context))


@activity(name="NotifyPaymentFailure")
def notify_payment_failure(order_id: str, context: Any = None) -> NotificationResult:
    """Tell the customer-care topic (SNS) that an order's payment failed, once per order."""
    order_id = _order_id(order_id, "NotifyPaymentFailure")
    order = get_order(order_id)
    topic = settings().notifications_topic_arn

    def publish() -> dict[str, object]:
        response = client("sns").publish(
            TopicArn=topic,
            Subject=f"Payment failed for order {order_id}",
            Message=json.dumps(
                {
                    "Event": "PaymentFailed",
                    "OrderId": order_id,
                    "CustomerEmail": order.CustomerEmail,
                    "Total": order.Total,
                }
            ),
            MessageAttributes={"Event": {"DataType": "String", "StringValue": "PaymentFailed"}},
        )
        logger.info("Payment failure published", extra={"order_id": order_id})
        return NotificationResult(
            OrderId=order_id, MessageId=response["MessageId"], Channel="sns", Recipient=topic
        ).model_dump()

    return NotificationResult.model_validate(
        run_once("payment-failure", {"OrderId": order_id}, publish, context)
    )
