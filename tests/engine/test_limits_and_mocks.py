"""Names and payload limits, the real-time clock, and mock-config loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from durable_sfn.engine import LocalStepFunctions, RealClock
from durable_sfn.engine.mock_config import MockConfig, MockConfigError
from tests.engine.support import ROLE, jsonata, new_client, output


@pytest.mark.parametrize(
    "name", ["", "a" * 81, "has space", "semi;colon", "br{ace}", "tab\tname", "slash/name"]
)
def test_invalid_names_are_refused(name: str) -> None:
    sfn = new_client()
    with pytest.raises(sfn.exceptions.InvalidName):
        sfn.create_state_machine(
            name=name, definition=json.dumps(jsonata({"P": {"Type": "Pass", "End": True}})), roleArn=ROLE
        )


def test_valid_names_up_to_80_characters() -> None:
    sfn = new_client()
    name = "Order-Processing_v2." + "x" * 60
    arn = sfn.create_state_machine(
        name=name, definition=json.dumps(jsonata({"P": {"Type": "Pass", "End": True}})), roleArn=ROLE
    )
    assert arn["stateMachineArn"].endswith(name)


def test_oversized_input_is_refused() -> None:
    sfn = new_client()
    arn = sfn.create_state_machine(
        name="m", definition=json.dumps(jsonata({"P": {"Type": "Pass", "End": True}})), roleArn=ROLE
    )
    with pytest.raises(sfn.exceptions.InvalidExecutionInput):
        sfn.start_execution(stateMachineArn=arn["stateMachineArn"], input=json.dumps("x" * (256 * 1024)))


def test_real_clock_runs_a_workflow() -> None:
    sfn = LocalStepFunctions(clock=RealClock())
    definition = jsonata(
        {
            "W": {"Type": "Wait", "Timestamp": "2001-01-01T00:00:00Z", "Next": "P"},
            "P": {"Type": "Pass", "Output": "{% $states.context.State.Name %}", "End": True},
        }
    )
    arn = sfn.create_state_machine(name="real", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    result = sfn.wait_for_execution(sfn.start_execution(stateMachineArn=arn)["executionArn"], timeout=10)
    assert output(result) == "P"


def test_mock_config_loads_from_a_file_and_checks_references(tmp_path: Path) -> None:
    good = {
        "StateMachines": {"M": {"TestCases": {"Happy": {"Call": "Ok"}}}},
        "MockedResponses": {
            "Ok": {"0-1": {"Return": {"v": 1}}, "2": {"Throw": {"Error": "E", "Cause": "c"}}}
        },
    }
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps(good))
    config = MockConfig.load(path)
    assert config.response("M", "Happy", "Call", 0) == {"Return": {"v": 1}}
    assert config.response("M", "Happy", "Call", 1) == {"Return": {"v": 1}}
    assert config.response("M", "Happy", "Call", 2) == {"Throw": {"Error": "E", "Cause": "c"}}
    assert config.response("M", "Happy", "Other", 0) is None
    bad = {"StateMachines": {"M": {"TestCases": {"Happy": {"Call": "Missing"}}}}, "MockedResponses": {}}
    with pytest.raises(MockConfigError, match="Missing"):
        MockConfig.load(bad)
    with pytest.raises(MockConfigError, match="Cannot read"):
        MockConfig.load(tmp_path / "absent.json")


def test_test_state_reports_retriable_failures() -> None:
    sfn = new_client()
    state = {
        "Type": "Task",
        "QueryLanguage": "JSONata",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": "F"},
        "Retry": [{"ErrorEquals": ["Flaky"]}],
        "End": True,
    }
    result = sfn.test_state(
        definition=json.dumps(state), mock={"errorOutput": {"error": "Flaky", "cause": "try again"}}
    )
    assert (result["status"], result["error"], result["cause"]) == ("RETRIABLE", "Flaky", "try again")


def test_test_state_inspection_data_shows_each_dataflow_step() -> None:
    sfn = new_client()
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "InputPath": "$.order",
        "Parameters": {"FunctionName": "Price", "Payload.$": "$"},
        "ResultSelector": {"total.$": "$.Payload.total"},
        "ResultPath": "$.priced",
        "End": True,
    }
    result = sfn.test_state(
        definition=json.dumps(state),
        input=json.dumps({"order": {"id": 7}}),
        inspectionLevel="DEBUG",
        mock={"result": json.dumps({"Payload": {"total": 12}})},
    )
    data = {k: json.loads(v) for k, v in result["inspectionData"].items()}
    assert data["afterInputPath"] == {"id": 7}
    assert data["afterParameters"] == {"FunctionName": "Price", "Payload": {"id": 7}}
    assert data["result"] == {"Payload": {"total": 12}}
    assert data["afterResultSelector"] == {"total": 12}
    assert data["afterResultPath"] == {"order": {"id": 7}, "priced": {"total": 12}}
    assert json.loads(result["output"]) == data["afterResultPath"]
