"""Mock configs as Step Functions Local reads them: responses per invocation, never the service.

Step Functions Local's documentation (docs.aws.amazon.com/step-functions/latest/dg/
sfn-local-mock-cfg-file.html) keys each mocked response by "the invocation number" ("0",
"1-2", ...), counted per state in the execution, and says a mocked Task "will never call the
service endpoint".
"""

from __future__ import annotations

import json
from typing import Any

from durable_sfn.engine import LocalStepFunctions
from tests.engine.support import ROLE, jsonata, new_client, output, types

POLL_LOOP = jsonata(
    {
        "Poll": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": "CheckJob"},
            "Output": "{% $states.result.Payload %}",
            "Next": "Done?",
        },
        "Done?": {
            "Type": "Choice",
            "Choices": [{"Condition": "{% $states.input.status = 'DONE' %}", "Next": "Finished"}],
            "Default": "Poll",
        },
        "Finished": {"Type": "Succeed"},
    }
)


def _config(responses: dict[str, Any]) -> dict[str, Any]:
    return {
        "StateMachines": {"poller": {"TestCases": {"ThirdPoll": {"Poll": "JobStatus"}}}},
        "MockedResponses": {"JobStatus": responses},
    }


def _start(sfn: LocalStepFunctions, definition: dict[str, Any]) -> dict[str, Any]:
    arn = sfn.create_state_machine(name="poller", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    started = sfn.start_execution(stateMachineArn=f"{arn}#ThirdPoll", input="{}")
    return sfn.wait_for_execution(started["executionArn"], timeout=30)


def test_a_loop_takes_the_next_response_on_each_pass() -> None:
    running = {"Return": {"Payload": {"status": "RUNNING"}}}
    sfn = new_client(mock_config=_config({"0-1": running, "2": {"Return": {"Payload": {"status": "DONE"}}}}))
    result = _start(sfn, POLL_LOOP)
    assert output(result) == {"status": "DONE"}
    assert types(sfn, result).count("TaskSucceeded") == 3


def test_running_out_of_responses_fails_naming_the_case_and_state_without_calling_the_service() -> None:
    called: list[Any] = []
    sfn = new_client(mock_config=_config({"0": {"Return": {"Payload": {"status": "RUNNING"}}}}))

    def check_job(event: Any, _context: Any) -> Any:
        called.append(event)
        return {"status": "DONE"}

    sfn.register_lambda("CheckJob", check_job)
    result = _start(sfn, POLL_LOOP)
    assert result["status"] == "FAILED"
    assert result["error"] == "States.Runtime"
    assert "'ThirdPoll'" in result["cause"] and "invocation 1 of state 'Poll'" in result["cause"]
    assert called == []


def test_a_mocked_callback_task_is_submitted_before_it_succeeds() -> None:
    definition = jsonata(
        {
            "Poll": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Arguments": {"QueueUrl": "q", "MessageBody": {"token": "{% $states.context.Task.Token %}"}},
                "End": True,
            }
        }
    )
    sfn = new_client(mock_config=_config({"0": {"Return": {"status": "DONE"}}}))
    result = _start(sfn, definition)
    assert output(result) == {"status": "DONE"}
    seen = types(sfn, result)
    assert seen.index("TaskStarted") < seen.index("TaskSubmitted") < seen.index("TaskSucceeded")
