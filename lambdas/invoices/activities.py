"""The invoice pipeline's activities (ProcessInvoicesBatch): fetch, extract, parse, validate, save.

Documents stay in S3: the state machine carries bucket and key, and the extracted text is written
back to S3 for the parser, so no payload grows with the size of a PDF (Step Functions allows 256 KiB).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from durable_sfn.dsl import activity
from lambdas.common.aws import client, table, to_decimal
from lambdas.common.config import settings
from lambdas.common.errors import DuplicateInvoice, InvalidInput, InvalidInvoiceDocument, InvoiceNotFound
from lambdas.common.logging import correlate, logger
from lambdas.invoices.documents import pdf_key, text_key
from lambdas.invoices.models import (
    ExtractedText,
    InvoiceData,
    InvoiceDocument,
    InvoiceErrorLogged,
    InvoiceErrorReport,
    InvoiceValidation,
    SaveResult,
)
from lambdas.invoices.parsing import parse_invoice_text, validate_invoice_data
from lambdas.invoices.pdf_text import pdf_pages_text

MAX_PDF_BYTES = 10 * 1024 * 1024


def _invoice_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or "/" in value:
        raise InvalidInput(f"An invoice id must be a non-empty string without '/', got {value!r}")
    return value


@activity(name="FetchInvoiceDocument")
def fetch_invoice_document(invoice_id: str) -> InvoiceDocument:
    """Locate the invoice's PDF in the invoice bucket (the bytes stay there)."""
    invoice_id = _invoice_id(invoice_id)
    bucket, key = settings().invoice_bucket, pdf_key(invoice_id)
    try:
        head = client("s3").head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise InvoiceNotFound(f"Invoice {invoice_id}: s3://{bucket}/{key} does not exist") from None
        raise
    size = int(head["ContentLength"])
    if size > MAX_PDF_BYTES:
        raise InvalidInvoiceDocument(f"Invoice {invoice_id} is {size} bytes; the limit is {MAX_PDF_BYTES}")
    return InvoiceDocument(InvoiceId=invoice_id, Bucket=bucket, Key=key, SizeBytes=size)


@activity(name="ExtractTextFromPdf")
def extract_text_from_pdf(document: InvoiceDocument) -> ExtractedText:
    """Extract the PDF's text with pypdf and store it beside the PDF; non-PDF or corrupt bytes are InvalidInvoiceDocument."""
    correlate(document)
    s3 = client("s3")
    try:
        data = s3.get_object(Bucket=document.Bucket, Key=document.Key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        raise InvoiceNotFound(
            f"Invoice {document.InvoiceId}: s3://{document.Bucket}/{document.Key} does not exist"
        ) from None
    where = f"s3://{document.Bucket}/{document.Key}"
    pages = pdf_pages_text(data, f"Invoice {document.InvoiceId} ({where})")
    text = "\n".join(pages)
    key = text_key(document.InvoiceId)
    s3.put_object(
        Bucket=document.Bucket, Key=key, Body=text.encode(), ContentType="text/plain; charset=utf-8"
    )
    logger.info(
        "Text extracted", extra={"invoice_id": document.InvoiceId, "pages": len(pages), "chars": len(text)}
    )
    return ExtractedText(
        InvoiceId=document.InvoiceId,
        Bucket=document.Bucket,
        TextKey=key,
        PageCount=len(pages),
        CharCount=len(text),
    )


@activity(name="ParseInvoiceData")
def parse_invoice_data(extracted: ExtractedText) -> InvoiceData:
    """Read the extracted text into InvoiceData; what is missing stays None for validation to report."""
    correlate(extracted)
    s3 = client("s3")
    try:
        text = s3.get_object(Bucket=extracted.Bucket, Key=extracted.TextKey)["Body"].read().decode()
    except s3.exceptions.NoSuchKey:
        raise InvalidInput(
            f"s3://{extracted.Bucket}/{extracted.TextKey} does not exist: extract the text first"
        ) from None
    return parse_invoice_text(extracted.InvoiceId, text)


@activity(name="ValidateInvoiceData")
def validate_invoice(invoice: InvoiceData) -> InvoiceValidation:
    """Required fields, line items adding up to the total, due date after issue date."""
    return validate_invoice_data(invoice)


def _content_hash(invoice: InvoiceData) -> str:
    content = invoice.model_dump(exclude={"InvoiceId", "ExecutionId", "ParseErrors"})
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@activity(name="SaveInvoiceToDatabase")
def save_invoice(invoice: InvoiceData) -> SaveResult:
    """Store a validated invoice once per invoice number; the same number with other content is DuplicateInvoice."""
    correlate(invoice)
    validation = validate_invoice_data(invoice)
    if not validation.IsValid:
        raise InvalidInput(
            f"Invoice {invoice.InvoiceId} is not valid and was not saved: {'; '.join(validation.Errors)}"
        )
    assert invoice.InvoiceNumber is not None and invoice.TotalAmount is not None  # checked by validation
    digest = _content_hash(invoice)
    invoices = table(settings().invoices_table)
    item = {
        "InvoiceNumber": invoice.InvoiceNumber,
        "InvoiceId": invoice.InvoiceId,
        "Vendor": invoice.Vendor,
        "IssueDate": invoice.IssueDate,
        "DueDate": invoice.DueDate,
        "Currency": invoice.Currency or "USD",
        "TotalAmount": to_decimal(invoice.TotalAmount),
        "LineItems": [
            {
                "Description": li.Description,
                "Quantity": to_decimal(li.Quantity),
                "UnitPrice": to_decimal(li.UnitPrice),
                "Amount": to_decimal(li.Amount),
            }
            for li in invoice.LineItems
        ],
        "ContentHash": digest,
        "SavedAt": datetime.now(UTC).isoformat(),
    }
    try:
        invoices.put_item(Item=item, ConditionExpression="attribute_not_exists(InvoiceNumber)")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        stored = invoices.get_item(Key={"InvoiceNumber": invoice.InvoiceNumber}, ConsistentRead=True)["Item"]
        if stored.get("ContentHash") != digest:
            raise DuplicateInvoice(
                f"Invoice number {invoice.InvoiceNumber} was already saved from {stored.get('InvoiceId')} "
                f"with different content; {invoice.InvoiceId} was not saved"
            ) from None
        return SaveResult(InvoiceId=invoice.InvoiceId, InvoiceNumber=invoice.InvoiceNumber, AlreadySaved=True)
    logger.info("Invoice saved", extra={"invoice_id": invoice.InvoiceId, "number": invoice.InvoiceNumber})
    return SaveResult(InvoiceId=invoice.InvoiceId, InvoiceNumber=invoice.InvoiceNumber, AlreadySaved=False)


def _readable_errors(report: InvoiceErrorReport) -> list[str]:
    """The reported errors, the last one completed with the message carried by the Cause."""
    if not report.Cause:
        return list(report.Errors)
    try:
        parsed = json.loads(report.Cause)
        message = parsed.get("errorMessage") if isinstance(parsed, dict) else None
    except json.JSONDecodeError:
        message = None
    message = message or report.Cause
    return [*report.Errors[:-1], f"{report.Errors[-1]}: {message}"]


@activity(name="LogInvoiceError")
def log_invoice_error(report: InvoiceErrorReport) -> InvoiceErrorLogged:
    """Record why an invoice was rejected, once (the first report of an invoice wins)."""
    correlate(report)
    errors = _readable_errors(report)
    errors_table = table(settings().invoice_errors_table)
    try:
        errors_table.put_item(
            Item={"InvoiceId": report.InvoiceId, "Errors": errors, "LoggedAt": datetime.now(UTC).isoformat()},
            ConditionExpression="attribute_not_exists(InvoiceId)",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        stored = errors_table.get_item(Key={"InvoiceId": report.InvoiceId}, ConsistentRead=True)["Item"]
        return InvoiceErrorLogged(
            InvoiceId=report.InvoiceId, Errors=list(stored["Errors"]), AlreadyLogged=True
        )
    logger.warning("Invoice rejected", extra={"invoice_id": report.InvoiceId, "errors": errors})
    return InvoiceErrorLogged(InvoiceId=report.InvoiceId, Errors=errors, AlreadyLogged=False)
