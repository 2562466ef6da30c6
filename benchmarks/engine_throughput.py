"""State transitions per second: a 100-state Pass chain (JSONPath), our engine vs moto's interpreter.

Both run the same definition in the same process. moto executes with
`mock_aws(config={"stepfunctions": {"execute_state_machine": True}})` and is polled through
describe_execution until the execution ends.
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
from moto import mock_aws

from durable_sfn.engine import LocalStepFunctions

STATES = 100
ROLE = "arn:aws:iam::123456789012:role/bench"


def pass_chain(length: int = STATES) -> dict[str, Any]:
    states: dict[str, Any] = {}
    for i in range(length):
        state: dict[str, Any] = {"Type": "Pass", "Parameters": {"step": i, "carried.$": "$.carried"}}
        if i < length - 1:
            state["Next"] = f"S{i + 1}"
        else:
            state["End"] = True
        states[f"S{i}"] = state
    return {"StartAt": "S0", "States": states}


def run_ours(definition: dict[str, Any], executions: int) -> float:
    sfn = LocalStepFunctions()
    arn = sfn.create_state_machine(name="chain", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    started = time.perf_counter()
    for i in range(executions):
        run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"carried": i}))
        result = sfn.wait_for_execution(run["executionArn"])
        assert result["status"] == "SUCCEEDED", result
    return time.perf_counter() - started


def run_moto(definition: dict[str, Any], executions: int) -> float:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):  # type: ignore[arg-type]
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = sfn.create_state_machine(name="chain", definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
        started = time.perf_counter()
        for i in range(executions):
            run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"carried": i}), name=f"run-{i}")
            while True:
                result = sfn.describe_execution(executionArn=run["executionArn"])
                if result["status"] != "RUNNING":
                    break
                time.sleep(0.001)
            assert result["status"] == "SUCCEEDED", result
        return time.perf_counter() - started


def main() -> None:
    definition = pass_chain()
    run_ours(definition, 3)  # warm caches and imports
    ours_runs, moto_runs = 50, 5
    ours = run_ours(definition, ours_runs)
    moto = run_moto(definition, moto_runs)
    ours_rate = ours_runs * STATES / ours
    moto_rate = moto_runs * STATES / moto
    print(f"100-state Pass chain (JSONPath), {STATES} transitions per execution")
    print(
        f"  durable_sfn engine : {ours_rate:10,.0f} transitions/s  ({ours_runs} executions in {ours:.2f} s)"
    )
    print(
        f"  moto interpreter   : {moto_rate:10,.0f} transitions/s  ({moto_runs} executions in {moto:.2f} s)"
    )
    print(f"  speed-up           : {ours_rate / moto_rate:10.1f}x (target >= 10x)")


if __name__ == "__main__":
    main()
