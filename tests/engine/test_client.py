"""The boto3-shaped client: responses, errors, listing, sync executions, test_state, mock config."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from tests.engine.support import ROLE, all_events, jsonata, new_client, output, run

PASS = jsonata({"P": {"Type": "Pass", "Output": {"echo": "{% $states.input %}"}, "End": True}})


def create(sfn, name: str = "m", definition=PASS, **kwargs):  # type: ignore[no-untyped-def]
    return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE, **kwargs)[
        "stateMachineArn"
    ]


def test_error_codes_match_boto3() -> None:
    sfn = new_client()
    arn = create(sfn)
    cases: list[tuple[Callable[[], object], str]] = [
        (
            lambda: sfn.describe_execution(executionArn=arn.replace("stateMachine", "execution") + ":nope"),
            "ExecutionDoesNotExist",
        ),
        (lambda: sfn.describe_execution(executionArn="not-an-arn"), "InvalidArn"),
        (lambda: sfn.start_execution(stateMachineArn=arn + "x"), "StateMachineDoesNotExist"),
        (lambda: sfn.start_execution(stateMachineArn=arn, input="{bad json"), "InvalidExecutionInput"),
        (lambda: sfn.start_execution(stateMachineArn=arn, name="has space"), "InvalidName"),
        (lambda: sfn.create_state_machine(name="x", definition="{}", roleArn=ROLE), "InvalidDefinition"),
        (lambda: sfn.start_sync_execution(stateMachineArn=arn), "StateMachineTypeNotSupported"),
    ]
    for call, code in cases:
        with pytest.raises(ClientError) as info:
            call()
        assert info.value.response["Error"]["Code"] == code
        assert isinstance(info.value, getattr(sfn.exceptions, code))


def test_execution_already_exists() -> None:
    sfn = new_client()
    arn = create(sfn)
    sfn.start_execution(stateMachineArn=arn, name="once")
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=arn, name="once", input='{"other": 1}')


def test_describe_and_list() -> None:
    sfn = new_client()
    arn = create(sfn, "lister")
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert (
        described["name"] == "lister"
        and described["type"] == "STANDARD"
        and json.loads(described["definition"]) == PASS
    )
    started = [sfn.start_execution(stateMachineArn=arn, name=f"e{i}")["executionArn"] for i in range(3)]
    for execution in started:
        sfn.wait_for_execution(execution, timeout=10)
    listed = sfn.list_executions(stateMachineArn=arn, maxResults=2)
    assert len(listed["executions"]) == 2 and "nextToken" in listed
    rest = sfn.list_executions(stateMachineArn=arn, maxResults=2, nextToken=listed["nextToken"])
    assert {e["name"] for e in listed["executions"] + rest["executions"]} == {"e0", "e1", "e2"}
    assert all(e["status"] == "SUCCEEDED" for e in rest["executions"])
    assert [m["name"] for m in sfn.list_state_machines()["stateMachines"]] == ["lister"]


def test_start_sync_execution_on_express() -> None:
    sfn = new_client()
    arn = create(sfn, "fast", type="EXPRESS")
    response = sfn.start_sync_execution(stateMachineArn=arn, input='{"a": 1}')
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == {"echo": {"a": 1}}
    assert ":express:fast:" in response["executionArn"]


def test_history_shape() -> None:
    sfn = new_client()
    result = run(sfn, PASS, {"a": 1})
    history = all_events(sfn, result["executionArn"])
    assert [e["type"] for e in history] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert [e["id"] for e in history] == [1, 2, 3, 4]
    assert history[2]["previousEventId"] == 2
    assert history[2]["stateExitedEventDetails"]["output"] == '{"echo":{"a":1}}'
    reverse = sfn.get_execution_history(executionArn=result["executionArn"], reverseOrder=True, maxResults=1)
    assert reverse["events"][0]["type"] == "ExecutionSucceeded" and "nextToken" in reverse


def test_update_and_validate_definition() -> None:
    sfn = new_client()
    arn = create(sfn, "upd")
    sfn.update_state_machine(
        stateMachineArn=arn, definition=json.dumps(jsonata({"P": {"Type": "Pass", "Output": 7, "End": True}}))
    )
    assert (
        output(sfn.wait_for_execution(sfn.start_execution(stateMachineArn=arn)["executionArn"], timeout=10))
        == 7
    )
    verdict = sfn.validate_state_machine_definition(
        definition=json.dumps({"StartAt": "Missing", "States": {}})
    )
    assert verdict["result"] == "FAIL" and verdict["diagnostics"]
    assert sfn.validate_state_machine_definition(definition=json.dumps(PASS))["result"] == "OK"


def test_many_concurrent_executions() -> None:
    sfn = new_client()
    arn = create(
        sfn, "many", jsonata({"W": {"Type": "Wait", "Seconds": "{% $states.input.s %}", "End": True}})
    )
    runs = [
        sfn.start_execution(stateMachineArn=arn, input=json.dumps({"s": s}))["executionArn"]
        for s in range(50)
    ]
    results = [sfn.wait_for_execution(r, timeout=30) for r in runs]
    assert all(r["status"] == "SUCCEEDED" for r in results)
    assert [int((r["stopDate"] - r["startDate"]).total_seconds()) for r in results] == list(range(50))


def test_test_state_with_mock_and_state_name() -> None:
    sfn = new_client()
    machine = jsonata(
        {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "Unregistered", "Payload": "{% $states.input %}"},
                "Output": "{% $states.result.Payload %}",
                "Catch": [{"ErrorEquals": ["Oops"], "Next": "Handle"}],
                "Next": "Handle",
            },
            "Handle": {"Type": "Succeed"},
        }
    )
    ok = sfn.test_state(
        definition=json.dumps(machine), stateName="Call", input="{}", mock={"result": '{"Payload": 5}'}
    )
    assert (ok["status"], json.loads(ok["output"]), ok["nextState"]) == ("SUCCEEDED", 5, "Handle")
    caught = sfn.test_state(
        definition=json.dumps(machine),
        stateName="Call",
        mock={"errorOutput": {"error": "Oops", "cause": "c"}},
    )
    assert (caught["status"], caught["error"], caught["nextState"]) == ("CAUGHT_ERROR", "Oops", "Handle")
    single = sfn.test_state(
        definition=json.dumps(
            {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $v %}", "End": True}
        ),
        variables='{"v": 3}',
    )
    assert json.loads(single["output"]) == 3


def test_mock_config_test_cases() -> None:
    config = {
        "StateMachines": {"Order": {"TestCases": {"Declined": {"Charge": "DeclineThenOk"}}}},
        "MockedResponses": {
            "DeclineThenOk": {
                "0": {"Throw": {"Error": "PaymentDeclined", "Cause": "card"}},
                "1": {"Return": {"Payload": {"ok": True}}},
            }
        },
    }
    sfn = new_client(mock_config=config)
    definition = jsonata(
        {
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "Charge"},
                "Retry": [{"ErrorEquals": ["PaymentDeclined"], "IntervalSeconds": 1}],
                "Output": "{% $states.result.Payload %}",
                "End": True,
            }
        }
    )
    arn = create(sfn, "Order", definition)
    started = sfn.start_execution(stateMachineArn=arn + "#Declined")
    assert output(sfn.wait_for_execution(started["executionArn"], timeout=10)) == {"ok": True}
    # Without the test case the real (unregistered) Lambda is called.
    plain = sfn.wait_for_execution(sfn.start_execution(stateMachineArn=arn)["executionArn"], timeout=10)
    assert plain["error"] == "Lambda.ResourceNotFoundException"
