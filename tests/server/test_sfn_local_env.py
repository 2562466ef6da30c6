"""`serve` started as Step Functions Local is: SFN_MOCK_CONFIG, AWS_DEFAULT_REGION and AWS_ACCOUNT_ID
are honoured; the settings it does not honour are named at start and in `--help`."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import CLI, ROLE, ROOT, Server, serving, wait_until_done

FUNCTION = "arn:aws:lambda:eu-west-1:111122223333:function:ChargeCard"
DEFINITION = {
    "QueryLanguage": "JSONata",
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": FUNCTION, "Payload": "{% $states.input %}"},
            "Output": "{% $states.result.Payload %}",
            "End": True,
        }
    },
}
MOCKS = {
    "StateMachines": {
        "Checkout": {"TestCases": {"Approved": {"Charge": "Charged"}, "Declined": {"Charge": "Declined"}}}
    },
    "MockedResponses": {
        "Charged": {"0": {"Return": {"StatusCode": 200, "Payload": {"charged": 42}}}},
        "Declined": {"0": {"Throw": {"Error": "CardDeclined", "Cause": "insufficient funds"}}},
    },
}


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    mock_file = tmp_path_factory.mktemp("mocks") / "MockConfigFile.json"
    mock_file.write_text(json.dumps(MOCKS))
    env = {
        "SFN_MOCK_CONFIG": str(mock_file),
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCOUNT_ID": "111122223333",
        "WAIT_TIME_SCALE": "0",
        "LAMBDA_ENDPOINT": "http://localhost:3001",
    }
    with serving([], env) as running:
        yield running


def _machine(server: Server) -> tuple[Any, str]:
    sfn = server.client()
    arns = [
        m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"] == "Checkout"
    ]
    if not arns:
        arns = [
            sfn.create_state_machine(name="Checkout", definition=json.dumps(DEFINITION), roleArn=ROLE)[
                "stateMachineArn"
            ]
        ]
    return sfn, arns[0]


def test_region_and_account_come_from_the_environment(local: Server) -> None:
    _, arn = _machine(local)
    assert arn == "arn:aws:states:eu-west-1:111122223333:stateMachine:Checkout"


def test_a_test_case_of_sfn_mock_config_answers_for_the_mocked_state(local: Server) -> None:
    sfn, arn = _machine(local)
    approved = sfn.start_execution(stateMachineArn=f"{arn}#Approved", input="{}")["executionArn"]
    assert json.loads(wait_until_done(sfn, approved)["output"]) == {"charged": 42}
    declined = sfn.start_execution(stateMachineArn=f"{arn}#Declined", input="{}")["executionArn"]
    failed = wait_until_done(sfn, declined)
    assert (failed["status"], failed["error"], failed["cause"]) == (
        "FAILED",
        "CardDeclined",
        "insufficient funds",
    )


def test_settings_it_does_not_honour_are_named_at_start(local: Server) -> None:
    log = "".join(local.log)
    assert "WAIT_TIME_SCALE is a Step Functions Local setting durable-sfn serve does not honour" in log
    assert "LAMBDA_ENDPOINT is a Step Functions Local setting" in log and "--real-aws" in log


def test_help_lists_the_variables_honoured_and_not() -> None:
    done = subprocess.run([str(CLI), "serve", "--help"], capture_output=True, text=True, check=True, cwd=ROOT)
    text = " ".join(done.stdout.split())
    assert "SFN_MOCK_CONFIG" in text and "AWS_DEFAULT_REGION" in text and "AWS_ACCOUNT_ID" in text
    for name in ("WAIT_TIME_SCALE", "LAMBDA_ENDPOINT", "SQS_ENDPOINT", "STEP_FUNCTIONS_ENDPOINT"):
        assert name in text


def test_a_bad_mock_config_stops_the_server_with_its_reason(tmp_path: Path) -> None:
    bad = tmp_path / "mocks.json"
    bad.write_text(json.dumps({"StateMachines": {"M": {"TestCases": {"T": {"S": "Missing"}}}}}))
    done = subprocess.run(
        [str(CLI), "serve", "--port", "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "SFN_MOCK_CONFIG": str(bad)},
        timeout=60,
    )
    assert done.returncode == 1
    assert "SFN_MOCK_CONFIG" in done.stderr and "'Missing', which is not defined" in done.stderr
