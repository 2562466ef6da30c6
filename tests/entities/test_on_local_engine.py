"""The compiled forms of call_entity / signal_entity (entities.contract) on the local engine."""

from __future__ import annotations

import json
from typing import Any

import pytest

from durable_sfn.asl import substitute_placeholders
from durable_sfn.engine.api.client import LocalStepFunctions
from durable_sfn.entities import EntityBusyError, EntityId, LocalEntityHost
from durable_sfn.entities.contract import call_entity_task, signal_entity_task


@pytest.fixture
def engine(host: LocalEntityHost, clients: dict[str, Any]) -> tuple[LocalStepFunctions, dict[str, str]]:
    sfn = LocalStepFunctions(aws_client_factory=lambda service: clients[service])
    return sfn, host.register(sfn)


def run(
    engine: tuple[LocalStepFunctions, dict[str, str]], states: dict[str, Any], start: str, input: Any = None
) -> dict[str, Any]:
    sfn, placeholders = engine
    definition = substitute_placeholders(
        {"QueryLanguage": "JSONata", "StartAt": start, "States": states}, placeholders
    )
    arn = sfn.create_state_machine(
        name="entities", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/x"
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(input))["executionArn"]
    return sfn.wait_for_execution(execution, timeout=120)


def test_a_fan_out_of_100_call_entity_increments_ends_at_exactly_100(
    host: LocalEntityHost, engine: Any
) -> None:
    add = call_entity_task("Counter", '"shared"', "add", "1", ["$index"]).to_asl()
    states = {
        "FanOut": {
            "Type": "Map",
            "Items": "{% [1..100] %}",
            "ItemSelector": {"index": "{% $states.context.Map.Item.Index %}"},
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Init",
                "States": {
                    "Init": {"Type": "Pass", "Assign": {"index": "{% $states.input.index %}"}, "Next": "Add"},
                    "Add": {**add, "Output": "{% $states.result.Payload %}", "End": True},
                },
            },
            "Output": "{% $states.result %}",
            "End": True,
        }
    }
    result = run(engine, states, "FanOut")

    assert result["status"] == "SUCCEEDED", result
    assert sorted(json.loads(result["output"])) == list(range(1, 101))
    assert host.read(EntityId("Counter", "shared")).state == 100


def test_a_call_retried_after_its_write_was_applied_is_applied_once(
    host: LocalEntityHost, engine: Any
) -> None:
    sfn, _ = engine
    attempts: list[str] = []

    def loses_the_first_response(event: Any, context: Any) -> Any:
        result = host.handler(event, context)  # the write happens...
        attempts.append(event["operationId"])
        if len(attempts) == 1:
            raise EntityBusyError("response lost after the write")  # ...but the caller never hears
        return result

    sfn.register_lambda("Counter", loses_the_first_response)
    states = {
        "Add": {
            **call_entity_task("Counter", "$states.input.key", "add", "5").to_asl(),
            "Output": "{% $states.result.Payload %}",
            "End": True,
        }
    }
    result = run(engine, states, "Add", {"key": "k"})

    assert result["status"] == "SUCCEEDED", result
    assert len(attempts) == 2 and attempts[0] == attempts[1]  # the retry carried the same id
    assert json.loads(result["output"]) == 5
    assert host.read(EntityId("Counter", "k")).state == 5


def test_unknown_operation_and_entity_are_catchable_by_name(engine: Any) -> None:
    def caught(task: dict[str, Any], error: str, name: str) -> dict[str, Any]:
        return {
            **task,
            "Catch": [
                {"ErrorEquals": [error], "Next": f"{name}Caught", "Output": "{% $states.errorOutput %}"}
            ],
            "End": True,
        }

    states = {
        "Start": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "BadOp",
                    "States": {
                        "BadOp": caught(
                            call_entity_task("Counter", '"c"', "multiply", "2").to_asl(),
                            "UnknownOperationError",
                            "BadOp",
                        ),
                        "BadOpCaught": {"Type": "Pass", "End": True},
                    },
                },
                {
                    "StartAt": "BadEntity",
                    "States": {
                        # The Counter function is asked for an entity it does not host.
                        "BadEntity": caught(
                            {
                                **call_entity_task("Counter", '"c"', "add", "1").to_asl(),
                                "Arguments": {
                                    "FunctionName": "${Counter}",
                                    "Payload": {
                                        "kind": "call",
                                        "name": "Cart",
                                        "key": "c",
                                        "operation": "add",
                                        "input": 1,
                                        "operationId": "x",
                                    },
                                },
                            },
                            "UnknownEntityError",
                            "BadEntity",
                        ),
                        "BadEntityCaught": {"Type": "Pass", "End": True},
                    },
                },
            ],
            "End": True,
        },
    }
    result = run(engine, states, "Start")

    assert result["status"] == "SUCCEEDED", result
    bad_op, bad_entity = json.loads(result["output"])
    assert bad_op["Error"] == "UnknownOperationError"
    assert json.loads(bad_op["Cause"])["errorMessage"].startswith(
        "entity 'Counter' (key 'c') has no operation 'multiply'"
    )
    assert bad_entity["Error"] == "UnknownEntityError"


def test_signals_sent_by_an_execution_arrive_in_order(host: LocalEntityHost, engine: Any) -> None:
    states = {
        f"Signal{i}": {
            **signal_entity_task("Journal", "$states.input.key", "append", str(i)).to_asl(),
            "Output": "{% $states.input %}",
            "Next": f"Signal{i + 1}",
        }
        for i in range(5)
    }
    states["Signal5"] = {"Type": "Succeed"}
    result = run(engine, states, "Signal0", {"key": "k"})
    assert result["status"] == "SUCCEEDED", result
    assert host.read(EntityId("Journal", "k")).exists is False  # queued, not yet applied

    assert host.drain().received == 5
    assert host.read(EntityId("Journal", "k")).state == [0, 1, 2, 3, 4]
