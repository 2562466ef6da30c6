"""ProcessAllOrdersLargeBatch: ProcessAllOrdersBatch for batches beyond one payload.

Input: `{"OrderIdPrefix": "ORD-4"}` (optional; all pending orders without it). The pending orders
are exported from the orders table as JSON Lines to S3, and the orchestrator fans out over the
export in batches of 100 (a Distributed Map reading the file itself: nothing of the batch passes
through the 256 KiB payload), 50 batches at a time, each processed by ProcessOrderBatch with the
logic of ProcessSingleOrderActivity. A failing order never fails its batch; up to 10% of the
batches may fail as a whole (their orders are counted as failed) before the run fails with
States.ExceedToleratedFailureThreshold. The batch results are written to S3 and added up.

Pick ProcessAllOrdersBatch for a list the caller holds (a few thousand orders at most, results
in the payload), this form for anything bigger: see docs/batches.md.
"""

from __future__ import annotations

from durable_sfn import JsonValue, OrchestrationContext, S3Location, orchestrator
from lambdas.orders.large_batch import (
    RESULTS_PREFIX,
    export_pending_orders,
    process_order_batch,
    summarize_order_batches,
)


@orchestrator(name="ProcessAllOrdersLargeBatch")
async def process_all_orders_large(ctx: OrchestrationContext, request: dict[str, JsonValue]) -> JsonValue:
    export = await ctx.call_activity(
        export_pending_orders, {"OrderIdPrefix": request.get("OrderIdPrefix"), "ExportId": ctx.instance_id}
    )
    ctx.set_custom_status({"Phase": "Processing", "Orders": export["Orders"]})
    written = await ctx.task_all(
        [
            ctx.call_activity(process_order_batch, orders)
            for orders in ctx.s3_items(export["Bucket"], export["Key"], "jsonl", batch_size=100)
        ],
        max_concurrency=50,
        tolerated_failure_percentage=10,
        results_to=S3Location(export["Bucket"], RESULTS_PREFIX),
        label="Orders",
    )
    summary = await ctx.call_activity(summarize_order_batches, written["ResultWriterDetails"])
    ctx.set_custom_status({"Phase": "Complete", "Orders": export["Orders"], "Failed": summary["Failed"]})
    return summary


# With `results_to`, task_all returns the ResultWriter's details (a dict), which its annotation (a
# list of the tasks' results) cannot say; stated once here rather than on the line it concerns.
# mypy: disable-error-code="call-overload"
