"""A polling workflow: 30 Waits of 10 s (5 virtual minutes) on the virtual clock. Target < 0.5 s wall."""

from __future__ import annotations

import json
import time

from durable_sfn.engine import LocalStepFunctions

DEFINITION = {
    "QueryLanguage": "JSONata",
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Assign": {"polls": 0}, "Next": "Poll"},
        "Poll": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": "CheckStatus", "Payload": {"poll": "{% $polls %}"}},
            "Assign": {"polls": "{% $polls + 1 %}", "done": "{% $states.result.Payload.done %}"},
            "Next": "Done?",
        },
        "Done?": {
            "Type": "Choice",
            "Choices": [{"Condition": "{% $done %}", "Next": "Finished"}],
            "Default": "Wait",
        },
        "Wait": {"Type": "Wait", "Seconds": 10, "Next": "Poll"},
        "Finished": {"Type": "Pass", "Output": {"polls": "{% $polls %}"}, "End": True},
    },
}


def main() -> None:
    sfn = LocalStepFunctions()
    sfn.register_lambda("CheckStatus", lambda event, ctx: {"done": event["poll"] >= 30})
    arn = sfn.create_state_machine(name="poller", definition=json.dumps(DEFINITION))["stateMachineArn"]
    sfn.wait_for_execution(sfn.start_execution(stateMachineArn=arn)["executionArn"])  # warm up parsers
    started = time.perf_counter()
    run = sfn.start_execution(stateMachineArn=arn)
    result = sfn.wait_for_execution(run["executionArn"])
    wall = time.perf_counter() - started
    virtual = (result["stopDate"] - result["startDate"]).total_seconds()
    print(f"polling workflow: {json.loads(result['output'])['polls']} polls, 30 Waits of 10 s")
    print(f"  virtual duration : {virtual:.0f} s")
    print(f"  wall time        : {wall:.3f} s (target < 0.5 s)")


if __name__ == "__main__":
    main()
