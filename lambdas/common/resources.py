"""Create every AWS resource of the application (in moto for tests and `make run`) and seed it.

On AWS the CDK stack creates the same resources with the names from `lambdas.common.config`; this
module is the local twin of that stack, so both must change together.
"""

from __future__ import annotations

import functools
from typing import Any

from botocore.exceptions import ClientError

from durable_sfn.client.events import create_events_table
from lambdas.common import sample_data
from lambdas.common.aws import client, table, to_decimal
from lambdas.common.config import Settings, settings
from lambdas.common.moto_support import (
    serialize_moto_dynamodb,
    snapshot_only_touched_items_in_moto_transactions,
)
from lambdas.invoices.documents import pdf_key, render_blank_pdf, render_invoice_pdf

# Partition key of each table, by role in Settings.tables.
TABLE_KEYS: dict[str, str] = {
    "orders": "OrderId",
    "inventory": "ProductId",
    "payments": "Pk",
    "shipments": "OrderId",
    "invoices": "InvoiceNumber",
    "invoice_errors": "InvoiceId",
    "failures": "OrchestrationId",
    "idempotency": "id",
}


def create_resources(cfg: Settings | None = None) -> Settings:
    """Create the tables, buckets, topic, SES identity and event table; existing ones are kept.

    Meant for moto (tests, `make run`), whose DynamoDB is made thread-safe here first, and whose
    transactions save only the items they touch (so their cost does not grow with the tables).
    """
    serialize_moto_dynamodb()
    snapshot_only_touched_items_in_moto_transactions()
    cfg = cfg or settings()
    dynamodb = client("dynamodb")
    for role, name in cfg.tables.items():
        key = TABLE_KEYS[role]
        try:
            dynamodb.create_table(
                TableName=name,
                AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
                raise
    create_events_table(dynamodb)
    s3 = client("s3")
    for bucket in (cfg.invoice_bucket, cfg.reports_bucket):
        try:
            if cfg.region == "us-east-1":
                s3.create_bucket(Bucket=bucket)
            else:
                s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": cfg.region})
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in (
                "BucketAlreadyOwnedByYou",
                "BucketAlreadyExists",
            ):
                raise
    client("sns").create_topic(Name=cfg.notifications_topic_arn.rsplit(":", 1)[-1])
    client("ses").verify_email_identity(EmailAddress=cfg.sender_email)
    return cfg


def seed_orders(cfg: Settings | None = None) -> None:
    cfg = cfg or settings()
    with table(cfg.payments_table).batch_writer() as batch:
        for card in sample_data.CARDS:
            batch.put_item(
                Item={
                    "Pk": f"CARD#{card['CardId']}",
                    "Holder": card["Holder"],
                    "Available": to_decimal(card["Available"]),
                    "Blocked": card["Blocked"],
                }
            )
    with table(cfg.inventory_table).batch_writer() as batch:
        for product in sample_data.PRODUCTS:
            batch.put_item(Item={**product, "Price": to_decimal(product["Price"])})
    with table(cfg.orders_table).batch_writer() as batch:
        for order in sample_data.ORDERS:
            batch.put_item(Item=_decimals(order))


@functools.cache
def sample_documents() -> dict[str, bytes]:
    """The sample invoice documents by invoice id (rendered once: the bytes never change)."""
    documents: dict[str, bytes] = {
        invoice_id: render_invoice_pdf(invoice) for invoice_id, invoice in sample_data.INVOICES.items()
    }
    documents["INV-2026-007"] = render_blank_pdf()
    documents["INV-2026-008"] = sample_data.NOT_A_PDF
    documents["INV-2026-009"] = render_invoice_pdf(sample_data.INVOICES["INV-2026-001"])[:400]
    return documents


def seed_invoices(cfg: Settings | None = None) -> None:
    cfg = cfg or settings()
    s3 = client("s3")
    for invoice_id, data in sample_documents().items():
        s3.put_object(
            Bucket=cfg.invoice_bucket, Key=pdf_key(invoice_id), Body=data, ContentType="application/pdf"
        )


def create_and_seed() -> Settings:
    """Everything `make run` and the end-to-end tests need: resources plus sample data."""
    cfg = create_resources()
    seed_orders(cfg)
    seed_invoices(cfg)
    return cfg


def seed_bulk_orders(count: int, cfg: Settings | None = None) -> None:
    """`count` pending bulk orders, with the stock and the credit to process every one of them."""
    cfg = cfg or settings()
    product = sample_data.BULK_PRODUCT
    table(cfg.inventory_table).put_item(
        Item={**product, "Price": to_decimal(product["Price"]), "Stock": count}
    )
    card = sample_data.BULK_CARD
    table(cfg.payments_table).put_item(
        Item={
            "Pk": f"CARD#{card['CardId']}",
            "Holder": card["Holder"],
            "Available": to_decimal(count * product["Price"]),
            "Blocked": card["Blocked"],
        }
    )
    with table(cfg.orders_table).batch_writer() as batch:
        for order in sample_data.bulk_orders(count):
            batch.put_item(Item=_decimals(order))


def _decimals(value: Any) -> Any:
    if isinstance(value, float):
        return to_decimal(value)
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value
