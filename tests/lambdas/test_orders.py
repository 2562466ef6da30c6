"""The order activities against moto: results, idempotency under retries, bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lambdas.common import sample_data as data
from lambdas.common.aws import table
from lambdas.common.config import Settings
from lambdas.common.errors import InvalidInput, InvalidOrder, OrderNotFound, OutOfStock
from lambdas.orders.activities import (
    initiate_shipment,
    notify_payment_failure,
    process_payment,
    refund_payment,
    send_order_confirmation,
    update_inventory,
    validate_order,
)
from lambdas.orders.models import (
    InventoryUpdateRequest,
    OrderConfirmation,
    OrderItem,
    PaymentRequest,
    RefundRequest,
)
from tests.lambdas.conftest import drain, sent_email_count, subscribe_queue


def stock(cfg: Settings, product_id: str) -> int:
    return int(table(cfg.inventory_table).get_item(Key={"ProductId": product_id})["Item"]["Stock"])


def available(cfg: Settings, card_id: str) -> Decimal:
    return Decimal(table(cfg.payments_table).get_item(Key={"Pk": f"CARD#{card_id}"})["Item"]["Available"])


def order_status(cfg: Settings, order_id: str) -> str:
    return str(table(cfg.orders_table).get_item(Key={"OrderId": order_id})["Item"]["Status"])


def pay(order_id: str) -> None:
    total = validate_order(order_id).TotalAmount
    assert process_payment(PaymentRequest(OrderId=order_id, Amount=total)).Success


class TestValidateOrder:
    def test_valid_order_returns_items_and_total(self, aws: Settings) -> None:
        result = validate_order(data.ORDER_SUCCESS)
        assert result.IsValid and result.FailureReason is None
        assert result.TotalAmount == 62.5
        assert [(i.ProductId, i.Quantity) for i in result.Items] == [("SKU-BOOK", 2), ("SKU-MUG", 1)]
        assert result.RequiresApproval is False

    def test_unknown_order_is_a_failure_result(self, aws: Settings) -> None:
        result = validate_order(data.ORDER_UNKNOWN)
        assert not result.IsValid
        assert result.FailureReason == f"Order {data.ORDER_UNKNOWN} not found"

    def test_order_without_items(self, aws: Settings) -> None:
        assert validate_order(data.ORDER_NO_ITEMS).FailureReason == "Order has no items"

    def test_out_of_stock_items_are_named(self, aws: Settings) -> None:
        result = validate_order(data.ORDER_OUT_OF_STOCK)
        assert result.FailureReason == "Items out of stock: SKU-GONE (need 1, have 0)"

    def test_total_not_matching_items(self, aws: Settings) -> None:
        table(aws.orders_table).update_item(
            Key={"OrderId": data.ORDER_SUCCESS},
            UpdateExpression="SET #t = :t",
            ExpressionAttributeNames={"#t": "Total"},
            ExpressionAttributeValues={":t": Decimal("10")},
        )
        assert "does not match its items (62.50)" in (validate_order(data.ORDER_SUCCESS).FailureReason or "")

    def test_approval_threshold_comes_from_the_environment(
        self, aws: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert validate_order(data.ORDER_APPROVAL_GRANTED).RequiresApproval is True
        monkeypatch.setenv("APPROVAL_THRESHOLD", "5000")
        assert validate_order(data.ORDER_APPROVAL_GRANTED).RequiresApproval is False
        monkeypatch.setenv("APPROVAL_THRESHOLD", "50")
        assert validate_order(data.ORDER_SUCCESS).RequiresApproval is True

    @pytest.mark.parametrize("bad", ["", "   ", None, 42, {"OrderId": "ORD-1001"}])
    def test_non_string_input_is_invalid_input(self, aws: Settings, bad: object) -> None:
        with pytest.raises(InvalidInput, match="expects an order id"):
            validate_order(bad)  # type: ignore[arg-type]

    def test_malformed_order_row_is_invalid_order(self, aws: Settings) -> None:
        table(aws.orders_table).put_item(Item={"OrderId": "ORD-BROKEN", "Items": "not a list"})
        with pytest.raises(InvalidOrder, match="ORD-BROKEN is malformed"):
            validate_order("ORD-BROKEN")


class TestProcessPayment:
    def test_charge_decrements_the_card_once_under_retries(self, aws: Settings) -> None:
        before = available(aws, "card-gold")
        first = process_payment(PaymentRequest(OrderId=data.ORDER_SUCCESS, Amount=62.5))
        retry = process_payment(PaymentRequest(OrderId=data.ORDER_SUCCESS, Amount=62.5))
        assert first.Success and retry.Success
        assert first.TransactionId == retry.TransactionId
        assert available(aws, "card-gold") == before - Decimal("62.5")
        assert order_status(aws, data.ORDER_SUCCESS) == "PAID"

    def test_over_limit_card_is_declined_without_charging(self, aws: Settings) -> None:
        result = process_payment(PaymentRequest(OrderId=data.ORDER_OVER_LIMIT, Amount=160))
        assert not result.Success and result.TransactionId is None
        assert "credit limit exceeded (available 100.00)" in (result.DeclineReason or "")
        assert available(aws, "card-basic") == Decimal("100")
        assert order_status(aws, data.ORDER_OVER_LIMIT) == "PENDING"

    def test_blocked_card_is_declined(self, aws: Settings) -> None:
        result = process_payment(PaymentRequest(OrderId=data.ORDER_BLOCKED_CARD, Amount=12.5))
        assert result.DeclineReason == "Card card-blocked is blocked (order ORD-1005)"

    def test_unknown_order_is_a_named_error(self, aws: Settings) -> None:
        with pytest.raises(OrderNotFound, match="ORD-9999"):
            process_payment(PaymentRequest(OrderId=data.ORDER_UNKNOWN, Amount=1))

    def test_retry_with_another_amount_is_refused(self, aws: Settings) -> None:
        process_payment(PaymentRequest(OrderId=data.ORDER_SUCCESS, Amount=62.5))
        with pytest.raises(InvalidOrder, match=r"already charged 62\.50, not 99\.00"):
            process_payment(PaymentRequest(OrderId=data.ORDER_SUCCESS, Amount=99))

    def test_missing_fields_fail_model_validation(self) -> None:
        with pytest.raises(ValueError, match="Amount"):
            PaymentRequest.model_validate({"OrderId": "ORD-1"})


class TestRefund:
    def test_refund_restores_credit_once(self, aws: Settings) -> None:
        before = available(aws, "card-gold")
        pay(data.ORDER_SUCCESS)
        first = refund_payment(RefundRequest(OrderId=data.ORDER_SUCCESS, Reason="out of stock"))
        retry = refund_payment(RefundRequest(OrderId=data.ORDER_SUCCESS))
        assert (first.AlreadyRefunded, retry.AlreadyRefunded) == (False, True)
        assert available(aws, "card-gold") == before
        assert order_status(aws, data.ORDER_SUCCESS) == "REFUNDED"

    def test_refund_without_charge_is_named_error(self, aws: Settings) -> None:
        from lambdas.common.errors import PaymentNotFound

        with pytest.raises(PaymentNotFound):
            refund_payment(RefundRequest(OrderId=data.ORDER_SUCCESS))

    def test_refunded_order_cannot_be_charged_again(self, aws: Settings) -> None:
        pay(data.ORDER_SUCCESS)
        refund_payment(RefundRequest(OrderId=data.ORDER_SUCCESS))
        with pytest.raises(InvalidOrder, match="refunded"):
            process_payment(PaymentRequest(OrderId=data.ORDER_SUCCESS, Amount=62.5))


class TestUpdateInventory:
    def items(self, order_id: str) -> list[OrderItem]:
        return validate_order(order_id).Items

    def test_decrements_every_item_exactly_once(self, aws: Settings) -> None:
        items = self.items(data.ORDER_SUCCESS)
        request = InventoryUpdateRequest(OrderId=data.ORDER_SUCCESS, Items=items)
        first = update_inventory(request)
        retry = update_inventory(request)
        assert (first.AlreadyApplied, retry.AlreadyApplied) == (False, True)
        assert (stock(aws, "SKU-BOOK"), stock(aws, "SKU-MUG")) == (98, 49)

    def test_shortage_decrements_nothing(self, aws: Settings) -> None:
        items = [
            OrderItem(ProductId="SKU-BOOK", Quantity=1, UnitPrice=25),
            OrderItem(ProductId="SKU-GONE", Quantity=1, UnitPrice=30),
        ]
        with pytest.raises(OutOfStock, match=r"nothing was decremented: SKU-GONE \(need 1, have 0\)"):
            update_inventory(InventoryUpdateRequest(OrderId=data.ORDER_OUT_OF_STOCK, Items=items))
        assert stock(aws, "SKU-BOOK") == 100
        # Not marked as reserved either: once stock arrives, the same request succeeds.
        table(aws.inventory_table).update_item(
            Key={"ProductId": "SKU-GONE"},
            UpdateExpression="SET Stock = :s",
            ExpressionAttributeValues={":s": 5},
        )
        assert not update_inventory(
            InventoryUpdateRequest(OrderId=data.ORDER_OUT_OF_STOCK, Items=items)
        ).AlreadyApplied
        assert stock(aws, "SKU-GONE") == 4

    def test_same_product_twice_is_summed(self, aws: Settings) -> None:
        items = [OrderItem(ProductId="SKU-MUG", Quantity=2, UnitPrice=12.5)] * 2
        result = update_inventory(InventoryUpdateRequest(OrderId=data.ORDER_SUCCESS, Items=items))
        assert [(r.ProductId, r.Quantity) for r in result.Reserved] == [("SKU-MUG", 4)]
        assert stock(aws, "SKU-MUG") == 46

    def test_unknown_product_is_out_of_stock(self, aws: Settings) -> None:
        items = [OrderItem(ProductId="SKU-NOPE", Quantity=1, UnitPrice=1)]
        with pytest.raises(OutOfStock, match="SKU-NOPE \\(unknown product\\)"):
            update_inventory(InventoryUpdateRequest(OrderId=data.ORDER_SUCCESS, Items=items))

    def test_unknown_order(self, aws: Settings) -> None:
        items = [OrderItem(ProductId="SKU-BOOK", Quantity=1, UnitPrice=25)]
        with pytest.raises(OrderNotFound):
            update_inventory(InventoryUpdateRequest(OrderId=data.ORDER_UNKNOWN, Items=items))
        assert stock(aws, "SKU-BOOK") == 100

    def test_empty_items_are_rejected_by_the_model(self) -> None:
        with pytest.raises(ValueError, match="Items"):
            InventoryUpdateRequest(OrderId="ORD-1", Items=[])


class TestShipment:
    def test_paid_order_ships_once(self, aws: Settings) -> None:
        pay(data.ORDER_SUCCESS)
        first = initiate_shipment(data.ORDER_SUCCESS)
        retry = initiate_shipment(data.ORDER_SUCCESS)
        assert first == retry
        assert first.TrackingNumber.startswith("TRK") and first.Carrier == "PostalExpress"
        assert len(table(aws.shipments_table).scan()["Items"]) == 1
        assert order_status(aws, data.ORDER_SUCCESS) == "SHIPPED"

    def test_unpaid_order_is_not_shipped(self, aws: Settings) -> None:
        with pytest.raises(InvalidOrder, match="is PENDING; only paid orders can be shipped"):
            initiate_shipment(data.ORDER_SUCCESS)
        assert table(aws.shipments_table).scan()["Items"] == []

    def test_unknown_order(self, aws: Settings) -> None:
        with pytest.raises(OrderNotFound):
            initiate_shipment(data.ORDER_UNKNOWN)


class TestNotifications:
    def test_confirmation_email_is_sent_once(self, aws: Settings) -> None:
        confirmation = OrderConfirmation(
            OrderId=data.ORDER_SUCCESS, ShipmentId="TRK1", EstimatedDelivery="2026-12-01"
        )
        first = send_order_confirmation(confirmation)
        retry = send_order_confirmation(confirmation)
        assert first == retry
        assert first.Recipient == "ord-1001@customers.example.com"
        assert sent_email_count() == 1

    def test_idempotency_is_per_shipment(self, aws: Settings) -> None:
        for tracking in ("TRK1", "TRK2"):
            send_order_confirmation(
                OrderConfirmation(
                    OrderId=data.ORDER_SUCCESS, ShipmentId=tracking, EstimatedDelivery="2026-12-01"
                )
            )
        assert sent_email_count() == 2

    def test_confirmation_for_unknown_order_sends_nothing(self, aws: Settings) -> None:
        with pytest.raises(OrderNotFound):
            send_order_confirmation(
                OrderConfirmation(
                    OrderId=data.ORDER_UNKNOWN, ShipmentId="TRK1", EstimatedDelivery="2026-12-01"
                )
            )
        assert sent_email_count() == 0

    def test_payment_failure_is_published_once(self, aws: Settings) -> None:
        queue = subscribe_queue(aws.notifications_topic_arn)
        first = notify_payment_failure(data.ORDER_OVER_LIMIT)
        retry = notify_payment_failure(data.ORDER_OVER_LIMIT)
        assert first.MessageId == retry.MessageId
        messages = drain(queue)
        assert len(messages) == 1
        assert messages[0]["Subject"] == "Payment failed for order ORD-1004"
        assert '"Event": "PaymentFailed"' in messages[0]["Message"]

    def test_idempotency_really_uses_the_table(self, aws: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("IDEMPOTENCY_TABLE", "no-such-table")
        with pytest.raises(Exception, match=r"no-such-table|ResourceNotFound|Failed to save"):
            notify_payment_failure(data.ORDER_OVER_LIMIT)


class TestRetryAfterFailure:
    def test_failed_send_does_not_block_the_retry(
        self, aws: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A send that fails (SES rejects an unverified sender) leaves no record: the retry sends once."""
        from botocore.exceptions import ClientError

        confirmation = OrderConfirmation(
            OrderId=data.ORDER_SUCCESS, ShipmentId="TRK1", EstimatedDelivery="2026-12-01"
        )
        monkeypatch.setenv("SENDER_EMAIL", "unverified@example.com")
        with pytest.raises(ClientError, match="MessageRejected"):
            send_order_confirmation(confirmation)
        monkeypatch.delenv("SENDER_EMAIL")
        send_order_confirmation(confirmation)
        send_order_confirmation(confirmation)
        assert sent_email_count() == 1
