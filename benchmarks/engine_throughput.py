"""State transitions per second: a 100-state Pass chain (JSONPath), our engine vs moto's interpreter.

Both run the same definition in the same process. moto executes with
`mock_aws(config={"stepfunctions": {"execute_state_machine": True}})` and is polled through
describe_execution until the execution ends.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from typing import Any

import boto3
from moto import mock_aws

from durable_sfn.engine import LocalStepFunctions

STATES = 100
ROLE = "arn:aws:iam::123456789012:role/bench"
# Rounds of our engine: the machine may be shared, so the median of several is printed, with the
# load average, and the rate per second of CPU time used by the process (less sensitive to load).
ROUNDS, OURS_RUNS = 5, 100


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


def run_ours(definition: dict[str, Any], executions: int) -> tuple[float, float]:
    """Wall seconds and process CPU seconds for `executions` runs of the chain."""
    sfn = LocalStepFunctions()
    arn = sfn.create_state_machine(name="chain", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(executions):
        run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"carried": i}))
        result = sfn.wait_for_execution(run["executionArn"])
        assert result["status"] == "SUCCEEDED", result
    return time.perf_counter() - started, time.process_time() - cpu


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
    rounds = [run_ours(definition, OURS_RUNS) for _ in range(ROUNDS)]
    rates = [OURS_RUNS * STATES / wall for wall, _ in rounds]
    cpu_rates = [OURS_RUNS * STATES / cpu for _, cpu in rounds]
    moto_runs = 5
    moto = run_moto(definition, moto_runs)
    ours_rate = statistics.median(rates)
    moto_rate = moto_runs * STATES / moto
    print(f"100-state Pass chain (JSONPath), {STATES} transitions per execution")
    print(
        f"  durable_sfn engine : {ours_rate:10,.0f} transitions/s  (median of {ROUNDS} rounds of "
        f"{OURS_RUNS} executions; {min(rates):,.0f}-{max(rates):,.0f}; target >= 80,000)"
    )
    print(
        f"    per CPU second   : {statistics.median(cpu_rates):10,.0f} transitions  (process CPU time, all threads)"
    )
    print(
        f"  moto interpreter   : {moto_rate:10,.0f} transitions/s  ({moto_runs} executions in {moto:.2f} s)"
    )
    print(f"  speed-up           : {ours_rate / moto_rate:10.1f}x (target >= 10x)")
    print(f"  load average       : {', '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")


if __name__ == "__main__":
    main()
