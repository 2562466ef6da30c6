"""ProcessSingleOrderActivity, the parallel checks and the report steps against moto."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from lambdas.common import sample_data as data
from lambdas.common.aws import client, table
from lambdas.common.config import Settings
from lambdas.common.errors import InvalidInput, InvalidOrder, OrderNotFound, OutOfStock, PaymentDeclined
from lambdas.orders.batch import process_single_order
from lambdas.orders.checks import check_credit, check_stock, quote_shipping
from lambdas.orders.models import OrderRef, ReportRequest
from lambdas.orders.reports import collect_order_snapshot, publish_order_report, summarize_order_snapshot
from tests.lambdas.conftest import drain, subscribe_queue


def card(cfg: Settings, card_id: str) -> Decimal:
    return Decimal(table(cfg.payments_table).get_item(Key={"Pk": f"CARD#{card_id}"})["Item"]["Available"])


def stock(cfg: Settings, product_id: str) -> int:
    return int(table(cfg.inventory_table).get_item(Key={"ProductId": product_id})["Item"]["Stock"])


class TestProcessSingleOrder:
    def test_success_charges_and_reserves_once(self, aws: Settings) -> None:
        first = process_single_order(OrderRef(OrderId="ORD-2005"))
        retry = process_single_order(OrderRef(OrderId="ORD-2005"))
        assert first == retry
        assert (first.Success, first.Revenue) == (True, 130.0)
        assert card(aws, "card-gold") == Decimal(20000 - 130)
        assert (stock(aws, "SKU-LAMP"), stock(aws, "SKU-BOOK")) == (19, 98)

    def test_declined(self, aws: Settings) -> None:
        with pytest.raises(PaymentDeclined, match="credit limit exceeded"):
            process_single_order(OrderRef(OrderId="ORD-2003"))
        assert stock(aws, "SKU-LAMP") == 20

    def test_out_of_stock_refunds_the_charge(self, aws: Settings) -> None:
        with pytest.raises(OutOfStock, match="SKU-GONE"):
            process_single_order(OrderRef(OrderId="ORD-2004"))
        assert card(aws, "card-gold") == Decimal(20000)
        row = table(aws.payments_table).get_item(Key={"Pk": "CHARGE#ORD-2004"})["Item"]
        assert row["Status"] == "REFUNDED"

    def test_unknown_order(self, aws: Settings) -> None:
        with pytest.raises(OrderNotFound):
            process_single_order(OrderRef(OrderId="ORD-2998"))

    def test_order_without_items(self, aws: Settings) -> None:
        with pytest.raises(InvalidOrder, match="Order has no items"):
            process_single_order(OrderRef(OrderId=data.ORDER_NO_ITEMS))

    def test_order_handled_by_another_workflow(self, aws: Settings) -> None:
        from lambdas.orders.activities import process_payment
        from lambdas.orders.models import PaymentRequest

        process_payment(PaymentRequest(OrderId="ORD-2001", Amount=25))
        with pytest.raises(InvalidOrder, match="is PAID; only pending orders"):
            process_single_order(OrderRef(OrderId="ORD-2001"))

    def test_missing_order_id(self) -> None:
        with pytest.raises(ValueError, match="OrderId"):
            OrderRef.model_validate({"Total": 3})


class TestChecks:
    def test_all_good(self, aws: Settings) -> None:
        assert check_stock(data.ORDER_SUCCESS).AllInStock
        assert check_credit(data.ORDER_SUCCESS).Approved
        quote = quote_shipping(data.ORDER_SUCCESS)
        assert (quote.Carrier, quote.Cost, quote.EstimatedDays) == ("PostalExpress", 9.49, 3)

    def test_problems_are_explained(self, aws: Settings) -> None:
        assert check_stock(data.ORDER_OUT_OF_STOCK).Shortages == ["SKU-GONE (need 1, have 0)"]
        assert (
            check_credit(data.ORDER_OVER_LIMIT).Reason == "Order total 160.00 exceeds available credit 100.00"
        )
        assert not check_stock(data.ORDER_NO_ITEMS).AllInStock


class TestReport:
    def test_three_steps(self, aws: Settings) -> None:
        queue = subscribe_queue(aws.notifications_topic_arn)
        process_single_order(OrderRef(OrderId="ORD-2001"))
        request = ReportRequest(ReportId="daily-1")
        snapshot = collect_order_snapshot(request)
        summary = summarize_order_snapshot(request)
        published = publish_order_report(request)
        again = publish_order_report(request)
        assert snapshot.OrderCount == len(data.ORDERS)
        assert summary.Revenue == 25.0
        assert published.MessageId == again.MessageId
        stored = json.loads(
            client("s3").get_object(Bucket=aws.reports_bucket, Key=summary.Key)["Body"].read()
        )
        assert stored["ByStatus"] == {"PENDING": len(data.ORDERS) - 1, "PROCESSED": 1}
        assert len(drain(queue)) == 1

    def test_step_out_of_order(self, aws: Settings) -> None:
        with pytest.raises(InvalidInput, match="run the previous step first"):
            summarize_order_snapshot(ReportRequest(ReportId="never-collected"))

    def test_report_id_must_be_safe_for_s3(self) -> None:
        with pytest.raises(ValueError, match="ReportId"):
            ReportRequest(ReportId="../x")
