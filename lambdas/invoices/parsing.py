"""Turning an invoice's extracted text into `InvoiceData`, and checking that data.

Pure functions (no AWS), so the rules are easy to test. The layout read is the one the application's
invoices use (see `lambdas.invoices.documents.render_invoice_pdf`):

    INVOICE
    Invoice Number: INV-1001
    Vendor: Acme Supplies Ltd
    Issue Date: 2026-01-05
    Due Date: 2026-02-04
    Currency: USD
    Line Items:
    Widget A | 2 | 10.00 | 20.00
    Total: 20.00
"""

from __future__ import annotations

import re
from datetime import date

from lambdas.invoices.models import InvoiceData, InvoiceValidation, LineItem

_FIELD = re.compile(
    r"^\s*(Invoice Number|Vendor|Issue Date|Due Date|Currency|Total)\s*:\s*(.*?)\s*$", re.IGNORECASE
)
_LINE_ITEM = re.compile(
    r"^\s*(?P<d>[^|]+?)\s*\|\s*(?P<q>[^|]+?)\s*\|\s*(?P<u>[^|]+?)\s*\|\s*(?P<a>[^|]+?)\s*$"
)
_AMOUNT_TOLERANCE = 0.005


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("$", "").strip())


def parse_invoice_text(invoice_id: str, text: str) -> InvoiceData:
    fields: dict[str, str] = {}
    items: list[LineItem] = []
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FIELD.match(line)
        if match:
            fields.setdefault(match.group(1).lower(), match.group(2))
            continue
        item = _LINE_ITEM.match(line)
        if item:
            try:
                items.append(
                    LineItem(
                        Description=item["d"],
                        Quantity=_number(item["q"]),
                        UnitPrice=_number(item["u"]),
                        Amount=_number(item["a"]),
                    )
                )
            except ValueError:
                errors.append(f"Line {number}: unreadable line item {line.strip()!r}")
    total: float | None = None
    if fields.get("total"):
        try:
            total = _number(fields["total"])
        except ValueError:
            errors.append(f"Unreadable total {fields['total']!r}")
    return InvoiceData(
        InvoiceId=invoice_id,
        InvoiceNumber=fields.get("invoice number") or None,
        Vendor=fields.get("vendor") or None,
        IssueDate=fields.get("issue date") or None,
        DueDate=fields.get("due date") or None,
        Currency=(fields.get("currency") or "").upper() or None,
        LineItems=items,
        TotalAmount=total,
        ParseErrors=errors,
    )


def _date(value: str | None, label: str, errors: list[str]) -> date | None:
    if value is None:
        errors.append(f"Missing {label}")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"{label} {value!r} is not a date (expected YYYY-MM-DD)")
        return None


def validate_invoice_data(invoice: InvoiceData) -> InvoiceValidation:
    """Required fields present, line items consistent and adding up to the total, due after issue."""
    errors = list(invoice.ParseErrors)
    if not invoice.InvoiceNumber:
        errors.append("Missing invoice number")
    if not invoice.Vendor:
        errors.append("Missing vendor")
    issued = _date(invoice.IssueDate, "issue date", errors)
    due = _date(invoice.DueDate, "due date", errors)
    if issued and due and due <= issued:
        errors.append(f"Due date {due} is not after issue date {issued}")
    if not invoice.LineItems:
        errors.append("No line items")
    for item in invoice.LineItems:
        if item.Quantity <= 0:
            errors.append(f"Line item {item.Description!r} has quantity {item.Quantity}")
        if abs(item.Quantity * item.UnitPrice - item.Amount) > _AMOUNT_TOLERANCE:
            errors.append(
                f"Line item {item.Description!r}: {item.Quantity:g} x {item.UnitPrice:.2f} is not {item.Amount:.2f}"
            )
    if invoice.TotalAmount is None:
        errors.append("Missing total")
    elif invoice.LineItems:
        items_sum = round(sum(item.Amount for item in invoice.LineItems), 2)
        if abs(items_sum - invoice.TotalAmount) > _AMOUNT_TOLERANCE:
            errors.append(f"Line items add up to {items_sum:.2f}, but the total is {invoice.TotalAmount:.2f}")
    return InvoiceValidation(InvoiceId=invoice.InvoiceId, IsValid=not errors, Errors=errors)
