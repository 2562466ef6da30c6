"""Settling many orders in one DynamoDB transaction: ProcessOrderBatch's fast path.

Processing an order one by one (ProcessSingleOrderActivity) reads it, reads the ledger, charges
the card in one transaction, reserves the stock in another and marks the order PROCESSED: six
requests. A batch of orders that will all pass can do the same writes together: one transaction
holds, for each order, its charge row (only if absent) and its PROCESSED mark with the stock
reservation mark (only if still PENDING and not reserved), plus one decrement per card by the sum
of its orders (only if not blocked and enough credit is left) and one per product by the sum of
its quantities (only if enough stock is left).

That transaction commits exactly when every one of its orders would have passed one after the
other (amounts and quantities are never negative, so the sums pass when each step does), and it
then leaves the rows in the same state: the same charge rows, balances, stock levels and order
marks. When any condition fails (a declined card, a product out of stock, an order charged by an
earlier attempt), DynamoDB cancels the whole transaction and nothing is written: the caller then
processes those orders one by one, which finds and reports each one's own reason. One failing
order therefore sends its whole group (up to 49 orders) down the one-by-one path.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from lambdas.common.aws import client
from lambdas.common.config import settings
from lambdas.orders.inventory import RESERVATION_MARK, stock_decrement_actions
from lambdas.orders.models import Order
from lambdas.orders.payments import LedgerGateway, ledger_charge_actions, transaction_id
from lambdas.orders.store import quantities

# DynamoDB transactions hold at most 100 actions.
MAX_ACTIONS = 100


def settle_orders(orders: Sequence[Order], ledger: LedgerGateway) -> set[str]:
    """Charge, reserve and mark PROCESSED the given PENDING orders, as many a transaction as fit;
    return the ids of those settled. The others were left untouched (their transaction was
    cancelled, or one order alone needs more than a transaction holds)."""
    settled: set[str] = set()
    for group in _groups(orders):
        if _settle(group, ledger.table_name):
            settled.update(order.OrderId for order in group)
    return settled


def _action_count(orders: int, cards: set[str], products: set[str]) -> int:
    return 2 * orders + len(cards) + len(products)


def _groups(orders: Sequence[Order]) -> Iterator[list[Order]]:
    """Consecutive orders, as many a group as one transaction holds (each id at most once)."""
    group: list[Order] = []
    ids: set[str] = set()
    cards: set[str] = set()
    products: set[str] = set()
    for order in orders:
        own_products = set(quantities(order.Items))
        if _action_count(1, {order.CardId}, own_products) > MAX_ACTIONS:
            continue  # left to the one-by-one path
        # A transaction may name an item once: a repeated id starts the next group.
        if order.OrderId in ids or (
            _action_count(len(group) + 1, cards | {order.CardId}, products | own_products) > MAX_ACTIONS
        ):
            yield group
            group, ids, cards, products = [], set(), set(), set()
        group.append(order)
        ids.add(order.OrderId)
        cards.add(order.CardId)
        products |= own_products
    if group:
        yield group


def _settle(group: list[Order], payments_table: str) -> bool:
    cfg = settings()
    now = datetime.now(UTC).isoformat()
    needed: dict[str, int] = {}
    for order in group:
        for product_id, quantity in quantities(order.Items).items():
            needed[product_id] = needed.get(product_id, 0) + quantity
    actions: list[dict[str, Any]] = [
        *ledger_charge_actions(payments_table, [(o.OrderId, o.CardId, o.Total) for o in group], now),
        *(_processed_mark(cfg.orders_table, order.OrderId, now) for order in group),
        *stock_decrement_actions(cfg.inventory_table, needed),
    ]
    try:
        client("dynamodb").transact_write_items(TransactItems=actions)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        return False
    return True


def _processed_mark(orders_table: str, order_id: str, now: str) -> dict[str, Any]:
    """What reserve_stock and then set_status(PROCESSED) write on the order, in one update."""
    return {
        "Update": {
            "TableName": orders_table,
            "Key": {"OrderId": {"S": order_id}},
            "UpdateExpression": f"SET {RESERVATION_MARK} = :now, #s = :processed, TransactionId = :txn",
            "ConditionExpression": f"attribute_exists(OrderId) AND attribute_not_exists({RESERVATION_MARK}) "
            "AND #s = :pending",
            "ExpressionAttributeNames": {"#s": "Status"},
            "ExpressionAttributeValues": {
                ":now": {"S": now},
                ":processed": {"S": "PROCESSED"},
                ":txn": {"S": transaction_id(order_id)},
                ":pending": {"S": "PENDING"},
            },
        }
    }
