"""Processing one order of a batch in a single activity (ProcessAllOrdersBatch's fan-out body).

Validation, charge and stock decrement happen here in sequence; each is idempotent on its own, so
a retried call resumes where the failed one stopped. When stock runs out after the charge, the
charge is refunded before the error is raised, so a failed order never keeps the customer's money.
"""

from __future__ import annotations

from durable_sfn.dsl import activity
from lambdas.common.errors import InvalidOrder, OutOfStock
from lambdas.common.logging import correlate, logger
from lambdas.orders.inventory import reserve_stock
from lambdas.orders.models import OrderProcessResult, OrderRef
from lambdas.orders.payments import default_gateway
from lambdas.orders.store import check_order, get_order, set_status


@activity(name="ProcessSingleOrderActivity")
def process_single_order(order: OrderRef) -> OrderProcessResult:
    """Charge and reserve stock for one order; raises OrderNotFound, InvalidOrder, PaymentDeclined or OutOfStock."""
    correlate(order)
    stored = get_order(order.OrderId)
    if stored.Status not in ("PENDING", "PROCESSED"):
        raise InvalidOrder(f"Order {stored.OrderId} is {stored.Status}; only pending orders can be processed")
    # Stock is not checked here: the reservation below checks it atomically (and a retry after
    # the reservation would see the stock already taken by this very order).
    reason = check_order(stored, include_stock=False)
    if reason is not None:
        raise InvalidOrder(f"Order {stored.OrderId}: {reason}")
    gateway = default_gateway()
    charge = gateway.charge(stored.OrderId, stored.CardId, stored.Total)
    try:
        reserve_stock(stored.OrderId, stored.Items)
    except OutOfStock:
        gateway.refund(stored.OrderId)
        set_status(stored.OrderId, "REFUNDED")
        raise
    set_status(stored.OrderId, "PROCESSED", TransactionId=charge.transaction_id)
    logger.info("Order processed", extra={"order_id": stored.OrderId, "revenue": stored.Total})
    return OrderProcessResult(
        OrderId=stored.OrderId, Success=True, Revenue=stored.Total, TransactionId=charge.transaction_id
    )
