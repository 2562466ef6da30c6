"""The compiler-facing builders agree with the runtime they feed."""

from __future__ import annotations

from typing import Any

import pytest

import durable_sfn.entities
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.jsonata import evaluate_expression
from durable_sfn.entities import EntityId, message_group_id
from durable_sfn.entities.contract import (
    call_entity_task,
    entity_usage,
    message_group,
    operation_id,
    signal_entity_task,
)
from durable_sfn.entities.signals import parse_request


def evaluate(body: str, variables: dict[str, Any] | None = None, state: str = "AddPoints") -> Any:
    context = {
        "Execution": {"Id": "arn:aws:states:us-east-1:123456789012:execution:M:e1"},
        "State": {"Name": state},
    }
    env = EvalEnv(state, "JSONata", {}, context, variables or {})
    return evaluate_expression("{% " + body + " %}", env, "Arguments")


@pytest.mark.parametrize("key", ["orders", "k" * 200, "café", "with space", "a@b"])
def test_the_jsonata_group_id_matches_the_python_one(key: str) -> None:
    assert evaluate(message_group("Journal", "$key").text(), {"key": key}) == message_group_id(
        EntityId("Journal", key)
    )


def test_operation_ids_are_stable_per_call_and_distinct_per_iteration_and_state() -> None:
    opid = operation_id(["$index"]).text()
    first = evaluate(opid, {"index": 0})
    assert first == evaluate(opid, {"index": 0})  # a retry evaluates to the same id
    assert len({first, evaluate(opid, {"index": 1}), evaluate(opid, {"index": 0}, state="Other")}) == 3
    assert len(first) == 64


def test_the_call_and_signal_payloads_are_what_the_entity_function_parses() -> None:
    call = call_entity_task("Counter", "$key", "add", "$n").to_asl()["Arguments"]
    payload = {
        k: evaluate(v[3:-3], {"key": "c", "n": 2}) if str(v).startswith("{%") else v
        for k, v in call["Payload"].items()
    }
    request = parse_request(payload)
    assert (request.kind, request.entity_id, request.operation, request.input) == (
        "call",
        EntityId("Counter", "c"),
        "add",
        2,
    )
    assert call["FunctionName"] == "${Counter}"

    signal = signal_entity_task("Journal", "$key", "append", "$n").to_asl()["Arguments"]
    body = evaluate(signal["MessageBody"][3:-3], {"key": "c", "n": [1]})
    request = parse_request(body, default_kind="signal")
    assert (request.kind, request.entity_id, request.input) == ("signal", EntityId("Journal", "c"), [1])
    assert request.operation_id == evaluate(signal["MessageDeduplicationId"][3:-3], {"key": "c"})
    assert signal["QueueUrl"] == "${DurableEntitiesQueueUrl}"


def test_builders_refuse_invalid_entity_names() -> None:
    with pytest.raises(ValueError, match="not valid"):
        call_entity_task("bad name", '"k"', "add", "null")


def test_public_names_are_pinned() -> None:
    assert sorted(durable_sfn.entities.__all__) == sorted(
        [
            "QUEUE_URL_ENV",
            "DirectEntityCalls",
            "TABLE_ENV",
            "ConflictRetry",
            "DrainReport",
            "EntityBusyError",
            "EntityContext",
            "EntityDefinition",
            "EntityError",
            "EntityHandler",
            "EntityId",
            "EntityRequestError",
            "EntityRuntime",
            "EntityState",
            "EntityStateError",
            "EntityStore",
            "LocalEntityHost",
            "OperationOutcome",
            "UnknownEntityError",
            "UnknownOperationError",
            "create_entities_table",
            "create_signal_queue",
            "drain_signals",
            "entity",
            "entity_definition",
            "load_entities",
            "message_group_id",
            "read_entity_state",
            "signal_entity",
        ]
    )
    for name in durable_sfn.entities.__all__:
        assert getattr(durable_sfn.entities, name) is not None


def test_entity_usage_finds_calls_and_signals_in_nested_states() -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "C",
                        "States": {
                            "C": {**call_entity_task("Counter", '"k"', "add", "null").to_asl(), "End": True}
                        },
                    },
                    {
                        "StartAt": "M",
                        "States": {
                            "M": {
                                "Type": "Map",
                                "ItemProcessor": {
                                    "StartAt": "S",
                                    "States": {
                                        "S": {
                                            **signal_entity_task("Journal", '"k"', "append", "null").to_asl(),
                                            "End": True,
                                        }
                                    },
                                },
                                "End": True,
                            }
                        },
                    },
                ],
                "End": True,
            }
        },
    }
    usage = entity_usage(definition)
    assert (usage.called, usage.signals, usage.any) == (frozenset({"Counter"}), True, True)
    assert entity_usage({"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}).any is False
