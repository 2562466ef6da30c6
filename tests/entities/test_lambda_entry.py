"""The deployed entry point, configured from the environment as on AWS."""

from __future__ import annotations

import json
from typing import Any

import pytest

from durable_sfn.entities import EntityRequestError, UnknownEntityError, create_entities_table, lambda_entry

SPEC = "tests.entities.sample_entities:counter,tests.entities.sample_entities:journal"


@pytest.fixture
def deployed(clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    create_entities_table(clients["dynamodb"], "entities")
    monkeypatch.setenv("DURABLE_SFN_ENTITIES_TABLE", "entities")
    monkeypatch.setenv("DURABLE_SFN_ENTITY", SPEC)
    monkeypatch.setattr(lambda_entry, "_handler", None)


def call(operation: str, value: Any, op_id: str, name: str = "Counter") -> dict[str, Any]:
    return {
        "kind": "call",
        "name": name,
        "key": "k",
        "operation": operation,
        "input": value,
        "operationId": op_id,
    }


def test_calls_and_sqs_batches_go_through_one_handler(deployed: None) -> None:
    assert lambda_entry.handler(call("add", 2, "a"), None) == 2
    assert lambda_entry.handler(call("add", 2, "a"), None) == 2  # same id: recorded result
    body = {
        "kind": "signal",
        "name": "Journal",
        "key": "k",
        "operation": "append",
        "input": "x",
        "operationId": "s",
    }
    batch = {"Records": [{"messageId": "m", "receiptHandle": "r", "body": json.dumps(body)}]}
    assert lambda_entry.handler(batch, None) == {"batchItemFailures": []}
    assert lambda_entry.handler(call("entries", None, "e", name="Journal"), None) == 1


def test_an_entity_not_listed_in_the_environment_is_unknown(deployed: None) -> None:
    with pytest.raises(UnknownEntityError, match="'Account'"):
        lambda_entry.handler(call("deposit", 1, "a", name="Account"), None)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"kind": "call", "name": "Counter", "operation": "add"}, "missing 'key'"),
        (
            {"kind": "poke", "name": "Counter", "key": "k", "operation": "add"},
            "'kind' must be 'call' or 'signal'",
        ),
        ([1, 2], "must be a JSON object"),
        (call("add", 1, "has space"), "operation id 'has space' is not valid"),
        (call("add", 1, "x" * 129), "1-128 printable ASCII"),
    ],
)
def test_malformed_events_say_which_field_is_wrong(deployed: None, event: Any, message: str) -> None:
    with pytest.raises(EntityRequestError, match=message):
        lambda_entry.handler(event, None)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "DURABLE_SFN_ENTITY is not set"),
        ("tests.entities.sample_entities", "must look like 'package.module:function'"),
        ("tests.entities.nowhere:counter", "cannot import 'tests.entities.nowhere'"),
        ("tests.entities.sample_entities:InsufficientFunds", "is not an @entity function"),
    ],
)
def test_misconfigured_environment_is_reported_clearly(
    deployed: None, monkeypatch: pytest.MonkeyPatch, spec: str, message: str
) -> None:
    monkeypatch.setenv("DURABLE_SFN_ENTITY", spec)
    with pytest.raises(EntityRequestError, match=message):
        lambda_entry.handler(call("add", 1, "a"), None)


def test_missing_table_variable_is_reported(deployed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DURABLE_SFN_ENTITIES_TABLE")
    with pytest.raises(Exception, match="DURABLE_SFN_ENTITIES_TABLE is not set"):
        lambda_entry.handler(call("add", 1, "a"), None)
