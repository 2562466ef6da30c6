"""Configuration, resource creation and log correlation shared by every activity."""

from __future__ import annotations

import pytest

from lambdas.common.aws import client
from lambdas.common.config import Settings, settings
from lambdas.common.logging import correlate, execution_id_of, logger
from lambdas.common.resources import create_resources
from lambdas.orders.models import PaymentRequest


def test_settings_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_TABLE", "prod-orders")
    monkeypatch.setenv("OPERATIONS_API_URL", "https://ops.example.com/")
    assert settings().orders_table == "prod-orders"
    assert settings().operations_api_url == "https://ops.example.com"
    monkeypatch.delenv("ORDERS_TABLE")
    assert settings().orders_table == "durable-sfn-orders"


def test_create_resources_creates_everything_and_can_run_twice(aws: Settings) -> None:
    create_resources()
    tables = set(client("dynamodb").list_tables()["TableNames"])
    assert set(aws.tables.values()) | {"durable-sfn-events"} <= tables
    buckets = {b["Name"] for b in client("s3").list_buckets()["Buckets"]}
    assert {aws.invoice_bucket, aws.reports_bucket} <= buckets
    topics = [t["TopicArn"] for t in client("sns").list_topics()["Topics"]]
    assert topics == [aws.notifications_topic_arn]
    assert aws.sender_email in client("ses").list_identities()["Identities"]


def test_execution_id_becomes_the_correlation_id() -> None:
    request = PaymentRequest(OrderId="ORD-1", Amount=1, ExecutionId="arn:aws:states:...:execution:sm:run-1")
    assert execution_id_of(request) == "arn:aws:states:...:execution:sm:run-1"
    assert execution_id_of({"executionId": "e-2"}) == "e-2"
    assert execution_id_of("ORD-1") is None
    correlate(request)
    assert logger.get_correlation_id() == "arn:aws:states:...:execution:sm:run-1"
    correlate("ORD-1")
    assert logger.get_correlation_id() is None
