"""ProcessOrderBatch against moto: the orders it settles together end exactly as if each had gone
through ProcessSingleOrderActivity one after the other (same results, same rows), whatever fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from moto import mock_aws

from lambdas.common import sample_data as data
from lambdas.common.aws import client, dynamodb, table
from lambdas.common.config import Settings
from lambdas.common.errors import InvalidOrder, OrderNotFound, OutOfStock, PaymentDeclined
from lambdas.common.resources import create_resources, seed_bulk_orders, seed_orders
from lambdas.orders.batch import process_single_order
from lambdas.orders.large_batch import process_order_batch
from lambdas.orders.models import OrderRef

# Written with the time of the write: compared as present or absent.
TIMESTAMPS = {"ChargedAt", "InventoryReservedAt"}


def one_by_one(orders: list[dict[str, Any]]) -> dict[str, Any]:
    """What the batch must return: each order through ProcessSingleOrderActivity, in order."""
    revenue = 0.0
    errors: dict[str, str] = {}
    for order in orders:
        try:
            revenue += process_single_order(OrderRef.model_validate(order)).Revenue
        except (OrderNotFound, InvalidOrder, PaymentDeclined, OutOfStock) as exc:
            errors[order["OrderId"]] = type(exc).__name__
    return {
        "Orders": len(orders),
        "Successful": len(orders) - len(errors),
        "Revenue": round(revenue, 2),
        "Errors": errors,
    }


def rows(cfg: Settings) -> dict[str, list[dict[str, Any]]]:
    """Every order, ledger and stock row, timestamps reduced to their presence."""
    out = {}
    for name in (cfg.orders_table, cfg.payments_table, cfg.inventory_table):
        items = table(name).scan(ConsistentRead=True)["Items"]
        out[name] = sorted(
            ({k: (True if k in TIMESTAMPS else v) for k, v in item.items()} for item in items), key=repr
        )
    return out


@contextmanager
def world(bulk: int = 0, stock: int | None = None) -> Iterator[Settings]:
    with mock_aws():
        cfg = create_resources()
        seed_orders(cfg)
        if bulk:
            seed_bulk_orders(bulk, cfg)
        if stock is not None:
            table(cfg.inventory_table).update_item(
                Key={"ProductId": data.BULK_PRODUCT["ProductId"]},
                UpdateExpression="SET Stock = :s",
                ExpressionAttributeValues={":s": stock},
            )
        yield cfg


def both_ways(
    orders: list[dict[str, Any]], bulk: int = 0, stock: int | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The batch's result and rows, and the one-by-one result and rows, each on a fresh world."""
    with world(bulk, stock) as cfg:
        batch = process_order_batch(orders)
        batch_rows = rows(cfg)
    with world(bulk, stock) as cfg:
        single = one_by_one(orders)
        single_rows = rows(cfg)
    assert batch_rows == single_rows
    return batch, single


def refs(ids: list[str]) -> list[dict[str, Any]]:
    return [{"OrderId": order_id} for order_id in ids]


def bulk_ids(count: int) -> list[str]:
    return [order["OrderId"] for order in data.bulk_orders(count)]


@pytest.fixture(autouse=True)
def _env(aws_env: None) -> None:
    """Fake credentials for every test here (each builds its own moto worlds)."""


def test_orders_that_all_pass_are_settled_like_one_by_one() -> None:
    batch, single = both_ways(refs(bulk_ids(60)), bulk=60)  # two transactions: 49 and 11 orders
    assert batch == single == {"Orders": 60, "Successful": 60, "Revenue": 600.0, "Errors": {}}


def test_failing_orders_among_passing_ones_fail_for_their_own_reason() -> None:
    ids = bulk_ids(40)[:20] + data.LARGE_BATCH_ORDERS + ["ORD-4999", data.ORDER_NO_ITEMS] + bulk_ids(40)[20:]
    batch, single = both_ways(refs(ids), bulk=40)
    assert batch == single
    assert batch["Successful"] == 40 + 9
    assert batch["Errors"] == {
        "ORD-4010": "PaymentDeclined",
        "ORD-4011": "OutOfStock",
        "ORD-4012": "PaymentDeclined",
        "ORD-4999": "OrderNotFound",
        data.ORDER_NO_ITEMS: "InvalidOrder",
    }


def test_stock_running_out_mid_batch_refunds_only_the_orders_it_misses() -> None:
    batch, single = both_ways(refs(bulk_ids(55)), bulk=55, stock=52)
    assert batch == single
    assert batch["Successful"] == 52
    assert set(batch["Errors"].values()) == {"OutOfStock"}


def test_a_repeated_or_retried_batch_charges_nothing_twice() -> None:
    ids = bulk_ids(50)
    with world(bulk=50) as cfg:
        first = process_order_batch(refs(ids + ids[:3]))
        after_first = rows(cfg)
        again = process_order_batch(refs(ids))  # an Express child runs at least once
        assert rows(cfg) == after_first
    assert first == {"Orders": 53, "Successful": 53, "Revenue": 530.0, "Errors": {}}
    assert again == {"Orders": 50, "Successful": 50, "Revenue": 500.0, "Errors": {}}


def test_a_batch_of_passing_orders_takes_a_few_requests_not_six_an_order() -> None:
    calls: list[str] = []

    def count(event_name: str, **_: Any) -> None:
        calls.append(event_name.rsplit(".", 1)[-1])

    with world(bulk=100):
        clients = [client("dynamodb"), dynamodb().meta.client]
        for each in clients:
            each.meta.events.register("before-call.dynamodb", count)
        try:
            result = process_order_batch(refs(bulk_ids(100)))
        finally:
            for each in clients:
                each.meta.events.unregister("before-call.dynamodb", count)
    assert result["Successful"] == 100
    # One read of the 100 orders, then 49 + 49 + 2 orders a transaction (2 rows an order, plus the
    # card and the product, fit 100 actions).
    assert calls == ["BatchGetItem", "TransactWriteItems", "TransactWriteItems", "TransactWriteItems"]


def test_one_failing_order_among_a_hundred_costs_a_few_more_requests_not_the_whole_group() -> None:
    ids = [*bulk_ids(99)[:50], "ORD-4010", *bulk_ids(99)[50:]]  # a blocked card in the middle
    batch, single = both_ways(refs(ids), bulk=99)
    assert batch == single
    assert batch["Errors"] == {"ORD-4010": "PaymentDeclined"}
    calls: list[str] = []

    def count(event_name: str, **_: Any) -> None:
        calls.append(event_name.rsplit(".", 1)[-1])

    with world(bulk=99):
        clients = [client("dynamodb"), dynamodb().meta.client]
        for each in clients:
            each.meta.events.register("before-call.dynamodb", count)
        try:
            process_order_batch(refs(ids))
        finally:
            for each in clients:
                each.meta.events.unregister("before-call.dynamodb", count)
    # The failing group is halved down to 3 orders processed one by one (6 requests each at most),
    # not 48 (288 requests).
    assert len(calls) < 40, (len(calls), calls)
