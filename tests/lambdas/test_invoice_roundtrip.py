"""Property: any well-formed invoice survives PDF rendering, pypdf extraction and parsing intact."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lambdas.invoices.documents import SampleInvoice, render_invoice_pdf
from lambdas.invoices.parsing import parse_invoice_text, validate_invoice_data
from lambdas.invoices.pdf_text import pdf_pages_text

words = st.lists(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789&.-", min_size=1, max_size=10
    ),
    min_size=1,
    max_size=4,
).map(" ".join)
line_items = st.lists(
    st.tuples(words, st.integers(1, 500), st.integers(1, 1_000_000)).map(
        lambda t: (t[0], float(t[1]), t[2] / 100, round(t[1] * t[2] / 100, 2))
    ),
    min_size=1,
    max_size=8,
)


@st.composite
def invoices(draw: st.DrawFn) -> SampleInvoice:
    issued = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)))
    items = draw(line_items)
    return SampleInvoice(
        number=draw(st.from_regex(r"[A-Z]{1,4}-[0-9]{1,6}", fullmatch=True)),
        vendor=draw(words),
        issue_date=issued.isoformat(),
        due_date=(issued + timedelta(days=draw(st.integers(1, 120)))).isoformat(),
        items=items,
        total=round(sum(item[3] for item in items), 2),
    )


@settings(max_examples=40, deadline=None)
@given(invoices())
def test_rendered_invoice_parses_back_and_validates(invoice: SampleInvoice) -> None:
    [page] = pdf_pages_text(render_invoice_pdf(invoice), "generated")
    parsed = parse_invoice_text("INV-GEN", page)
    assert (parsed.InvoiceNumber, parsed.Vendor) == (invoice.number, invoice.vendor)
    assert (parsed.IssueDate, parsed.DueDate, parsed.TotalAmount) == (
        invoice.issue_date,
        invoice.due_date,
        invoice.total,
    )
    assert [
        (li.Description, li.Quantity, li.UnitPrice, li.Amount) for li in parsed.LineItems
    ] == invoice.items
    assert validate_invoice_data(parsed).Errors == []


def test_long_invoice_spans_pages_and_parses_whole() -> None:
    items = [(f"Part {i}", float(i), 1.25, round(i * 1.25, 2)) for i in range(1, 81)]
    invoice = SampleInvoice(
        "BIG-1", "Parts Galore", "2026-01-01", "2026-02-01", items, round(sum(i[3] for i in items), 2)
    )
    pages = pdf_pages_text(render_invoice_pdf(invoice), "long")
    assert len(pages) >= 2
    parsed = parse_invoice_text("INV-BIG", "\n".join(pages))
    assert len(parsed.LineItems) == 80 and parsed.TotalAmount == invoice.total
    assert validate_invoice_data(parsed).IsValid
