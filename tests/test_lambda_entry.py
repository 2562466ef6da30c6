"""The Lambda adapter: one handler for every activity, selected by DURABLE_SFN_ACTIVITY."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ValidationError

from durable_sfn import activity
from durable_sfn.lambda_entry import (
    ACTIVITY_ENV,
    ActivityImportError,
    LocalLambdaContext,
    handler,
    invoke_activity,
    lambda_error,
    load_activity,
)


class Order(BaseModel):
    order_id: str
    quantity: int


class Receipt(BaseModel):
    order_id: str
    total: float
    at: datetime


class InsufficientFunds(Exception):
    pass


@activity(name="PlaceOrder")
def place_order(order: Order) -> Receipt:
    return Receipt(order_id=order.order_id, total=order.quantity * 2.5, at=datetime(2024, 5, 1, tzinfo=UTC))


@activity(name="Greet")
def greet(name: str) -> str:
    return f"Hello {name}!"


@activity(name="Charge")
def charge(amount: int) -> dict[str, int]:
    raise InsufficientFunds(f"cannot charge {amount}")


@activity(name="WhoAmI")
def who_am_i(event: dict[str, int], context: LambdaContext) -> str:
    return f"{context.function_name}:{event['n']}"


@activity(name="Tick")
def tick() -> str:
    return "tock"


log_stream = io.StringIO()
logger = Logger(service="orders", stream=log_stream)


@activity(name="Logged")
@logger.inject_lambda_context
def logged(event: dict[str, int], context: LambdaContext) -> dict[str, int | str]:
    logger.info("processing", extra={"n": event["n"]})
    return {"n": event["n"], "requestId": context.aws_request_id}


def test_handler_runs_the_activity_named_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ACTIVITY_ENV, f"{__name__}:greet")
    assert handler("Tokyo", LocalLambdaContext()) == "Hello Tokyo!"


def test_pydantic_input_is_parsed_and_a_returned_model_is_dumped_as_json() -> None:
    receipt = invoke_activity(place_order, {"order_id": "o-1", "quantity": 4})
    assert receipt == {"order_id": "o-1", "total": 10.0, "at": "2024-05-01T00:00:00Z"}
    json.dumps(receipt)  # what Lambda returns must serialise


def test_invalid_input_fails_with_pydantic_validation_error() -> None:
    with pytest.raises(ValidationError):
        invoke_activity(place_order, {"order_id": "o-1", "quantity": "many"})


def test_the_lambda_context_is_passed_through_when_the_activity_takes_it() -> None:
    context = LocalLambdaContext(function_name="WhoAmI")
    assert invoke_activity(who_am_i, {"n": 3}, context) == "WhoAmI:3"
    assert invoke_activity(who_am_i, {"n": 4}) == "local-activity:4"
    assert invoke_activity(tick, {"ignored": True}) == "tock"


def test_powertools_decorated_activities_run_unchanged() -> None:
    context = LocalLambdaContext(function_name="Logged")
    assert invoke_activity(logged, {"n": 1}, context) == {"n": 1, "requestId": context.aws_request_id}
    record = json.loads(log_stream.getvalue().strip().splitlines()[-1])
    assert record["function_name"] == "Logged"
    assert record["function_request_id"] == context.aws_request_id


def test_errors_propagate_unwrapped_so_the_error_type_is_the_class_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ACTIVITY_ENV, f"{__name__}:charge")
    with pytest.raises(InsufficientFunds) as caught:
        handler(100, LocalLambdaContext())
    payload = lambda_error(caught.value, "req-1")
    assert payload["errorType"] == "InsufficientFunds"
    assert payload["errorMessage"] == "cannot charge 100"
    assert payload["requestId"] == "req-1"
    assert any("raise InsufficientFunds" in frame for frame in payload["stackTrace"])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "is not set"),
        ("no_colon_here", "is not of the form 'package.module:function'"),
        ("no_such_module_xyz:fn", "cannot import module 'no_such_module_xyz'"),
        (f"{__name__}:missing", "has no attribute 'missing'"),
        (f"{__name__}:ACTIVITY_ENV", "names str, not a function"),
    ],
)
def test_a_wrong_activity_setting_says_what_to_fix(
    monkeypatch: pytest.MonkeyPatch, spec: str, message: str
) -> None:
    monkeypatch.setenv(ACTIVITY_ENV, spec)
    with pytest.raises(ActivityImportError, match=message):
        handler({}, LocalLambdaContext())


def test_load_activity_follows_dotted_attributes() -> None:
    assert load_activity("durable_sfn.client.events:durable_event_waiter").__name__ == "durable_event_waiter"
    assert load_activity(f"{__name__}:Order.model_validate")({"order_id": "x", "quantity": 1}).quantity == 1
