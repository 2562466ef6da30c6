"""A Task whose Output (or Assign) fails after its result arrived is never invoked again.

The Step Functions documentation says a failed JSONata evaluation is a
States.QueryEvaluationError that Retry and Catch match like any other error (an
EvaluationFailed event is written), but not whether a retry invokes the task a second time
after its result was received. The engine does not: the work was done, and repeating it
(a payment, an e-mail) would be a silent side effect. The error goes to the state's Catch,
or fails the execution.
"""

from __future__ import annotations

from typing import Any

from tests.engine.support import events, jsonata, new_client, output, run, types

RETRY_ALL = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3}]


def _task(**fields: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": "Charge", "Payload": "{% $states.input %}"},
        "Retry": RETRY_ALL,
        **fields,
    }


def _client(calls: list[Any]) -> Any:
    sfn = new_client()

    def charge(event: Any, context: Any) -> Any:
        calls.append(event)
        return {"charged": event}

    sfn.register_lambda("Charge", charge)
    return sfn


def test_failing_output_is_not_retried_and_the_lambda_runs_once() -> None:
    calls: list[Any] = []
    sfn = _client(calls)
    definition = jsonata({"Pay": _task(Output="{% $states.result.Payload.missing.deeper %}", End=True)})
    result = run(sfn, definition, 42)
    assert result["status"] == "FAILED"
    assert result["error"] == "States.QueryEvaluationError"
    assert "'Output'" in result["cause"] and "returned nothing" in result["cause"]
    assert calls == [42]
    seen = types(sfn, result)
    assert seen.count("TaskScheduled") == 1 and seen.count("TaskSucceeded") == 1
    assert seen.index("TaskSucceeded") < seen.index("EvaluationFailed")
    failed = next(e for e in events(sfn, result) if e["type"] == "EvaluationFailed")
    assert failed["evaluationFailedEventDetails"]["state"] == "Pay"


def test_failing_assign_goes_to_catch_without_a_second_call() -> None:
    calls: list[Any] = []
    sfn = _client(calls)
    definition = jsonata(
        {
            "Pay": _task(
                Assign={"n": "{% $number('not a number') %}"},
                Catch=[
                    {
                        "ErrorEquals": ["States.QueryEvaluationError"],
                        "Next": "Handled",
                        "Output": "{% $states.errorOutput.Error %}",
                    }
                ],
                Next="Done",
            ),
            "Handled": {"Type": "Pass", "End": True},
            "Done": {"Type": "Pass", "End": True},
        }
    )
    result = run(sfn, definition, 7)
    assert output(result) == "States.QueryEvaluationError"
    assert calls == [7]
    assert "Handled" in [
        e["stateEnteredEventDetails"]["name"] for e in events(sfn, result) if e["type"] == "PassStateEntered"
    ]


def test_a_failure_before_the_call_is_still_retried() -> None:
    # Arguments are evaluated before anything is invoked: Retry applies as usual.
    calls: list[Any] = []
    sfn = _client(calls)
    definition = jsonata(
        {
            "Pay": {
                **_task(End=True),
                "Arguments": {"FunctionName": "Charge", "Payload": "{% $states.input.nothing.here %}"},
            }
        }
    )
    result = run(sfn, definition, {"a": 1})
    assert result["error"] == "States.QueryEvaluationError"
    assert calls == []
    assert types(sfn, result).count("EvaluationFailed") == 4  # the first attempt and three retries


def test_a_failing_task_is_still_retried() -> None:
    attempts: list[int] = []
    sfn = new_client()

    def flaky(event: Any, context: Any) -> Any:
        attempts.append(1)
        if len(attempts) < 3:
            raise RuntimeError("try again")
        return "ok"

    sfn.register_lambda("Charge", flaky)
    result = run(sfn, jsonata({"Pay": _task(Output="{% $states.result.Payload %}", End=True)}))
    assert output(result) == "ok"
    assert len(attempts) == 3
