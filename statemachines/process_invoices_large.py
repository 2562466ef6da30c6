"""ProcessInvoicesLargeBatch: ProcessInvoicesBatch over every invoice PDF in the bucket.

Input: none. Instead of a list of invoice ids in the payload, the orchestrator fans out over the
objects under the invoice prefix (a Distributed Map listing the bucket with s3:listObjectsV2), 25
invoices a batch, 20 batches at a time; each batch runs the whole pipeline for its invoices
(ProcessInvoiceBatch). Rejected invoices are logged (the invoice errors table says why) and counted
as in the small form, but not listed in the output, which a whole bucket's list could outgrow; a batch that
fails as a whole is counted too, and more than 10% of them fails the run
(States.ExceedToleratedFailureThreshold). Pick ProcessInvoicesBatch for a list of ids the caller
holds, this form for a whole bucket: see docs/batches.md.
"""

from __future__ import annotations

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from lambdas.invoices.large_batch import locate_invoice_documents, process_invoice_batch


@orchestrator(name="ProcessInvoicesLargeBatch")
async def process_invoices_large(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    source = await ctx.call_activity(locate_invoice_documents)
    ctx.set_custom_status({"Phase": "Processing invoices", "Prefix": source["Prefix"]})
    batches = await ctx.task_all(
        [
            ctx.call_activity(process_invoice_batch, [pdf["Key"] for pdf in pdfs])
            for pdfs in ctx.s3_objects(source["Bucket"], source["Prefix"], batch_size=25)
        ],
        max_concurrency=20,
        tolerated_failure_percentage=10,
        label="Invoices",
    )
    done = [b for b in batches if "Error" not in b]
    total = sum([b["Invoices"] for b in done])
    saved = sum([b["Saved"] for b in done])
    ctx.set_custom_status({"Phase": "Complete", "Invoices": total, "Saved": saved})
    return {
        "TotalInvoices": total,
        "ProcessedSuccessfully": saved,
        "Failed": total - saved,
        "FailedBatches": len(batches) - len(done),
        "TotalAmount": round(sum([b["Amount"] for b in done]), 2),
    }
