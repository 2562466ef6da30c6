"""Where invoice documents live in S3, and rendering sample invoices as real PDFs.

Rendering uses reportlab, a development dependency: it runs when seeding sample data (tests,
`make run`), never inside a deployed Lambda.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

PDF_PREFIX = "invoices/"
TEXT_PREFIX = "extracted/"


def pdf_key(invoice_id: str) -> str:
    return f"{PDF_PREFIX}{invoice_id}.pdf"


def text_key(invoice_id: str) -> str:
    return f"{TEXT_PREFIX}{invoice_id}.txt"


@dataclass(frozen=True)
class SampleInvoice:
    number: str | None
    vendor: str | None
    issue_date: str | None
    due_date: str | None
    items: list[tuple[str, float, float, float]] = field(default_factory=list)
    total: float | None = None
    currency: str = "USD"

    def lines(self) -> list[str]:
        lines = ["INVOICE"]
        if self.number is not None:
            lines.append(f"Invoice Number: {self.number}")
        if self.vendor is not None:
            lines.append(f"Vendor: {self.vendor}")
        if self.issue_date is not None:
            lines.append(f"Issue Date: {self.issue_date}")
        if self.due_date is not None:
            lines.append(f"Due Date: {self.due_date}")
        lines.append(f"Currency: {self.currency}")
        lines.append("Line Items:")
        lines.extend(f"{d} | {q:g} | {u:.2f} | {a:.2f}" for d, q, u, a in self.items)
        if self.total is not None:
            lines.append(f"Total: {self.total:.2f}")
        return lines


def render_invoice_pdf(invoice: SampleInvoice) -> bytes:
    """A PDF with the invoice's lines as real text (what pypdf extracts back), as many pages as needed."""
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.pdfgen import canvas  # type: ignore[import-untyped]

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)  # invariant: same bytes every run
    top, bottom, step = A4[1] - 72, 72, 18
    y = top
    for line in invoice.lines():
        if y < bottom:
            pdf.showPage()
            y = top
        pdf.drawString(72, y, line)
        y -= step
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def render_blank_pdf() -> bytes:
    """A valid PDF with no text at all, like a scanned image without OCR."""
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.pdfgen import canvas  # type: ignore[import-untyped]

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.rect(72, 72, 200, 100)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
