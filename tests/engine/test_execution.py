"""The interpreter loop through the client: dataflow, variables, Retry/Catch, history, limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.engine.support import events, jsonata, new_client, output, run, seconds_since_start, types


def failing_handler(failures: int) -> Any:
    calls = {"n": 0}

    class PaymentDeclined(Exception):
        pass

    def handler(event: Any, context: Any) -> Any:
        calls["n"] += 1
        if calls["n"] <= failures:
            raise PaymentDeclined(f"declined #{calls['n']}")
        return {"charged": event["amount"], "attempt": calls["n"]}

    return handler


def test_jsonata_task_result_assign_and_output() -> None:
    sfn = new_client()
    sfn.register_lambda("Double", lambda event, ctx: {"value": event["n"] * 2})
    definition = jsonata(
        {
            "Start": {"Type": "Pass", "Assign": {"n": "{% $states.input.n %}"}, "Next": "Call"},
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "Double", "Payload": {"n": "{% $n %}"}},
                "Assign": {"doubled": "{% $states.result.Payload.value %}"},
                "Output": {"before": "{% $n %}", "result": "{% $states.result.Payload.value %}"},
                "End": True,
            },
        }
    )
    result = run(sfn, definition, {"n": 21})
    assert output(result) == {"before": 21, "result": 42}
    exited = next(e for e in events(sfn, result) if e["type"] == "TaskStateExited")
    assert exited["stateExitedEventDetails"]["assignedVariables"] == {"doubled": "42"}


def test_assign_sees_values_from_before_the_state() -> None:
    sfn = new_client()
    definition = jsonata(
        {
            "A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "B"},
            "B": {
                "Type": "Pass",
                "Assign": {"x": 2, "old": "{% $x %}"},
                "Output": {"x": "{% $x %}"},
                "Next": "C",
            },
            "C": {"Type": "Pass", "Output": {"x": "{% $x %}", "old": "{% $old %}"}, "End": True},
        }
    )
    assert output(run(sfn, definition)) == {"x": 2, "old": 1}


def test_retry_backoff_runs_on_virtual_time_and_is_recorded() -> None:
    sfn = new_client()
    sfn.register_lambda("Charge", failing_handler(failures=2))
    definition = jsonata(
        {
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "Charge", "Payload": {"amount": 5}},
                "Retry": [
                    {
                        "ErrorEquals": ["PaymentDeclined"],
                        "IntervalSeconds": 3,
                        "BackoffRate": 2,
                        "MaxAttempts": 3,
                    }
                ],
                "Output": "{% $states.result.Payload %}",
                "End": True,
            }
        }
    )
    result = run(sfn, definition)
    assert output(result) == {"charged": 5, "attempt": 3}
    scheduled = [seconds_since_start(e) for e in events(sfn, result) if e["type"] == "TaskScheduled"]
    assert scheduled == [0.0, 3.0, 9.0]


def test_max_delay_caps_backoff() -> None:
    sfn = new_client()
    sfn.register_lambda("Charge", failing_handler(failures=3))
    definition = jsonata(
        {
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "Charge", "Payload": {"amount": 1}},
                "Retry": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "IntervalSeconds": 10,
                        "BackoffRate": 10,
                        "MaxDelaySeconds": 50,
                        "MaxAttempts": 5,
                    }
                ],
                "End": True,
            }
        }
    )
    result = run(sfn, definition)
    scheduled = [seconds_since_start(e) for e in events(sfn, result) if e["type"] == "TaskScheduled"]
    assert scheduled == [0.0, 10.0, 60.0, 110.0]


def test_lambda_error_shape_and_catch() -> None:
    sfn = new_client()
    sfn.register_lambda("Charge", failing_handler(failures=99))
    definition = jsonata(
        {
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "Charge", "Payload": {"amount": 1}},
                "Catch": [
                    {
                        "ErrorEquals": ["PaymentDeclined"],
                        "Assign": {"reason": "{% $parse($states.errorOutput.Cause).errorMessage %}"},
                        "Output": "{% $states.errorOutput %}",
                        "Next": "Declined",
                    }
                ],
                "End": True,
            },
            "Declined": {"Type": "Pass", "Output": {"reason": "{% $reason %}"}, "End": True},
        }
    )
    result = run(sfn, definition)
    assert output(result) == {"reason": "declined #1"}
    failed = next(e for e in events(sfn, result) if e["type"] == "TaskFailed")["taskFailedEventDetails"]
    assert failed["error"] == "PaymentDeclined"
    cause = json.loads(failed["cause"])
    assert cause["errorType"] == "PaymentDeclined" and cause["errorMessage"] == "declined #1"
    assert set(cause) == {"errorMessage", "errorType", "requestId", "stackTrace"}


def test_uncaught_failure_fails_the_execution_with_error_and_cause() -> None:
    sfn = new_client()
    sfn.register_lambda("Charge", failing_handler(failures=99))
    definition = jsonata(
        {
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Charge",
                "Arguments": {"amount": 1},
                "End": True,
            }
        }
    )
    result = run(sfn, definition)
    assert result["status"] == "FAILED"
    assert result["error"] == "PaymentDeclined"
    assert "LambdaFunctionFailed" in types(sfn, result)
    assert types(sfn, result)[-1] == "ExecutionFailed"


def test_task_failed_wildcard_does_not_catch_timeout_and_runtime_is_not_caught() -> None:
    sfn = new_client()
    definition = jsonata(
        {
            "Bad": {
                "Type": "Pass",
                "Output": "{% $missing %}",
                "End": True,
            }
        }
    )
    result = run(sfn, definition)
    assert result["error"] == "States.QueryEvaluationError"
    assert result["cause"] == (
        "An error occurred while executing the state 'Bad' (entered at the event id #2). "
        "The JSONata expression '$missing' specified for the field 'Output' returned nothing (undefined)."
    )


def test_query_evaluation_error_can_be_caught_on_a_task() -> None:
    sfn = new_client()
    sfn.register_lambda("Echo", lambda event, ctx: event)
    definition = jsonata(
        {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "Echo", "Payload": "{% $nope %}"},
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Output": {"caught": "{% $states.errorOutput.Error %}"},
                        "Next": "Done",
                    }
                ],
                "End": True,
            },
            "Done": {"Type": "Succeed"},
        }
    )
    assert output(run(sfn, definition)) == {"caught": "States.QueryEvaluationError"}


def test_context_object_fields() -> None:
    sfn = new_client()
    definition = jsonata(
        {
            "Look": {
                "Type": "Pass",
                "Output": {
                    "name": "{% $states.context.Execution.Name %}",
                    "input": "{% $states.context.Execution.Input %}",
                    "state": "{% $states.context.State.Name %}",
                    "machine": "{% $states.context.StateMachine.Name %}",
                    "start": "{% $states.context.Execution.StartTime %}",
                },
                "End": True,
            }
        }
    )
    result = run(sfn, definition, {"k": 1}, name="ctx", exec_name="run-1")
    assert output(result) == {
        "name": "run-1",
        "input": {"k": 1},
        "state": "Look",
        "machine": "ctx",
        "start": "2024-01-01T00:00:00.000Z",
    }


def test_wait_advances_virtual_time_only() -> None:
    sfn = new_client()
    definition = jsonata(
        {
            "Wait": {"Type": "Wait", "Seconds": 86400, "Next": "Until"},
            "Until": {"Type": "Wait", "Timestamp": "2024-01-03T00:00:00Z", "End": True},
        }
    )
    result = run(sfn, definition)
    assert (result["stopDate"] - result["startDate"]).total_seconds() == 2 * 86400


def test_payload_limit_fails_with_data_limit_exceeded() -> None:
    sfn = new_client()
    sfn.register_lambda("Big", lambda event, ctx: "a" * 300_000)
    definition = jsonata(
        {
            "Big": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "Big"},
                "End": True,
            }
        }
    )
    result = run(sfn, definition)
    assert result["error"] == "States.DataLimitExceeded"
    assert "'Big'" in result["cause"]


def test_history_limit_fails_the_execution() -> None:
    sfn = new_client()
    definition = jsonata(
        {
            "Loop": {"Type": "Pass", "Assign": {"i": "{% $exists($i) ? $i + 1 : 1 %}"}, "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $i < 20000 %}", "Next": "Loop"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        }
    )
    result = run(sfn, definition)
    assert result["status"] == "FAILED"
    assert result["error"] == "States.Runtime"
    assert "25000" in result["cause"]


def test_execution_timeout() -> None:
    sfn = new_client()
    definition = jsonata({"Wait": {"Type": "Wait", "Seconds": 3600, "End": True}})
    definition["TimeoutSeconds"] = 60
    result = run(sfn, definition)
    assert result["status"] == "TIMED_OUT"
    assert types(sfn, result)[-1] == "ExecutionTimedOut"


def test_stop_execution_aborts_a_waiting_execution() -> None:
    sfn = new_client()
    sfn.register_lambda("Hang", lambda event, ctx: None)
    definition = jsonata(
        {
            "Wait": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Arguments": {"FunctionName": "Hang", "Payload": {}},
                "End": True,
            }
        }
    )
    arn = sfn.create_state_machine(name="stop", definition=json.dumps(definition))["stateMachineArn"]
    started = sfn.start_execution(stateMachineArn=arn)
    sfn.stop_execution(executionArn=started["executionArn"], error="Manual", cause="stopped by test")
    result = sfn.wait_for_execution(started["executionArn"], timeout=10)
    assert result["status"] == "ABORTED"
    assert result["error"] == "Manual"


@pytest.mark.parametrize("language", ["JSONPath", "JSONata"])
def test_fail_state(language: str) -> None:
    sfn = new_client()
    definition = {
        "QueryLanguage": language,
        "StartAt": "F",
        "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}},
    }
    result = run(sfn, definition)
    assert (result["status"], result["error"], result["cause"]) == ("FAILED", "E", "C")


def test_jsonpath_task_with_parameters_result_selector_and_result_path() -> None:
    sfn = new_client()
    sfn.register_lambda("Add", lambda event, ctx: {"sum": event["a"] + event["b"], "noise": True})
    definition = {
        "StartAt": "Add",
        "States": {
            "Add": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "Add", "Payload": {"a.$": "$.x", "b": 2}},
                "ResultSelector": {"total.$": "$.Payload.sum"},
                "ResultPath": "$.result",
                "OutputPath": "$.result",
                "End": True,
            }
        },
    }
    assert output(run(sfn, definition, {"x": 40})) == {"total": 42}


def test_missing_lambda_names_the_fix() -> None:
    sfn = new_client()
    definition = jsonata(
        {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "Nope"},
                "End": True,
            }
        }
    )
    result = run(sfn, definition)
    assert result["error"] == "Lambda.ResourceNotFoundException"
    assert "register_lambda" in result["cause"]


def test_oversized_task_result_fails_even_when_output_keeps_little() -> None:
    sfn = new_client()
    sfn.register_lambda("Big", lambda event, ctx: "a" * 300_000)
    definition = jsonata(
        {
            "Big": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "Big"},
                "Output": "{% $length($states.result.Payload) %}",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Succeed"},
        }
    )
    result = run(sfn, definition)
    assert result["error"] == "States.DataLimitExceeded"
