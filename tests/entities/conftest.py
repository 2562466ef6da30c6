from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from durable_sfn.entities import LocalEntityHost
from tests.entities.sample_entities import ALL


@pytest.fixture(scope="session")
def _boto_clients() -> dict[str, Any]:
    # Building boto3 clients costs a few hundred milliseconds; moto intercepts requests of
    # clients created before `mock_aws` starts, so one set serves every test.
    session = boto3.Session(
        region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    return {"dynamodb": session.client("dynamodb"), "sqs": session.client("sqs")}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def clients(aws_env: None, _boto_clients: dict[str, Any]) -> Iterator[dict[str, Any]]:
    with mock_aws():  # a fresh, empty account for every test
        yield _boto_clients


@pytest.fixture
def host(clients: dict[str, Any]) -> LocalEntityHost:
    return LocalEntityHost(ALL, dynamodb_client=clients["dynamodb"], sqs_client=clients["sqs"])
