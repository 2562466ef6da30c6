"""Decrementing stock for an order exactly once, all items or none.

One DynamoDB transaction marks the order as reserved (only if it was not already) and decrements
every product (only if its stock suffices). A retry finds the mark and changes nothing; a shortage
cancels the whole transaction, so no product is decremented when another one is short.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from lambdas.common.aws import client, table, to_decimal
from lambdas.common.config import settings
from lambdas.common.errors import InvalidInput, OrderNotFound, OutOfStock
from lambdas.orders.models import InventoryUpdateResult, OrderItem, ReservedItem
from lambdas.orders.store import quantities, shortages

# DynamoDB transactions hold at most 100 actions; one is the order's reservation mark.
MAX_PRODUCTS_PER_ORDER = 99
# The order attribute that says its stock was taken (when), so a retry takes nothing more.
RESERVATION_MARK = "InventoryReservedAt"


def stock_decrement_actions(inventory_table: str, needed: Mapping[str, int]) -> list[dict[str, Any]]:
    """One TransactWriteItems update per product, taking `needed[product]` from its stock only if
    the product exists and has that much: the stock half of a reservation, for one order or, with
    the quantities added up, for several (lambdas/orders/settle.py)."""
    return [
        {
            "Update": {
                "TableName": inventory_table,
                "Key": {"ProductId": {"S": product_id}},
                "UpdateExpression": "SET Stock = Stock - :q",
                "ConditionExpression": "attribute_exists(ProductId) AND Stock >= :q",
                "ExpressionAttributeValues": {":q": {"N": str(to_decimal(quantity))}},
            }
        }
        for product_id, quantity in needed.items()
    ]


def reserve_stock(order_id: str, items: list[OrderItem]) -> InventoryUpdateResult:
    needed = quantities(items)
    if len(needed) > MAX_PRODUCTS_PER_ORDER:
        raise InvalidInput(
            f"Order {order_id} has {len(needed)} products; at most {MAX_PRODUCTS_PER_ORDER} fit one update"
        )
    reserved = [ReservedItem(ProductId=p, Quantity=q) for p, q in needed.items()]
    cfg = settings()
    actions = [
        {
            "Update": {
                "TableName": cfg.orders_table,
                "Key": {"OrderId": {"S": order_id}},
                "UpdateExpression": f"SET {RESERVATION_MARK} = :now",
                "ConditionExpression": f"attribute_exists(OrderId) AND attribute_not_exists({RESERVATION_MARK})",
                "ExpressionAttributeValues": {":now": {"S": datetime.now(UTC).isoformat()}},
            }
        }
    ]
    actions.extend(stock_decrement_actions(cfg.inventory_table, needed))
    try:
        client("dynamodb").transact_write_items(TransactItems=actions)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        # Decide from the data, not from the cancellation reasons: the order row tells whether
        # this is a retry, the stock levels tell which items are short.
        order = table(cfg.orders_table).get_item(Key={"OrderId": order_id}, ConsistentRead=True).get("Item")
        if order is None:
            raise OrderNotFound(f"Order {order_id!r} does not exist in table {cfg.orders_table}") from None
        if RESERVATION_MARK in order:
            return InventoryUpdateResult(OrderId=order_id, Reserved=reserved, AlreadyApplied=True)
        short = shortages(items)
        raise OutOfStock(
            f"Order {order_id} cannot be fulfilled, nothing was decremented: "
            + (", ".join(short) or "stock changed")
        ) from None
    return InventoryUpdateResult(OrderId=order_id, Reserved=reserved, AlreadyApplied=False)
