"""A three-step order report (the LongWorkflow example): snapshot, summarize, publish.

Each step reads what the previous one wrote to the reports bucket under the report id, so the
steps exchange S3 keys rather than data, and each can be re-run alone with the same result.
"""

from __future__ import annotations

import json
from typing import Any

from durable_sfn.dsl import activity
from lambdas.common.aws import client, plain, table
from lambdas.common.config import settings
from lambdas.common.errors import InvalidInput
from lambdas.common.idempotency import run_once
from lambdas.common.logging import correlate, logger
from lambdas.orders.models import ReportRequest, ReportStep


def _key(report_id: str, name: str) -> str:
    return f"reports/{report_id}/{name}.json"


def _read(key: str) -> Any:
    s3 = client("s3")
    try:
        body = s3.get_object(Bucket=settings().reports_bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        raise InvalidInput(
            f"s3://{settings().reports_bucket}/{key} does not exist: run the previous step first"
        ) from None
    return json.loads(body)


def _write(key: str, value: Any) -> None:
    client("s3").put_object(
        Bucket=settings().reports_bucket,
        Key=key,
        Body=json.dumps(value, sort_keys=True).encode(),
        ContentType="application/json",
    )


@activity(name="CollectOrderSnapshot")
def collect_order_snapshot(request: ReportRequest) -> ReportStep:
    """Step 1: copy every order's id, status and total into the report's snapshot."""
    correlate(request)
    orders: list[dict[str, Any]] = []
    scan_args: dict[str, Any] = {
        "ProjectionExpression": "OrderId, #s, #t",
        "ExpressionAttributeNames": {"#s": "Status", "#t": "Total"},
    }
    while True:
        page = table(settings().orders_table).scan(**scan_args)
        orders.extend(plain(page.get("Items", [])))
        if "LastEvaluatedKey" not in page:
            break
        scan_args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    orders.sort(key=lambda o: o["OrderId"])
    key = _key(request.ReportId, "orders")
    _write(key, orders)
    logger.info("Order snapshot written", extra={"key": key, "orders": len(orders)})
    return ReportStep(ReportId=request.ReportId, Key=key, OrderCount=len(orders))


@activity(name="SummarizeOrderSnapshot")
def summarize_order_snapshot(request: ReportRequest) -> ReportStep:
    """Step 2: count orders per status and sum the revenue of the orders that were paid."""
    correlate(request)
    orders = _read(_key(request.ReportId, "orders"))
    by_status: dict[str, int] = {}
    for order in orders:
        by_status[order.get("Status", "UNKNOWN")] = by_status.get(order.get("Status", "UNKNOWN"), 0) + 1
    revenue = round(
        sum(o.get("Total", 0) for o in orders if o.get("Status") in ("PAID", "SHIPPED", "PROCESSED")), 2
    )
    key = _key(request.ReportId, "summary")
    _write(
        key,
        {"ReportId": request.ReportId, "OrderCount": len(orders), "ByStatus": by_status, "Revenue": revenue},
    )
    return ReportStep(ReportId=request.ReportId, Key=key, OrderCount=len(orders), Revenue=revenue)


@activity(name="PublishOrderReport")
def publish_order_report(request: ReportRequest, context: Any = None) -> ReportStep:
    """Step 3: announce the summary on the notifications topic, once per report."""
    correlate(request)
    key = _key(request.ReportId, "summary")
    summary = _read(key)

    def publish() -> dict[str, Any]:
        response = client("sns").publish(
            TopicArn=settings().notifications_topic_arn,
            Subject=f"Order report {request.ReportId}",
            Message=json.dumps({"Event": "OrderReport", "SummaryKey": key, **summary}, sort_keys=True),
        )
        return {"MessageId": response["MessageId"]}

    published = run_once("order-report", {"ReportId": request.ReportId}, publish, context)
    return ReportStep(
        ReportId=request.ReportId,
        Key=key,
        OrderCount=summary["OrderCount"],
        Revenue=summary["Revenue"],
        MessageId=published["MessageId"],
    )
