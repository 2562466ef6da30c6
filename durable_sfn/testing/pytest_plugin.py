"""pytest fixtures for orchestration tests: moto active, fake credentials, the events table.

Enable in a project's root `conftest.py`:

    pytest_plugins = ["durable_sfn.testing.pytest_plugin"]

    def test_order(orchestration_env):
        result = run_local(order_processing, "order-1")
        assert result.status == "SUCCEEDED"
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from durable_sfn._aws import DEFAULT_REGION
from durable_sfn.client.events import EVENTS_TABLE_ENV, create_events_table

EVENTS_TABLE = "durable-sfn-events"


@dataclass(frozen=True)
class OrchestrationEnv:
    """What the `orchestration_env` fixture set up: the region, the events table, a DynamoDB client."""

    region: str
    events_table: str
    dynamodb: Any


@pytest.fixture
def orchestration_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[OrchestrationEnv]:
    """Every AWS call goes to moto (never to a real account) for the duration of the test."""
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": DEFAULT_REGION,
        "AWS_REGION": DEFAULT_REGION,
        EVENTS_TABLE_ENV: EVENTS_TABLE,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        import boto3

        dynamodb = boto3.client("dynamodb", region_name=DEFAULT_REGION)
        create_events_table(dynamodb, EVENTS_TABLE)
        yield OrchestrationEnv(DEFAULT_REGION, EVENTS_TABLE, dynamodb)
