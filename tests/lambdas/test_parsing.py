"""The invoice text rules, without AWS."""

from __future__ import annotations

from lambdas.invoices.models import InvoiceData, LineItem
from lambdas.invoices.parsing import parse_invoice_text, validate_invoice_data

TEXT = """INVOICE
Invoice Number: X-1
Vendor: Foo Ltd
Issue Date: 2026-01-01
Due Date: 2026-01-31
Currency: eur
Line Items:
Thing | 2 | 1,000.00 | 2,000.00
Other | 1 | 0.50 | 0.50
Total: $2,000.50
"""


def test_parses_every_field() -> None:
    invoice = parse_invoice_text("I", TEXT)
    assert invoice.InvoiceNumber == "X-1" and invoice.Vendor == "Foo Ltd"
    assert (invoice.IssueDate, invoice.DueDate, invoice.Currency) == ("2026-01-01", "2026-01-31", "EUR")
    assert invoice.TotalAmount == 2000.5
    assert [li.Amount for li in invoice.LineItems] == [2000.0, 0.5]
    assert validate_invoice_data(invoice).Errors == []


def test_unreadable_numbers_are_reported_not_raised() -> None:
    invoice = parse_invoice_text(
        "I", TEXT.replace("| 0.50 | 0.50", "| half | 0.50").replace("$2,000.50", "lots")
    )
    errors = validate_invoice_data(invoice).Errors
    assert "Line 9: unreadable line item 'Other | 1 | half | 0.50'" in errors
    assert "Unreadable total 'lots'" in errors


def test_bad_dates_and_quantities() -> None:
    invoice = InvoiceData(
        InvoiceId="I",
        InvoiceNumber="N",
        Vendor="V",
        IssueDate="01/02/2026",
        DueDate="2026-02-01",
        LineItems=[LineItem(Description="d", Quantity=0, UnitPrice=1, Amount=0)],
        TotalAmount=0,
    )
    assert validate_invoice_data(invoice).Errors == [
        "issue date '01/02/2026' is not a date (expected YYYY-MM-DD)",
        "Line item 'd' has quantity 0.0",
    ]


def test_line_item_arithmetic() -> None:
    invoice = parse_invoice_text("I", TEXT.replace("Thing | 2 | 1,000.00", "Thing | 3 | 1,000.00"))
    assert "Line item 'Thing': 3 x 1000.00 is not 2000.00" in validate_invoice_data(invoice).Errors
