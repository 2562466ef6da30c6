"""boto3 and the AWS CLI drive `durable-sfn serve` exactly as they drive Step Functions."""

from __future__ import annotations

import json
import subprocess
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.engine.support import all_events
from tests.server.conftest import Server, create_machine, wait_until_done

GREET_TASK: dict[str, Any] = {
    "Type": "Task",
    "Resource": "arn:aws:states:::lambda:invoke",
    "Arguments": {
        "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:Greet",
        "Payload": "{% $states.input %}",
    },
    "Output": "{% $states.result.Payload %}",
    "End": True,
}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_create_start_describe_and_history_of_a_lambda_task(server: Server) -> None:
    sfn = server.client()
    machine = create_machine(sfn, unique("Greeter"), {"Greet": GREET_TASK}, "Greet")
    assert sfn.describe_state_machine(stateMachineArn=machine)["status"] == "ACTIVE"

    started = sfn.start_execution(stateMachineArn=machine, name="first", input=json.dumps("ada"))
    assert started["executionArn"].endswith(":first")
    done = wait_until_done(sfn, started["executionArn"])

    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"greeting": "hello ada"}
    assert done["stopDate"] >= done["startDate"]  # timestamps parsed by boto3 as datetimes
    events = all_events(sfn, started["executionArn"])
    types = [e["type"] for e in events]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    assert "LambdaFunctionSucceeded" in types or "TaskSucceeded" in types
    newest = sfn.get_execution_history(executionArn=started["executionArn"], reverseOrder=True, maxResults=1)
    assert [e["type"] for e in newest["events"]] == ["ExecutionSucceeded"]
    assert "nextToken" in newest


def test_an_activity_error_fails_the_execution_with_the_lambda_error_shape(server: Server) -> None:
    sfn = server.client()
    task = {**GREET_TASK, "Arguments": {**GREET_TASK["Arguments"], "FunctionName": "Reserve"}}
    machine = create_machine(sfn, unique("Reserver"), {"Reserve": task}, "Reserve")
    run = sfn.start_execution(stateMachineArn=machine, input=json.dumps("socks"))
    done = wait_until_done(sfn, run["executionArn"])
    assert done["status"] == "FAILED"
    assert done["error"] == "OutOfStock"
    assert json.loads(done["cause"])["errorMessage"] == "socks is out of stock"


def test_a_task_token_is_completed_by_send_task_success(server: Server) -> None:
    sfn = server.client()
    wait = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Arguments": {
            "FunctionName": "Greet",
            "Payload": "{% $states.context.Task.Token %}",
        },
        "End": True,
    }
    machine = create_machine(sfn, unique("Callback"), {"Wait": wait}, "Wait")
    run = sfn.start_execution(stateMachineArn=machine, input="{}")
    token = _scheduled_token(sfn, run["executionArn"])

    sfn.send_task_success(taskToken=token, output=json.dumps({"approved": True}))

    done = wait_until_done(sfn, run["executionArn"])
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"approved": True}
    with pytest.raises(ClientError) as info:  # the token is used up
        sfn.send_task_success(taskToken=token, output="{}")
    assert info.value.response["Error"]["Code"] in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist")


def _scheduled_token(sfn: Any, execution_arn: str) -> str:
    """The token the Task sent to its Lambda, read from the TaskScheduled history event."""
    import time

    for _ in range(400):
        for event in all_events(sfn, execution_arn):
            if event["type"] == "TaskScheduled":
                parameters = json.loads(event["taskScheduledEventDetails"]["parameters"])
                return str(parameters["Payload"])
        time.sleep(0.01)
    raise AssertionError("the callback task was never scheduled")


def test_stop_execution_aborts_a_waiting_execution(server: Server) -> None:
    sfn = server.client()
    machine = create_machine(
        sfn, unique("Sleeper"), {"Sleep": {"Type": "Wait", "Seconds": 3600, "End": True}}, "Sleep"
    )
    run = sfn.start_execution(stateMachineArn=machine, input="{}")
    sfn.stop_execution(executionArn=run["executionArn"], error="Operator", cause="not needed")
    done = sfn.describe_execution(executionArn=run["executionArn"])
    assert done["status"] == "ABORTED"
    listed = sfn.list_executions(stateMachineArn=machine, statusFilter="ABORTED")["executions"]
    assert [e["executionArn"] for e in listed] == [run["executionArn"]]


def test_errors_come_back_as_the_aws_exceptions_boto3_knows(server: Server) -> None:
    sfn = server.client()
    missing = "arn:aws:states:us-east-1:123456789012:execution:Nothing:here"
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.describe_execution(executionArn=missing)
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.describe_execution(executionArn="not-an-arn")
    with pytest.raises(sfn.exceptions.InvalidDefinition):
        sfn.create_state_machine(
            name=unique("Bad"),
            definition='{"StartAt": "Nowhere", "States": {}}',
            roleArn="arn:aws:iam::123456789012:role/r",
        )
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.start_execution(stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:Nope")


def test_the_aws_cli_works_unchanged_against_the_server(server: Server) -> None:
    sfn = server.client()
    machine = create_machine(sfn, unique("CliGreeter"), {"Greet": GREET_TASK}, "Greet")
    env_vars = {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    import os
    import shutil

    if shutil.which("aws") is None:
        pytest.skip("the AWS CLI is not installed")
    command = ["aws", "stepfunctions", "--endpoint-url", server.url, "--output", "json"]
    started = subprocess.run(
        [*command, "start-execution", "--state-machine-arn", machine, "--input", '"cli"'],
        capture_output=True, text=True, env={**os.environ, **env_vars}, check=False, timeout=60,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    arn = json.loads(started.stdout)["executionArn"]
    wait_until_done(sfn, arn)
    described = subprocess.run(
        [*command, "describe-execution", "--execution-arn", arn],
        capture_output=True, text=True, env={**os.environ, **env_vars}, check=False, timeout=60,
    )  # fmt: skip
    assert described.returncode == 0, described.stderr
    assert json.loads(json.loads(described.stdout)["output"]) == {"greeting": "hello cli"}


def test_start_sync_execution_of_an_express_machine(server: Server) -> None:
    # boto3 prefixes the host with "sync-" for this action; a local endpoint needs that off.
    sfn = server.client(inject_host_prefix=False)
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Add",
        "States": {"Add": {"Type": "Pass", "Output": "{% $states.input.a + 1 %}", "End": True}},
    }
    machine = sfn.create_state_machine(
        name=unique("Express"),
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/r",
        type="EXPRESS",
    )["stateMachineArn"]
    result = sfn.start_sync_execution(stateMachineArn=machine, input='{"a": 41}')
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == 42


def test_preloaded_definitions_and_setup_hooks_serve_activities_backed_by_moto(server: Server) -> None:
    sfn = server.client()
    machines = {m["name"]: m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]}
    assert "StockCount" in machines  # named after the orchestrator in the compiled Comment
    run = sfn.start_execution(stateMachineArn=machines["StockCount"], input=json.dumps("socks"))
    done = wait_until_done(sfn, run["executionArn"])
    assert (done["status"], json.loads(done["output"])) == ("SUCCEEDED", 3)
