"""Read-only checks of an order that do not depend on each other (the parallel-execution example)."""

from __future__ import annotations

from durable_sfn.dsl import activity
from lambdas.orders.models import CreditCheck, ShippingQuote, StockCheck
from lambdas.orders.payments import default_gateway
from lambdas.orders.store import get_order, shortages


@activity(name="CheckStockActivity")
def check_stock(order_id: str) -> StockCheck:
    order = get_order(order_id)
    short = shortages(order.Items)
    return StockCheck(OrderId=order_id, AllInStock=not short and bool(order.Items), Shortages=short)


@activity(name="CheckCreditActivity")
def check_credit(order_id: str) -> CreditCheck:
    order = get_order(order_id)
    available = default_gateway().available_credit(order.CardId)
    if available is None:
        return CreditCheck(
            OrderId=order_id, Approved=False, AvailableCredit=0.0, Reason=f"Unknown card {order.CardId}"
        )
    approved = available >= order.Total
    return CreditCheck(
        OrderId=order_id,
        Approved=approved,
        AvailableCredit=available,
        Reason=None
        if approved
        else f"Order total {order.Total:.2f} exceeds available credit {available:.2f}",
    )


@activity(name="QuoteShippingActivity")
def quote_shipping(order_id: str) -> ShippingQuote:
    order = get_order(order_id)
    units = sum(item.Quantity for item in order.Items)
    if units <= 3:
        return ShippingQuote(
            OrderId=order_id, Carrier="PostalExpress", Cost=round(4.99 + 1.5 * units, 2), EstimatedDays=3
        )
    return ShippingQuote(
        OrderId=order_id, Carrier="FreightCo", Cost=round(12.0 + 0.75 * units, 2), EstimatedDays=5
    )
