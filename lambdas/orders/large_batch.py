"""ProcessAllOrdersLargeBatch's activities: export the pending orders, process a batch, add up.

The orders to process are exported from the orders table as JSON Lines to the reports bucket
(`exports/orders/<export id>.jsonl`), so the batch never passes through the workflow's 256 KiB
payload: the orchestrator fans out over the export (a Distributed Map), each child processes up to
100 orders with the rules of ProcessSingleOrderActivity (those that all pass settled together in
a few transactions, see lambdas/orders/settle.py), and the children's results are written under
`results/orders/`, from which the summary is added up.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Attr

from durable_sfn.dsl import activity
from lambdas.common.aws import client, table
from lambdas.common.config import settings
from lambdas.common.errors import InvalidInput, InvalidOrder, OrderNotFound, OutOfStock, PaymentDeclined
from lambdas.common.logging import correlate, logger
from lambdas.orders.batch import process_single_order
from lambdas.orders.models import Order, OrderRef
from lambdas.orders.payments import LedgerGateway, default_gateway
from lambdas.orders.settle import fits_one_transaction, settle_in_order
from lambdas.orders.store import check_order, find_orders

EXPORTS_PREFIX = "exports/orders/"
RESULTS_PREFIX = "results/orders/"
# The summary lists at most this many failed order ids (the counts are always complete).
LISTED_FAILURES = 100


@activity(name="ExportPendingOrders")
def export_pending_orders(request: dict[str, Any]) -> dict[str, Any]:
    """Write the PENDING orders whose id starts with `OrderIdPrefix` as JSON Lines
    (`{"OrderId": ...}` each), read page by page and spooled to disk past 8 MiB."""
    export_id = str(request.get("ExportId") or "")
    if not export_id or "/" in export_id:
        raise InvalidInput(f"ExportId must be a non-empty name without '/', got {export_id!r}")
    prefix = str(request.get("OrderIdPrefix") or "")
    condition = Attr("Status").eq("PENDING")
    if prefix:
        condition = condition & Attr("OrderId").begins_with(prefix)
    orders = table(settings().orders_table)
    key = f"{EXPORTS_PREFIX}{export_id}.jsonl"
    count = 0
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
        scan: dict[str, Any] = {"FilterExpression": condition, "ProjectionExpression": "OrderId"}
        while True:
            page = orders.scan(**scan)
            for item in sorted(page.get("Items", []), key=lambda i: str(i["OrderId"])):
                spool.write(json.dumps({"OrderId": item["OrderId"]}).encode() + b"\n")
                count += 1
            if "LastEvaluatedKey" not in page:
                break
            scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        spool.seek(0)
        client("s3").upload_fileobj(spool, settings().reports_bucket, key)
    logger.info("Orders exported", extra={"key": key, "orders": count})
    return {"Bucket": settings().reports_bucket, "Key": key, "Orders": count}


@dataclass
class _Tally:
    """A batch's outcome, order by order, in the batch's order."""

    revenue: float = 0.0
    errors: dict[str, str] = field(default_factory=dict)

    def settled(self, ref: OrderRef, order: Order) -> None:
        correlate(ref)
        logger.info("Order processed", extra={"order_id": order.OrderId, "revenue": order.Total})
        self.revenue += order.Total

    def one_by_one(self, ref: OrderRef) -> None:
        try:
            self.revenue += process_single_order(ref).Revenue
        except (OrderNotFound, InvalidOrder, PaymentDeclined, OutOfStock) as exc:
            self.errors[ref.OrderId] = type(exc).__name__


@activity(name="ProcessOrderBatch")
def process_order_batch(orders: list[dict[str, Any]]) -> dict[str, Any]:
    """Process each order as ProcessSingleOrderActivity does, in order; an order that fails (not
    found, invalid, declined, out of stock) is counted with its error and the batch goes on. Any
    other error fails the batch, and the Map retries or counts it against the tolerated failures.

    The orders are read together, and runs of pending, valid ones are settled together, one
    transaction for up to 49 of them (lambdas/orders/settle.py: the same writes as one by one,
    committed only when every one of them passes; a group that is not is split in halves down to
    the few orders that fail). Those, and the orders that are not pending or valid, go through
    ProcessSingleOrderActivity's logic one by one at their place, which says why each fails."""
    refs = [OrderRef.model_validate(order) for order in orders]
    tally = _Tally()
    gateway = default_gateway()
    if not isinstance(gateway, LedgerGateway):  # only the ledger's rows can join a transaction
        for ref in refs:
            tally.one_by_one(ref)
    else:
        stored = find_orders([ref.OrderId for ref in refs])
        by_id: dict[str, OrderRef] = {}
        for ref in refs:
            by_id.setdefault(ref.OrderId, ref)
        run: list[Order] = []  # consecutive orders that can be settled together

        def settle_run() -> None:
            settle_in_order(
                run,
                gateway,
                settled=lambda order: tally.settled(by_id[order.OrderId], order),
                one_by_one=lambda order: tally.one_by_one(by_id[order.OrderId]),
            )
            run.clear()

        seen: set[str] = set()
        for ref in refs:
            order = stored.get(ref.OrderId)
            if (
                order is not None
                and ref.OrderId not in seen  # a repeated id goes one by one: a replay, as before
                and order.Status == "PENDING"
                and check_order(order, include_stock=False) is None
                and fits_one_transaction(order)
            ):
                run.append(order)
            else:
                settle_run()
                tally.one_by_one(ref)
            seen.add(ref.OrderId)
        settle_run()
    return {
        "Orders": len(orders),
        "Successful": len(orders) - len(tally.errors),
        "Revenue": round(tally.revenue, 2),
        "Errors": tally.errors,
    }


@activity(name="SummarizeOrderBatches")
def summarize_order_batches(results: dict[str, Any]) -> dict[str, Any]:
    """Add up the batch results a Distributed Map wrote (`ResultWriterDetails`: the manifest's
    bucket and key). A batch that failed as a whole counts all its orders as failed."""
    s3 = client("s3")
    bucket, manifest_key = results["Bucket"], results["Key"]
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=manifest_key)["Body"].read())
    processed = successful = 0
    revenue = 0.0
    failed: list[str] = []
    kinds: Counter[str] = Counter()
    for status, files in manifest["ResultFiles"].items():
        for file in files:
            for record in json.loads(s3.get_object(Bucket=bucket, Key=file["Key"])["Body"].read()):
                orders = json.loads(record["Input"])["Items"]
                processed += len(orders)
                if status != "SUCCEEDED":
                    kinds[str(record.get("Error") or status)] += len(orders)
                    failed += [o["OrderId"] for o in orders]
                    continue
                batch = json.loads(record["Output"])
                successful += batch["Successful"]
                revenue += batch["Revenue"]
                kinds.update(batch["Errors"].values())
                failed += list(batch["Errors"])
    return {
        "TotalProcessed": processed,
        "Successful": successful,
        "Failed": processed - successful,
        "TotalRevenue": round(revenue, 2),
        "FailedOrders": sorted(failed)[:LISTED_FAILURES],
        "ErrorCounts": dict(sorted(kinds.items())),
    }
