"""Concurrent activity calls (Map iterations run in threads on the local engine) keep DynamoDB's
atomicity: no charge or stock decrement is lost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from lambdas.common.aws import table
from lambdas.common.config import Settings
from lambdas.orders.inventory import reserve_stock
from lambdas.orders.models import OrderItem
from lambdas.orders.payments import LedgerGateway


def test_concurrent_charges_on_one_card_are_all_counted(aws: Settings) -> None:
    gateway = LedgerGateway()
    with ThreadPoolExecutor(max_workers=8) as pool:
        charges = list(pool.map(lambda i: gateway.charge(f"ORD-C{i:02d}", "card-gold", 10.0), range(40)))
    assert len({c.transaction_id for c in charges}) == 40
    available = table(aws.payments_table).get_item(Key={"Pk": "CARD#card-gold"})["Item"]["Available"]
    assert Decimal(available) == Decimal(20000 - 400)


def test_concurrent_reservations_never_oversell(aws: Settings) -> None:
    # 20 orders of 2 lamps each against 20 lamps in stock: exactly 10 can be served.
    for i in range(20):
        table(aws.orders_table).put_item(Item={"OrderId": f"ORD-L{i:02d}", "Status": "PENDING"})
    items = [OrderItem(ProductId="SKU-LAMP", Quantity=2, UnitPrice=80)]

    def reserve(i: int) -> bool:
        try:
            reserve_stock(f"ORD-L{i:02d}", items)
        except Exception:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        served = sum(pool.map(reserve, range(20)))
    stock = int(table(aws.inventory_table).get_item(Key={"ProductId": "SKU-LAMP"})["Item"]["Stock"])
    assert (served, stock) == (10, 0)
