"""The sample orders, cards, products and invoices seeded for `make run` and the tests.

Deterministic on purpose: every decline, shortage and invalid invoice follows from this data,
so a scenario's outcome is the same on every run.
"""

from __future__ import annotations

from typing import Any

from lambdas.invoices.documents import SampleInvoice

CARDS: list[dict[str, Any]] = [
    {"CardId": "card-gold", "Holder": "Ada Lovelace", "Available": 20000, "Blocked": False},
    {"CardId": "card-basic", "Holder": "Charles Babbage", "Available": 100, "Blocked": False},
    {"CardId": "card-blocked", "Holder": "Mallory", "Available": 5000, "Blocked": True},
]

PRODUCTS: list[dict[str, Any]] = [
    {"ProductId": "SKU-BOOK", "Name": "Durable Patterns (book)", "Price": 25.0, "Stock": 100},
    {"ProductId": "SKU-MUG", "Name": "Coffee mug", "Price": 12.5, "Stock": 50},
    {"ProductId": "SKU-LAMP", "Name": "Desk lamp", "Price": 80.0, "Stock": 20},
    {"ProductId": "SKU-DESK", "Name": "Standing desk", "Price": 450.0, "Stock": 30},
    {"ProductId": "SKU-GONE", "Name": "Sold-out poster", "Price": 30.0, "Stock": 0},
]

_PRICES = {p["ProductId"]: p["Price"] for p in PRODUCTS}


def _order(
    order_id: str, card: str, items: list[tuple[str, int]], *, email: str | None = None
) -> dict[str, Any]:
    lines = [{"ProductId": pid, "Quantity": qty, "UnitPrice": _PRICES[pid]} for pid, qty in items]
    return {
        "OrderId": order_id,
        "CustomerEmail": email or f"{order_id.lower()}@customers.example.com",
        "CardId": card,
        "Items": lines,
        "Total": round(sum(line["Quantity"] * line["UnitPrice"] for line in lines), 2),
        "Status": "PENDING",
    }


# The single-order scenarios of OrderProcessingOrchestration (one order each, so they can all run
# against one seeded store).
ORDER_SUCCESS = "ORD-1001"  # 2 books + 1 mug = 62.50
ORDER_OUT_OF_STOCK = "ORD-1002"  # the sold-out poster
ORDER_NO_ITEMS = "ORD-1003"
ORDER_OVER_LIMIT = "ORD-1004"  # 160.00 on a card with 100 available
ORDER_BLOCKED_CARD = "ORD-1005"
ORDER_APPROVAL_GRANTED = "ORD-1006"  # 3 desks = 1350.00, above the approval threshold
ORDER_APPROVAL_REJECTED = "ORD-1007"
ORDER_APPROVAL_TIMEOUT = "ORD-1008"
ORDER_UNKNOWN = "ORD-9999"  # never seeded

# ProcessAllOrdersBatch: three that succeed, one declined, one out of stock, one unknown.
BATCH_ORDERS = ["ORD-2001", "ORD-2002", "ORD-2003", "ORD-2004", "ORD-2005", "ORD-2998"]
# The same mix again for the sub-orchestration variant of the batch.
SUB_BATCH_ORDERS = ["ORD-3001", "ORD-3002", "ORD-3003"]
# ProcessAllOrdersLargeBatch exports the pending orders with this prefix: nine that succeed (a book
# each, 225.00 in all), one on a blocked card, one sold out, one over the card's limit.
LARGE_BATCH_PREFIX = "ORD-4"
LARGE_BATCH_ORDERS = [f"ORD-40{n:02d}" for n in range(1, 13)]

ORDERS: list[dict[str, Any]] = [
    _order(ORDER_SUCCESS, "card-gold", [("SKU-BOOK", 2), ("SKU-MUG", 1)]),
    _order(ORDER_OUT_OF_STOCK, "card-gold", [("SKU-BOOK", 1), ("SKU-GONE", 1)]),
    {**_order(ORDER_NO_ITEMS, "card-gold", []), "Items": []},
    _order(ORDER_OVER_LIMIT, "card-basic", [("SKU-LAMP", 2)]),
    _order(ORDER_BLOCKED_CARD, "card-blocked", [("SKU-MUG", 1)]),
    _order(ORDER_APPROVAL_GRANTED, "card-gold", [("SKU-DESK", 3)]),
    _order(ORDER_APPROVAL_REJECTED, "card-gold", [("SKU-DESK", 3)]),
    _order(ORDER_APPROVAL_TIMEOUT, "card-gold", [("SKU-DESK", 3)]),
    _order("ORD-2001", "card-gold", [("SKU-BOOK", 1)]),
    _order("ORD-2002", "card-gold", [("SKU-MUG", 4)]),
    _order("ORD-2003", "card-basic", [("SKU-LAMP", 2)]),
    _order("ORD-2004", "card-gold", [("SKU-GONE", 2)]),
    _order("ORD-2005", "card-gold", [("SKU-LAMP", 1), ("SKU-BOOK", 2)]),
    _order("ORD-3001", "card-gold", [("SKU-BOOK", 3)]),
    _order("ORD-3002", "card-blocked", [("SKU-MUG", 1)]),
    _order("ORD-3003", "card-gold", [("SKU-LAMP", 1)]),
    *(_order(order_id, "card-gold", [("SKU-BOOK", 1)]) for order_id in LARGE_BATCH_ORDERS[:9]),
    _order("ORD-4010", "card-blocked", [("SKU-MUG", 1)]),
    _order("ORD-4011", "card-gold", [("SKU-GONE", 1)]),
    _order("ORD-4012", "card-basic", [("SKU-LAMP", 4)]),
]

# `python -m statemachines.run --orders N`: N more pending orders for ProcessAllOrdersLargeBatch,
# each one bulk item on the bulk card, with stock and credit for all of them.
BULK_PREFIX = "ORD-B"
BULK_PRODUCT: dict[str, Any] = {"ProductId": "SKU-BULK", "Name": "Bulk pack", "Price": 10.0}
BULK_CARD: dict[str, Any] = {"CardId": "card-bulk", "Holder": "Bulk Buyer", "Blocked": False}


def bulk_orders(count: int) -> list[dict[str, Any]]:
    lines = [{"ProductId": BULK_PRODUCT["ProductId"], "Quantity": 1, "UnitPrice": BULK_PRODUCT["Price"]}]
    return [
        {
            "OrderId": f"{BULK_PREFIX}{n:07d}",
            "CustomerEmail": "bulk@customers.example.com",
            "CardId": BULK_CARD["CardId"],
            "Items": lines,
            "Total": BULK_PRODUCT["Price"],
            "Status": "PENDING",
        }
        for n in range(count)
    ]


# Invoices: id -> sample, or bytes for documents that are not proper invoices.
VALID_INVOICES = ["INV-2026-001", "INV-2026-002", "INV-2026-003"]
INVALID_INVOICES = [
    "INV-2026-004",  # line items do not add up to the total
    "INV-2026-005",  # due date before issue date
    "INV-2026-006",  # no vendor, no invoice number
    "INV-2026-007",  # a blank PDF (no text at all)
]
UNREADABLE_INVOICES = [
    "INV-2026-008",  # not a PDF (a text file renamed)
    "INV-2026-009",  # a truncated, corrupt PDF
]
MISSING_INVOICE = "INV-2026-404"  # never uploaded

INVOICES: dict[str, SampleInvoice] = {
    "INV-2026-001": SampleInvoice(
        "A-1001", "Acme Supplies Ltd", "2026-01-05", "2026-02-04",
        [("Printer paper (box)", 10, 24.5, 245.0), ("Toner cartridge", 2, 89.99, 179.98)], 424.98,
    ),
    "INV-2026-002": SampleInvoice(
        "GLX-77", "Globex Corporation", "2026-01-10", "2026-01-31",
        [("Consulting (hours)", 12, 150.0, 1800.0)], 1800.0,
    ),
    "INV-2026-003": SampleInvoice(
        "INI-2026-3", "Initech", "2026-02-01", "2026-03-03",
        [("TPS report covers", 500, 0.4, 200.0), ("Staplers", 3, 19.99, 59.97), ("Coffee", 6, 8.5, 51.0)], 310.97,
    ),
    "INV-2026-004": SampleInvoice(
        "A-1002", "Acme Supplies Ltd", "2026-01-12", "2026-02-11",
        [("Printer paper (box)", 5, 24.5, 122.5), ("Toner cartridge", 1, 89.99, 89.99)], 250.0,
    ),
    "INV-2026-005": SampleInvoice(
        "UMB-9", "Umbrella Corp", "2026-03-01", "2026-02-01", [("Lab coats", 4, 45.0, 180.0)], 180.0,
    ),
    "INV-2026-006": SampleInvoice(
        None, None, "2026-01-20", "2026-02-19", [("Misc", 1, 99.0, 99.0)], 99.0,
    ),
}  # fmt: skip

NOT_A_PDF = b"Invoice INV-2026-008\nThis is a plain text file, not a PDF.\n"
