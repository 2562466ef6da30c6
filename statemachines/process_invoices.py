"""ProcessInvoicesBatch: per invoice fetch -> extract text -> parse -> validate -> save or log errors.

Input: a list of invoice ids (documents at `s3://$INVOICE_BUCKET/invoices/<id>.pdf`). Unlike the
Durable sample, PDF bytes never pass through the workflow: activities exchange S3 references, as
Step Functions payloads are limited to 256 KiB. Unreadable documents (missing, not a PDF, corrupt)
are logged like invalid ones and counted as failed; they never fail the batch.
"""

from __future__ import annotations

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from lambdas.common.errors import DuplicateInvoice, InvalidInvoiceDocument, InvoiceNotFound
from lambdas.invoices.activities import (
    extract_text_from_pdf,
    fetch_invoice_document,
    log_invoice_error,
    parse_invoice_data,
    save_invoice,
    validate_invoice,
)


@orchestrator(name="ProcessInvoicesBatch")
async def process_invoices(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    invoice_ids = ctx.get_input()
    ctx.set_custom_status({"Phase": "Processing invoices", "Invoices": len(invoice_ids)})

    async def process_invoice(invoice_id: str) -> dict[str, JsonValue]:
        try:
            document = await ctx.call_activity(fetch_invoice_document, invoice_id)
            extracted = await ctx.call_activity(extract_text_from_pdf, document)
            invoice = await ctx.call_activity(parse_invoice_data, extracted)
            validation = await ctx.call_activity(validate_invoice, invoice)
            if validation["IsValid"]:
                await ctx.call_activity(save_invoice, invoice)
                return {"InvoiceId": invoice_id, "Success": True, "Amount": invoice["TotalAmount"]}
            report = {"InvoiceId": invoice_id, "Errors": validation["Errors"]}
        except (InvoiceNotFound, InvalidInvoiceDocument, DuplicateInvoice) as e:
            report = {"InvoiceId": invoice_id, "Errors": [e.error], "Cause": e.cause}

        logged = await ctx.call_activity(log_invoice_error, report)
        return {"InvoiceId": invoice_id, "Success": False, "Amount": 0, "Errors": logged["Errors"]}

    results = await ctx.task_all([process_invoice(invoice_id) for invoice_id in invoice_ids])

    succeeded = [r for r in results if r["Success"]]
    return {
        "TotalInvoices": len(invoice_ids),
        "ProcessedSuccessfully": len(succeeded),
        "Failed": len(results) - len(succeeded),
        "TotalAmount": round(sum([r["Amount"] for r in succeeded]), 2),
        "FailedInvoices": [
            {"InvoiceId": r["InvoiceId"], "Errors": r["Errors"]} for r in results if not r["Success"]
        ],
    }
