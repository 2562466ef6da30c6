"""OrderProcessingOrchestration end to end on the local engine: every path, real activities on moto."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from durable_sfn.testing import ScheduledEvent, run_direct, run_local
from lambdas.common import sample_data as data
from lambdas.common.aws import table
from lambdas.common.config import Settings
from lambdas.orders.activities import validate_order
from statemachines.order_processing import order_processing
from tests.lambdas.conftest import drain, sent_email_count, subscribe_queue

CHAIN = [
    "ValidateOrderActivity",
    "ProcessPaymentActivity",
    "UpdateInventoryActivity",
    "InitiateShipmentActivity",
    "SendOrderConfirmationActivity",
]


def stock(cfg: Settings, product_id: str) -> int:
    return int(table(cfg.inventory_table).get_item(Key={"ProductId": product_id})["Item"]["Stock"])


def card(cfg: Settings, card_id: str) -> Decimal:
    return Decimal(table(cfg.payments_table).get_item(Key={"Pk": f"CARD#{card_id}"})["Item"]["Available"])


def status_of(cfg: Settings, order_id: str) -> str:
    return str(table(cfg.orders_table).get_item(Key={"OrderId": order_id})["Item"]["Status"])


def test_success_runs_the_whole_chain(aws: Settings) -> None:
    result = run_local(order_processing, data.ORDER_SUCCESS)
    assert result.status == "SUCCEEDED"
    output = result.output
    assert output["Success"] is True and output["OrderId"] == data.ORDER_SUCCESS
    assert output["Amount"] == 62.5
    assert output["TrackingNumber"].startswith("TRK")
    assert result.activity_names() == CHAIN
    assert [p for p in result.path if p in CHAIN] == CHAIN
    assert result.custom_status == "Sending notification"
    # The confirmation carries the shipment's tracking number, and the execution id for logs.
    confirmation = result.activity_calls[-1].input
    assert confirmation["ShipmentId"] == output["TrackingNumber"]
    assert confirmation["ExecutionId"].endswith(":test-execution")
    # Real effects: charged once, stock taken once, shipped, one email.
    assert card(aws, "card-gold") == Decimal("20000") - Decimal("62.5")
    assert (stock(aws, "SKU-BOOK"), stock(aws, "SKU-MUG")) == (98, 49)
    assert status_of(aws, data.ORDER_SUCCESS) == "SHIPPED"
    assert sent_email_count() == 1


def test_running_the_same_order_again_changes_nothing(aws: Settings) -> None:
    """Redriving or re-running an order is safe: every side effect is idempotent."""
    first = run_local(order_processing, data.ORDER_SUCCESS)
    again = run_direct(order_processing, data.ORDER_SUCCESS)
    assert again.status == "SUCCEEDED"
    assert again.output == first.output
    assert card(aws, "card-gold") == Decimal("20000") - Decimal("62.5")
    assert stock(aws, "SKU-BOOK") == 98
    assert sent_email_count() == 1


def test_validation_failure_stops_before_payment(aws: Settings) -> None:
    result = run_local(order_processing, data.ORDER_OUT_OF_STOCK)
    assert result.status == "SUCCEEDED"
    assert result.output == {
        "Success": False,
        "OrderId": data.ORDER_OUT_OF_STOCK,
        "FailureReason": "Items out of stock: SKU-GONE (need 1, have 0)",
    }
    assert result.activity_names() == ["ValidateOrderActivity"]
    assert result.custom_status == "Validating order"
    assert stock(aws, "SKU-BOOK") == 100


def test_unknown_order_and_empty_order_are_validation_failures(aws: Settings) -> None:
    unknown = run_local(order_processing, data.ORDER_UNKNOWN)
    empty = run_local(order_processing, data.ORDER_NO_ITEMS, execution_name="empty")
    assert unknown.output["FailureReason"] == "Order ORD-9999 not found"
    assert empty.output["FailureReason"] == "Order has no items"


def test_payment_declined_notifies_and_fails_the_order(aws: Settings) -> None:
    queue = subscribe_queue(aws.notifications_topic_arn)
    result = run_local(order_processing, data.ORDER_OVER_LIMIT)
    assert result.status == "SUCCEEDED"
    assert result.output == {
        "Success": False,
        "OrderId": data.ORDER_OVER_LIMIT,
        "FailureReason": "Payment failed: Card card-basic declined 160.00 for order ORD-1004: "
        "credit limit exceeded (available 100.00)",
    }
    assert result.activity_names() == [
        "ValidateOrderActivity",
        "ProcessPaymentActivity",
        "NotifyPaymentFailure",
    ]
    assert result.custom_status == "Processing payment"
    messages = drain(queue)
    assert [m["Subject"] for m in messages] == ["Payment failed for order ORD-1004"]
    assert card(aws, "card-basic") == Decimal("100")
    assert stock(aws, "SKU-LAMP") == 20


def test_blocked_card_is_declined(aws: Settings) -> None:
    result = run_local(order_processing, data.ORDER_BLOCKED_CARD)
    assert result.output["FailureReason"] == "Payment failed: Card card-blocked is blocked (order ORD-1005)"
    assert "NotifyPaymentFailure" in result.activity_names()


def approval(approved: bool) -> dict[str, Any]:
    return {"Approved": approved, "Approver": "grace.hopper"}


def test_approval_granted_two_hours_later(aws: Settings) -> None:
    result = run_local(
        order_processing,
        data.ORDER_APPROVAL_GRANTED,
        events=[ScheduledEvent("ManagerApproval", approval(True), at=timedelta(hours=2))],
    )
    assert result.status == "SUCCEEDED"
    assert result.output["Success"] is True and result.output["Amount"] == 1350.0
    assert result.activity_names() == CHAIN
    assert "Wait for ManagerApproval" in result.path
    assert stock(aws, "SKU-DESK") == 27


def test_approval_raised_before_the_wait_is_buffered(aws: Settings) -> None:
    result = run_local(
        order_processing, data.ORDER_APPROVAL_GRANTED, events={"ManagerApproval": approval(True)}
    )
    assert result.output["Success"] is True


def test_approval_rejected(aws: Settings) -> None:
    result = run_local(
        order_processing,
        data.ORDER_APPROVAL_REJECTED,
        events=[ScheduledEvent("ManagerApproval", approval(False), at=timedelta(minutes=30))],
    )
    assert result.output == {
        "Success": False,
        "OrderId": data.ORDER_APPROVAL_REJECTED,
        "FailureReason": "Rejected by grace.hopper",
    }
    assert result.activity_names() == ["ValidateOrderActivity"]
    assert result.custom_status == "Awaiting manager approval"
    assert card(aws, "card-gold") == Decimal("20000")


def test_approval_rejected_without_approver_name(aws: Settings) -> None:
    result = run_local(
        order_processing, data.ORDER_APPROVAL_REJECTED, events={"ManagerApproval": {"Approved": False}}
    )
    assert result.output["FailureReason"] == "Rejected by the manager"


def test_approval_times_out_after_24_hours(aws: Settings) -> None:
    # The approval arrives too late: after the 24 h timeout the order is already closed.
    result = run_local(
        order_processing,
        data.ORDER_APPROVAL_TIMEOUT,
        events=[ScheduledEvent("ManagerApproval", approval(True), at=timedelta(hours=25))],
    )
    assert result.status == "SUCCEEDED"
    assert result.output == {
        "Success": False,
        "OrderId": data.ORDER_APPROVAL_TIMEOUT,
        "FailureReason": "Manager approval timed out after 24 hours",
    }
    assert result.activity_names() == ["ValidateOrderActivity"]
    assert status_of(aws, data.ORDER_APPROVAL_TIMEOUT) == "PENDING"


def test_stock_sold_out_after_payment_is_refunded(aws: Settings) -> None:
    """Another buyer takes the last books between validation and the stock update."""

    def validate_then_sell_out(order_id: str) -> Any:
        result = validate_order(order_id)
        table(aws.inventory_table).update_item(
            Key={"ProductId": "SKU-BOOK"},
            UpdateExpression="SET Stock = :z",
            ExpressionAttributeValues={":z": 1},
        )
        return result

    result = run_local(
        order_processing, data.ORDER_SUCCESS, activities={"ValidateOrderActivity": validate_then_sell_out}
    )
    assert result.output == {
        "Success": False,
        "OrderId": data.ORDER_SUCCESS,
        "FailureReason": "Out of stock; the payment was refunded",
    }
    assert result.activity_names() == [
        "ValidateOrderActivity",
        "ProcessPaymentActivity",
        "UpdateInventoryActivity",
        "RefundPaymentActivity",
    ]
    assert result.custom_status == "Refunding payment"
    assert card(aws, "card-gold") == Decimal("20000")
    assert (stock(aws, "SKU-BOOK"), stock(aws, "SKU-MUG")) == (1, 50)
    assert status_of(aws, data.ORDER_SUCCESS) == "REFUNDED"
