"""OrchestrationClient.get_status cost: API calls and time per call, by history length.

Custom status is read from the newest `customStatus` assignment in the execution history
(reverseOrder=True, first page 100 events, then pages of 1000). This prints, for histories of
N events, how many Step Functions calls one get_status makes when the status was set recently
(the usual case: each stage sets it) and when it was set only at the very start (worst case).

    python -m benchmarks client_get_status
"""

from __future__ import annotations

import json
import time
from typing import Any

from durable_sfn.client import OrchestrationClient
from durable_sfn.engine.api.client import LocalStepFunctions

ROLE = "arn:aws:iam::123456789012:role/bench"


class Counting:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return attribute(*args, **kwargs)

        return counted


def machine(rounds: int, status_each_round: bool) -> str:
    step_assign: dict[str, Any] = {"i": "{% $i + 1 %}"}
    if status_each_round:
        step_assign["customStatus"] = "{% 'round ' & $string($i) %}"
    return json.dumps(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "Init",
            "States": {
                "Init": {"Type": "Pass", "Assign": {"i": 0, "customStatus": "started"}, "Next": "Loop"},
                "Loop": {
                    "Type": "Choice",
                    "Choices": [{"Condition": f"{{% $i < {rounds} %}}", "Next": "Step"}],
                    "Default": "Done",
                },
                "Step": {"Type": "Pass", "Assign": step_assign, "Next": "Loop"},
                "Done": {"Type": "Succeed"},
            },
        }
    )


def main() -> None:
    print(f"{'events':>8} {'status set':>12} {'calls':>6} {'ms/get_status':>14}")
    for rounds in (10, 250, 2500, 6000):
        for each_round in (True, False):
            sfn = LocalStepFunctions()
            arn = sfn.create_state_machine(
                name="Bench", definition=machine(rounds, each_round), roleArn=ROLE
            )["stateMachineArn"]
            run = sfn.start_execution(stateMachineArn=arn, input="{}")
            sfn.wait_for_execution(run["executionArn"])
            counting = Counting(sfn)
            client = OrchestrationClient(counting)
            events = len(client.get_history(run["executionArn"]))
            counting.calls = 0
            started = time.perf_counter()
            client.get_status(run["executionArn"])
            elapsed = (time.perf_counter() - started) * 1000
            label = "recently" if each_round else "at start"
            print(f"{events:>8} {label:>12} {counting.calls:>6} {elapsed:>14.1f}")


if __name__ == "__main__":
    main()
