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
earlier attempt, a conflict), DynamoDB cancels the whole transaction and nothing is written: the
group is split in halves, tried in turn, down to the few orders that fail, which are processed one
by one, in their place, and report their own reason. One failing order among 49 costs about a
dozen transactions instead of 49 orders one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
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


# A cancelled group this small goes one by one rather than in halves.
SMALLEST_SPLIT = 3


def fits_one_transaction(order: Order) -> bool:
    """Whether the order's rows (charge, order, card, each product) fit one transaction."""
    return _action_count(1, {order.CardId}, set(quantities(order.Items))) <= MAX_ACTIONS


def settle_in_order(
    orders: Sequence[Order],
    ledger: LedgerGateway,
    *,
    settled: Callable[[Order], None],
    one_by_one: Callable[[Order], None],
) -> None:
    """Charge, reserve and mark PROCESSED the given orders (PENDING, valid, distinct ids, each
    `fits_one_transaction`) with the outcome of processing them one after the other in this order.

    Consecutive orders go as many a transaction as fit; a group whose transaction is cancelled is
    split in halves, each tried in turn, until the orders that do not pass are in groups of at most
    SMALLEST_SPLIT, which go to `one_by_one` (ProcessSingleOrderActivity's logic, which says why each
    fails). `settled` is called for each order of a committed group. Both are called in the order
    of `orders`, each group after the ones before it took effect, so every order meets the credit
    and stock it would meet one by one."""
    for group in _groups(orders):
        _settle_in_halves(group, ledger.table_name, settled, one_by_one)


def _settle_in_halves(
    group: list[Order],
    payments_table: str,
    settled: Callable[[Order], None],
    one_by_one: Callable[[Order], None],
) -> None:
    if _settle(group, payments_table):
        for order in group:
            settled(order)
    elif len(group) <= SMALLEST_SPLIT:
        for order in group:
            one_by_one(order)
    else:
        middle = len(group) // 2
        _settle_in_halves(group[:middle], payments_table, settled, one_by_one)
        _settle_in_halves(group[middle:], payments_table, settled, one_by_one)


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
        if group and (
            order.OrderId in ids
            or _action_count(len(group) + 1, cards | {order.CardId}, products | own_products) > MAX_ACTIONS
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
