"""The LoyaltyBalance entity: OrderProcessingOrchestration credits the customer once an order ships."""

from __future__ import annotations

from typing import Any

import pytest

from durable_sfn.entities import EntityId, LocalEntityHost
from durable_sfn.testing import run_direct, run_local
from lambdas.common import sample_data as data
from lambdas.common.aws import client
from lambdas.common.config import Settings
from lambdas.orders.loyalty import loyalty_balance
from statemachines.order_processing import order_processing


def balance_of(host: LocalEntityHost, order_id: str) -> Any:
    (order,) = [o for o in data.ORDERS if o["OrderId"] == order_id]
    return host.read(EntityId("LoyaltyBalance", order["CustomerEmail"])).state


@pytest.fixture
def host(aws: Settings) -> LocalEntityHost:
    return LocalEntityHost([loyalty_balance], dynamodb_client=client("dynamodb"), sqs_client=client("sqs"))


@pytest.mark.parametrize("runner", [run_direct, run_local], ids=["direct", "local"])
def test_a_shipped_order_credits_one_point_per_unit_paid(runner: Any, host: LocalEntityHost) -> None:
    result = runner(order_processing, data.ORDER_SUCCESS, entities=host)

    assert result.output["Success"] is True
    assert balance_of(host, data.ORDER_SUCCESS) == {"Points": 62, "Orders": 1}


@pytest.mark.parametrize("runner", [run_direct, run_local], ids=["direct", "local"])
def test_a_declined_order_credits_nothing(runner: Any, host: LocalEntityHost) -> None:
    result = runner(order_processing, data.ORDER_OVER_LIMIT, entities=host)

    assert result.output["Success"] is False
    assert balance_of(host, data.ORDER_OVER_LIMIT) is None
