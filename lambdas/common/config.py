"""Every resource name and tunable of the reference application, read from the environment.

The CDK stack sets these variables on each Lambda function; locally (tests, `make run`) the defaults
below name the resources that `lambdas.common.resources.create_resources()` creates in moto.
Settings are read on every call, not at import, so a test can change one with `monkeypatch.setenv`.

| Variable                 | Default                                   | Used by                      |
|--------------------------|-------------------------------------------|------------------------------|
| AWS_REGION               | us-east-1                                 | every boto3 client           |
| ORDERS_TABLE             | durable-sfn-orders                        | orders                       |
| INVENTORY_TABLE          | durable-sfn-inventory                     | orders                       |
| PAYMENTS_TABLE           | durable-sfn-payments                      | orders (card ledger)         |
| SHIPMENTS_TABLE          | durable-sfn-shipments                     | orders                       |
| INVOICES_TABLE           | durable-sfn-invoices                      | invoices                     |
| INVOICE_ERRORS_TABLE     | durable-sfn-invoice-errors                | invoices                     |
| FAILURES_TABLE           | durable-sfn-failures                      | operations (LogFailure)      |
| IDEMPOTENCY_TABLE        | durable-sfn-idempotency                   | Powertools idempotency       |
| INVOICE_BUCKET           | durable-sfn-invoices-123456789012         | invoices (PDFs, text)        |
| REPORTS_BUCKET           | durable-sfn-reports-123456789012          | orders (LongWorkflow report) |
| NOTIFICATIONS_TOPIC_ARN  | arn:aws:sns:us-east-1:123456789012:durable-sfn-notifications | orders |
| SENDER_EMAIL             | orders@example.com                        | order confirmation emails    |
| OPERATIONS_API_URL       | http://127.0.0.1:8080                     | operations                   |
| OPERATIONS_API_TIMEOUT   | 5 (seconds)                               | operations                   |
| APPROVAL_THRESHOLD       | 1000 (order total needing approval)       | orders                       |
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class Settings:
    region: str
    orders_table: str
    inventory_table: str
    payments_table: str
    shipments_table: str
    invoices_table: str
    invoice_errors_table: str
    failures_table: str
    idempotency_table: str
    invoice_bucket: str
    reports_bucket: str
    notifications_topic_arn: str
    sender_email: str
    operations_api_url: str
    operations_api_timeout: float
    approval_threshold: float

    @property
    def tables(self) -> dict[str, str]:
        """Every DynamoDB table of the application by role (for creation and for CDK)."""
        return {
            "orders": self.orders_table,
            "inventory": self.inventory_table,
            "payments": self.payments_table,
            "shipments": self.shipments_table,
            "invoices": self.invoices_table,
            "invoice_errors": self.invoice_errors_table,
            "failures": self.failures_table,
            "idempotency": self.idempotency_table,
        }


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def settings() -> Settings:
    region = _env("AWS_REGION", _env("AWS_DEFAULT_REGION", "us-east-1"))
    return Settings(
        region=region,
        orders_table=_env("ORDERS_TABLE", "durable-sfn-orders"),
        inventory_table=_env("INVENTORY_TABLE", "durable-sfn-inventory"),
        payments_table=_env("PAYMENTS_TABLE", "durable-sfn-payments"),
        shipments_table=_env("SHIPMENTS_TABLE", "durable-sfn-shipments"),
        invoices_table=_env("INVOICES_TABLE", "durable-sfn-invoices"),
        invoice_errors_table=_env("INVOICE_ERRORS_TABLE", "durable-sfn-invoice-errors"),
        failures_table=_env("FAILURES_TABLE", "durable-sfn-failures"),
        idempotency_table=_env("IDEMPOTENCY_TABLE", "durable-sfn-idempotency"),
        invoice_bucket=_env("INVOICE_BUCKET", f"durable-sfn-invoices-{DEFAULT_ACCOUNT}"),
        reports_bucket=_env("REPORTS_BUCKET", f"durable-sfn-reports-{DEFAULT_ACCOUNT}"),
        notifications_topic_arn=_env(
            "NOTIFICATIONS_TOPIC_ARN", f"arn:aws:sns:{region}:{DEFAULT_ACCOUNT}:durable-sfn-notifications"
        ),
        sender_email=_env("SENDER_EMAIL", "orders@example.com"),
        operations_api_url=_env("OPERATIONS_API_URL", "http://127.0.0.1:8080").rstrip("/"),
        operations_api_timeout=float(_env("OPERATIONS_API_TIMEOUT", "5")),
        approval_threshold=float(_env("APPROVAL_THRESHOLD", "1000")),
    )
