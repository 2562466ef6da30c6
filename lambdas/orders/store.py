"""Reading orders from the orders table, and the order-level validation rules."""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from lambdas.common.aws import dynamodb, plain, table
from lambdas.common.config import settings
from lambdas.common.errors import InvalidOrder, OrderNotFound
from lambdas.orders.models import Order, OrderItem

# Keys one BatchGetItem request may name.
BATCH_GET_LIMIT = 100


def find_order(order_id: str) -> Order | None:
    """The order, or None when the table has no such id; a malformed row is an InvalidOrder."""
    if not order_id:
        return None
    item = table(settings().orders_table).get_item(Key={"OrderId": order_id}, ConsistentRead=True).get("Item")
    if item is None:
        return None
    try:
        return Order.model_validate(plain(item))
    except ValidationError as exc:
        raise InvalidOrder(f"Order {order_id} is malformed in {settings().orders_table}: {exc}") from exc


def find_orders(order_ids: Sequence[str]) -> dict[str, Order]:
    """The well-formed orders among `order_ids`, by id, read 100 a request (consistent
    BatchGetItem) instead of one request each; a missing or malformed order is left out, for
    `get_order` to say which and why."""
    name = settings().orders_table
    wanted = list(dict.fromkeys(i for i in order_ids if i))
    found: dict[str, Order] = {}
    for start in range(0, len(wanted), BATCH_GET_LIMIT):
        request: dict[str, Any] = {
            name: {
                "Keys": [{"OrderId": i} for i in wanted[start : start + BATCH_GET_LIMIT]],
                "ConsistentRead": True,
            }
        }
        for attempt in itertools.count():
            page = dynamodb().batch_get_item(RequestItems=request)
            for item in page["Responses"].get(name, []):
                try:
                    order = Order.model_validate(plain(item))
                except ValidationError:
                    continue
                found[order.OrderId] = order
            request = page.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(min(0.05 * 2**attempt, 1.0))  # throttled: back off before asking again
    return found


def get_order(order_id: str) -> Order:
    order = find_order(order_id)
    if order is None:
        raise OrderNotFound(f"Order {order_id!r} does not exist in table {settings().orders_table}")
    return order


def stock_levels(product_ids: list[str]) -> dict[str, int]:
    """Current stock per product id; products missing from the table are absent from the result."""
    inventory = settings().inventory_table
    levels: dict[str, int] = {}
    for product_id in sorted(set(product_ids)):
        item = table(inventory).get_item(Key={"ProductId": product_id}, ConsistentRead=True).get("Item")
        if item is not None:
            levels[product_id] = int(item["Stock"])
    return levels


def quantities(items: list[OrderItem]) -> dict[str, int]:
    """Total quantity per product (an order may list a product twice)."""
    totals: dict[str, int] = {}
    for item in items:
        totals[item.ProductId] = totals.get(item.ProductId, 0) + item.Quantity
    return totals


def shortages(items: list[OrderItem]) -> list[str]:
    """Human-readable shortages, e.g. "SKU-1 (need 3, have 1)"; empty when all is in stock."""
    needed = quantities(items)
    levels = stock_levels(list(needed))
    result = []
    for product_id, quantity in needed.items():
        if product_id not in levels:
            result.append(f"{product_id} (unknown product)")
        elif levels[product_id] < quantity:
            result.append(f"{product_id} (need {quantity}, have {levels[product_id]})")
    return result


def items_total(items: list[OrderItem]) -> float:
    return round(sum(item.Quantity * item.UnitPrice for item in items), 2)


def check_order(order: Order, *, include_stock: bool = True) -> str | None:
    """Why the order cannot be processed, or None when it can."""
    if not order.Items:
        return "Order has no items"
    if abs(items_total(order.Items) - order.Total) > 0.005:
        return f"Order total {order.Total:.2f} does not match its items ({items_total(order.Items):.2f})"
    missing = shortages(order.Items) if include_stock else []
    if missing:
        return "Items out of stock: " + ", ".join(missing)
    return None


def set_status(order_id: str, status: str, **extra: Any) -> None:
    names = {"#s": "Status"}
    values: dict[str, Any] = {":s": status}
    sets = ["#s = :s"]
    for i, (key, value) in enumerate(sorted(extra.items())):
        names[f"#e{i}"] = key
        values[f":e{i}"] = value
        sets.append(f"#e{i} = :e{i}")
    table(settings().orders_table).update_item(
        Key={"OrderId": order_id},
        UpdateExpression="SET " + ", ".join(sets),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
        ConditionExpression="attribute_exists(OrderId)",
    )
