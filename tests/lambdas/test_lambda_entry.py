"""The activities deployed as Lambda functions: the single handler, JSON in and out, named errors."""

from __future__ import annotations

import pytest

from durable_sfn.lambda_entry import LocalLambdaContext, handler, invoke_activity, lambda_error
from lambdas.common import sample_data as data
from lambdas.common.config import Settings
from lambdas.common.errors import PaymentDeclined
from lambdas.orders.activities import send_order_confirmation
from tests.lambdas.conftest import sent_email_count


def test_handler_runs_the_activity_named_by_the_environment(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DURABLE_SFN_ACTIVITY", "lambdas.orders.activities:validate_order")
    result = handler(data.ORDER_SUCCESS, LocalLambdaContext(function_name="ValidateOrderActivity"))
    assert result["IsValid"] is True and result["TotalAmount"] == 62.5
    assert result["Items"][0] == {"ProductId": "SKU-BOOK", "Quantity": 2, "UnitPrice": 25.0}


def test_errors_keep_their_class_name_for_the_orchestrator(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DURABLE_SFN_ACTIVITY", "lambdas.orders.batch:process_single_order")
    with pytest.raises(PaymentDeclined) as info:
        handler({"OrderId": "ORD-2003"}, LocalLambdaContext())
    payload = lambda_error(info.value)
    assert payload["errorType"] == "PaymentDeclined"
    assert "credit limit exceeded" in payload["errorMessage"]


def test_missing_fields_are_a_validation_error(aws: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DURABLE_SFN_ACTIVITY", "lambdas.orders.activities:process_payment")
    with pytest.raises(Exception) as info:
        handler({"OrderId": data.ORDER_SUCCESS}, LocalLambdaContext())
    assert type(info.value).__name__ == "ValidationError"
    assert "Amount" in str(info.value)


def test_lambda_context_reaches_the_idempotent_activities(aws: Settings) -> None:
    event = {"OrderId": data.ORDER_SUCCESS, "ShipmentId": "TRK1", "EstimatedDelivery": "2026-12-01"}
    first = invoke_activity(
        send_order_confirmation, event, LocalLambdaContext(remaining_time_in_millis=30_000)
    )
    retry = invoke_activity(send_order_confirmation, event, LocalLambdaContext())
    assert first == retry and first["Channel"] == "email"
    assert sent_email_count() == 1
