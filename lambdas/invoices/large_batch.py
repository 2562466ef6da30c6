"""ProcessInvoicesLargeBatch's activities: where the invoices are, and a batch of them end to end.

The large form fans out over the PDF objects under the invoice prefix (a Distributed Map listing
the bucket), in batches: each batch runs every invoice through the same steps as
ProcessInvoicesBatch (fetch, extract, parse, validate, then save or log the errors), in process,
so a batch of 25 invoices is one Lambda invocation instead of 125.
"""

from __future__ import annotations

from typing import Any

from durable_sfn.dsl import activity
from lambdas.common.config import settings
from lambdas.common.errors import DuplicateInvoice, InvalidInvoiceDocument, InvoiceNotFound
from lambdas.invoices.activities import (
    extract_text_from_pdf,
    fetch_invoice_document,
    log_invoice_error,
    parse_invoice_data,
    save_invoice,
    validate_invoice,
)
from lambdas.invoices.documents import PDF_PREFIX
from lambdas.invoices.models import InvoiceErrorReport


@activity(name="LocateInvoiceDocuments")
def locate_invoice_documents(request: Any = None) -> dict[str, str]:
    """The bucket and prefix of the invoice PDFs (the bucket is this deployment's)."""
    return {"Bucket": settings().invoice_bucket, "Prefix": PDF_PREFIX}


def _one(invoice_id: str) -> dict[str, Any]:
    try:
        document = fetch_invoice_document(invoice_id)
        invoice = parse_invoice_data(extract_text_from_pdf(document))
        validation = validate_invoice(invoice)
        if validation.IsValid:
            save_invoice(invoice)
            return {"InvoiceId": invoice_id, "Success": True, "Amount": invoice.TotalAmount}
        report = InvoiceErrorReport(InvoiceId=invoice_id, Errors=validation.Errors)
    except (InvoiceNotFound, InvalidInvoiceDocument, DuplicateInvoice) as exc:
        report = InvoiceErrorReport(InvoiceId=invoice_id, Errors=[type(exc).__name__], Cause=str(exc))
    logged = log_invoice_error(report)
    return {"InvoiceId": invoice_id, "Success": False, "Amount": 0, "Errors": logged.Errors}


@activity(name="ProcessInvoiceBatch")
def process_invoice_batch(keys: list[str]) -> dict[str, Any]:
    """Each listed PDF (`invoices/<id>.pdf`) through the whole pipeline; an invoice that is
    rejected is logged and counted, never the batch's failure."""
    results = [_one(key.removeprefix(PDF_PREFIX).removesuffix(".pdf")) for key in keys]
    saved = [r for r in results if r["Success"]]
    return {
        "Invoices": len(results),
        "Saved": len(saved),
        "Amount": round(sum(r["Amount"] for r in saved), 2),
        "Failed": [{"InvoiceId": r["InvoiceId"], "Errors": r["Errors"]} for r in results if not r["Success"]],
    }
