"""PDF text extraction never fails with anything but InvalidInvoiceDocument, whatever the bytes."""

from __future__ import annotations

import random

import pytest

from lambdas.common.errors import InvalidInvoiceDocument
from lambdas.common.resources import sample_documents
from lambdas.invoices.pdf_text import pdf_pages_text

VALID = sample_documents()["INV-2026-001"]


def test_valid_pdf_gives_its_lines() -> None:
    [page] = pdf_pages_text(VALID, "sample")
    assert "Vendor: Acme Supplies Ltd" in page.splitlines()


@pytest.mark.parametrize("cut", [0, 5, 9, 64, 300, len(VALID) // 2, len(VALID) - 40])
def test_truncated_pdfs(cut: int) -> None:
    try:
        pages = pdf_pages_text(VALID[:cut], "truncated")
    except InvalidInvoiceDocument as exc:
        assert "truncated" in str(exc)
    else:
        assert isinstance(pages, list)


def test_damaged_pdfs_fail_only_with_the_named_error() -> None:
    rng = random.Random(20260101)  # deterministic damage
    for _ in range(60):
        data = bytearray(VALID)
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(8, len(data))] = rng.randrange(256)
        try:
            pages = pdf_pages_text(bytes(data), "damaged")
        except InvalidInvoiceDocument:
            continue
        assert all(isinstance(page, str) for page in pages)


@pytest.mark.parametrize("data", [b"", b"GIF89a....", b"\xff\xd8\xff\xe0JFIF", "Invoice über".encode()])
def test_non_pdf_bytes(data: bytes) -> None:
    with pytest.raises(InvalidInvoiceDocument, match="is not a PDF"):
        pdf_pages_text(data, "upload")
