"""Fixtures for the activity tests: moto-backed AWS with the sample data, and the operations API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from lambdas.common.aws import client
from lambdas.common.config import Settings
from lambdas.common.resources import create_and_seed
from lambdas.operations.service import OperationsService


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a fixed region, so nothing can reach a real account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("POWERTOOLS_IDEMPOTENCY_DISABLED", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def aws(aws_env: None) -> Iterator[Settings]:
    """A fresh moto account with every resource created and the sample data seeded."""
    with mock_aws():
        yield create_and_seed()


@pytest.fixture
def operations_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[OperationsService]:
    with OperationsService() as service:
        monkeypatch.setenv("OPERATIONS_API_URL", service.url)
        yield service


def sent_email_count() -> int:
    return int(client("ses").get_send_quota()["SentLast24Hours"])


def subscribe_queue(topic_arn: str) -> str:
    """An SQS queue receiving the topic's messages, to count what was published."""
    sqs = client("sqs")
    queue_url = sqs.create_queue(QueueName="observer")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return str(queue_url)


def drain(queue_url: str) -> list[dict[str, Any]]:
    sqs = client("sqs")
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return messages
        for message in batch:
            messages.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
