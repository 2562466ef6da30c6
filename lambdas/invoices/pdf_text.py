"""Text out of PDF bytes with pypdf, where anything unreadable is one named error.

pypdf signals damage with many exception types (its own, and ValueError, KeyError, zlib.error,
struct.error, RecursionError... from deep inside a parser fed garbage); the orchestrator can only
catch what it can name, so every failure to read becomes `InvalidInvoiceDocument`.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader

from lambdas.common.errors import InvalidInvoiceDocument

# pypdf reports recoverable damage through the logging module; failures are reported by us.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def pdf_pages_text(data: bytes, label: str) -> list[str]:
    """The text of each page; `label` names the document in error messages."""
    if data.lstrip()[:5] != b"%PDF-":
        raise InvalidInvoiceDocument(f"{label} is not a PDF: it starts with {data[:16]!r}")
    try:
        reader = PdfReader(io.BytesIO(data))
        return [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # any parser failure on damaged bytes, see the module docstring
        raise InvalidInvoiceDocument(f"{label} is a corrupt PDF: {type(exc).__name__}: {exc}") from None
