from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from durable_sfn.entities import LocalEntityHost
from tests.entities.sample_entities import ALL


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def clients(aws_env: None) -> Iterator[dict[str, Any]]:
    with mock_aws():
        yield {"dynamodb": boto3.client("dynamodb"), "sqs": boto3.client("sqs")}


@pytest.fixture
def host(clients: dict[str, Any]) -> LocalEntityHost:
    return LocalEntityHost(ALL, dynamodb_client=clients["dynamodb"], sqs_client=clients["sqs"])
