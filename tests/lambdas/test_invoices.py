"""The invoice activities against moto: real PDFs, broken documents, validation rules, idempotent saves."""

from __future__ import annotations

import pytest

from lambdas.common import sample_data as data
from lambdas.common.aws import client, table
from lambdas.common.config import Settings
from lambdas.common.errors import DuplicateInvoice, InvalidInput, InvalidInvoiceDocument, InvoiceNotFound
from lambdas.invoices.activities import (
    extract_text_from_pdf,
    fetch_invoice_document,
    log_invoice_error,
    parse_invoice_data,
    save_invoice,
    validate_invoice,
)
from lambdas.invoices.documents import pdf_key
from lambdas.invoices.models import InvoiceData, InvoiceErrorReport


def parsed(invoice_id: str) -> InvoiceData:
    return parse_invoice_data(extract_text_from_pdf(fetch_invoice_document(invoice_id)))


class TestFetchAndExtract:
    def test_fetch_returns_a_reference_not_bytes(self, aws: Settings) -> None:
        document = fetch_invoice_document("INV-2026-001")
        assert (document.Bucket, document.Key) == (aws.invoice_bucket, "invoices/INV-2026-001.pdf")
        assert document.SizeBytes > 500

    def test_missing_document_is_invoice_not_found(self, aws: Settings) -> None:
        with pytest.raises(InvoiceNotFound, match=r"INV-2026-404\.pdf does not exist"):
            fetch_invoice_document(data.MISSING_INVOICE)

    @pytest.mark.parametrize("bad", ["", "../etc/passwd", None, 7])
    def test_bad_invoice_id(self, aws: Settings, bad: object) -> None:
        with pytest.raises(InvalidInput):
            fetch_invoice_document(bad)  # type: ignore[arg-type]

    def test_extracted_text_is_stored_in_s3(self, aws: Settings) -> None:
        extracted = extract_text_from_pdf(fetch_invoice_document("INV-2026-001"))
        text = client("s3").get_object(Bucket=extracted.Bucket, Key=extracted.TextKey)["Body"].read().decode()
        assert "Invoice Number: A-1001" in text
        assert extracted.PageCount == 1 and extracted.CharCount == len(text)

    def test_non_pdf_bytes(self, aws: Settings) -> None:
        with pytest.raises(
            InvalidInvoiceDocument,
            match=r"Invoice INV-2026-008 \(s3://.*/invoices/INV-2026-008\.pdf\) is not a PDF: it starts with",
        ):
            extract_text_from_pdf(fetch_invoice_document("INV-2026-008"))

    def test_truncated_pdf(self, aws: Settings) -> None:
        with pytest.raises(
            InvalidInvoiceDocument, match=r"INV-2026-009 \(.*\) is a corrupt PDF: PdfStreamError"
        ):
            extract_text_from_pdf(fetch_invoice_document("INV-2026-009"))

    def test_garbage_after_pdf_header(self, aws: Settings) -> None:
        client("s3").put_object(
            Bucket=aws.invoice_bucket, Key=pdf_key("INV-X"), Body=b"%PDF-1.7\n\x00\xff garbage"
        )
        with pytest.raises(InvalidInvoiceDocument, match=r"INV-X \(.*\) is a corrupt PDF"):
            extract_text_from_pdf(fetch_invoice_document("INV-X"))


class TestParseAndValidate:
    @pytest.mark.parametrize("invoice_id", data.VALID_INVOICES)
    def test_valid_invoices_round_trip_through_pdf(self, aws: Settings, invoice_id: str) -> None:
        invoice = parsed(invoice_id)
        sample = data.INVOICES[invoice_id]
        assert (invoice.InvoiceNumber, invoice.Vendor, invoice.TotalAmount) == (
            sample.number,
            sample.vendor,
            sample.total,
        )
        assert [(li.Description, li.Quantity, li.Amount) for li in invoice.LineItems] == [
            (d, q, a) for d, q, _, a in sample.items
        ]
        assert validate_invoice(invoice).IsValid

    @pytest.mark.parametrize(
        ("invoice_id", "errors"),
        [
            ("INV-2026-004", ["Line items add up to 212.49, but the total is 250.00"]),
            ("INV-2026-005", ["Due date 2026-02-01 is not after issue date 2026-03-01"]),
            ("INV-2026-006", ["Missing invoice number", "Missing vendor"]),
            (
                "INV-2026-007",
                [
                    "Missing invoice number",
                    "Missing vendor",
                    "Missing issue date",
                    "Missing due date",
                    "No line items",
                    "Missing total",
                ],
            ),
        ],
    )
    def test_invalid_invoices_say_why(self, aws: Settings, invoice_id: str, errors: list[str]) -> None:
        result = validate_invoice(parsed(invoice_id))
        assert not result.IsValid
        assert result.Errors == errors


class TestSave:
    def test_saves_once_under_retries(self, aws: Settings) -> None:
        invoice = parsed("INV-2026-001")
        assert not save_invoice(invoice).AlreadySaved
        assert save_invoice(invoice).AlreadySaved
        rows = table(aws.invoices_table).scan()["Items"]
        assert [(r["InvoiceNumber"], str(r["TotalAmount"])) for r in rows] == [("A-1001", "424.98")]

    def test_same_number_other_content_is_duplicate(self, aws: Settings) -> None:
        invoice = parsed("INV-2026-001")
        save_invoice(invoice)
        other = invoice.model_copy(update={"InvoiceId": "INV-COPY", "Vendor": "Someone Else"})
        with pytest.raises(DuplicateInvoice, match="A-1001 was already saved from INV-2026-001"):
            save_invoice(other)

    def test_invalid_invoice_is_never_written(self, aws: Settings) -> None:
        with pytest.raises(InvalidInput, match="not valid and was not saved: Missing invoice number"):
            save_invoice(parsed("INV-2026-006"))
        assert table(aws.invoices_table).scan()["Items"] == []

    def test_missing_fields_fail_model_validation(self) -> None:
        with pytest.raises(ValueError, match="InvoiceId"):
            InvoiceData.model_validate({"Vendor": "x"})


class TestLogInvoiceError:
    def test_logs_once(self, aws: Settings) -> None:
        report = InvoiceErrorReport(InvoiceId="INV-2026-004", Errors=["bad total"])
        first = log_invoice_error(report)
        retry = log_invoice_error(InvoiceErrorReport(InvoiceId="INV-2026-004", Errors=["other"]))
        assert (first.AlreadyLogged, retry.AlreadyLogged) == (False, True)
        assert first.Errors == retry.Errors == ["bad total"]
        rows = table(aws.invoice_errors_table).scan()["Items"]
        assert [(r["InvoiceId"], r["Errors"]) for r in rows] == [("INV-2026-004", ["bad total"])]

    def test_message_is_taken_from_a_lambda_error_cause(self, aws: Settings) -> None:
        cause = '{"errorMessage": "Invoice X is not a PDF", "errorType": "InvalidInvoiceDocument", "stackTrace": []}'
        report = InvoiceErrorReport(InvoiceId="X", Errors=["InvalidInvoiceDocument"], Cause=cause)
        assert log_invoice_error(report).Errors == ["InvalidInvoiceDocument: Invoice X is not a PDF"]

    def test_plain_text_cause_is_kept(self, aws: Settings) -> None:
        report = InvoiceErrorReport(InvoiceId="Y", Errors=["a", "Timeout"], Cause="took too long")
        assert log_invoice_error(report).Errors == ["a", "Timeout: took too long"]

    def test_needs_at_least_one_error(self) -> None:
        with pytest.raises(ValueError, match="Errors"):
            InvoiceErrorReport(InvoiceId="INV-1", Errors=[])
