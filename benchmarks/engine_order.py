"""The compiled order workflow: state transitions per second, our engine vs moto's interpreter.

Three definitions, each run by both engines in the same process:

1. the compiled definition as deployed (JSONata, Lambda tasks, the entity queue's SQS task),
   with no-op in-process activities on ours and SQS on moto. moto is given it too, and the
   benchmark prints what happens (it cannot evaluate JSONata without a JVM, nor invoke Lambda
   functions without Docker);
2. the same definition with its Tasks as Pass states (`engine_order_defs.tasks_as_pass`); moto
   runs it with its JSONata evaluation pointed at jsonata-python, as issue 4's conformance
   figure for moto does;
3. the workflow hand-converted to JSONPath, Tasks as Pass states: no JSONata at all.

Both engines must give the same output for a figure to be printed as like-for-like.

Each timed round of ours starts with `gc.collect()`. A round is short (about 0.1 s for the Tasks as
Pass workflow), while one full collection with moto's objects and earlier rounds in memory costs
0.4-0.5 s: without the collection first, whether a round happens to include a full collection
decided its figure (6,000 or 25,000 transitions/s). Collections the round's own garbage triggers
still count. The median of the rounds, their range, the rate per CPU second and the load average
are printed.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import boto3
from moto import mock_aws

from benchmarks.engine_order_defs import (
    JSONPATH_ORDER,
    NOOP_RESULT,
    REGION,
    placeholders,
    substitute,
    tasks_as_pass,
)
from durable_sfn.compiler.api import compile_orchestrator
from durable_sfn.engine import LocalStepFunctions, MotoClients

ROLE = "arn:aws:iam::123456789012:role/bench"
OURS_RUNS, MOTO_RUNS = 200, 5
# Rounds of our engine: the machine may be shared, so the median of several is printed, with the
# load average, and the rate per second of CPU time used by the process (less sensitive to load).
# Each round starts after a full garbage collection (see the module docstring).
ROUNDS = 5


class MotoCannotRun(Exception):
    """moto rejected the definition or failed the execution."""


SQS_NOTE = "  (our figure includes one SQS SendMessage on moto per execution, the entity signal)"


def noop(event: Any, context: Any) -> Any:
    return NOOP_RESULT


@contextmanager
def aws(jsonata_python: bool = False) -> Iterator[str]:
    """moto's AWS (with its state machine interpreter on); yields the entity queue's URL."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        os.environ.setdefault(key, value)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):  # type: ignore[arg-type]
        queue = boto3.client("sqs", region_name=REGION).create_queue(
            QueueName="entities.fifo", Attributes={"FifoQueue": "true"}
        )
        if not jsonata_python:
            yield queue["QueueUrl"]
            return
        with _moto_jsonata_python():
            yield queue["QueueUrl"]


@contextmanager
def _moto_jsonata_python() -> Iterator[None]:
    """Point moto's JSONata evaluation (a JVM bridge) at jsonata-python instead."""
    import jsonata
    from moto.stepfunctions.parser.asl.jsonata import jsonata as moto_jsonata

    def evaluate(expression: str) -> Any:
        return jsonata.Jsonata(expression).evaluate(None)

    # moto ships this hook unset (its JVM bridge is not wired in); set it for the run.
    with mock.patch.object(moto_jsonata, "_eval_jsonata", evaluate):
        yield


def run_ours(definition: dict[str, Any], runs: int) -> tuple[float, float, int, list[Any]]:
    """Transitions per second (wall, and per process CPU second), states per execution, and each
    execution's output."""
    sfn = LocalStepFunctions(aws_client_factory=MotoClients())
    for name in placeholders(definition):
        sfn.register_lambda(name, noop)
    with aws() as queue_url:
        concrete = substitute(definition, queue_url)
        arn = sfn.create_state_machine(name="Order", definition=json.dumps(concrete), roleArn=ROLE)[
            "stateMachineArn"
        ]

        def one(i: int) -> tuple[int, Any]:
            run = sfn.start_execution(stateMachineArn=arn, input=json.dumps(f"order-{i}"))
            result = sfn.wait_for_execution(run["executionArn"])
            if result["status"] != "SUCCEEDED":
                raise RuntimeError(
                    f"our engine: {result['status']} {result.get('error')}: {result.get('cause')}"
                )
            history = sfn.get_execution_history(executionArn=run["executionArn"], maxResults=1000)["events"]
            return sum(1 for e in history if e["type"].endswith("StateEntered")), json.loads(result["output"])

        one(-1)  # warm up
        gc.collect()  # the collector's debt from earlier work is not this round's
        started, cpu = time.perf_counter(), time.process_time()
        transitions, outputs = 0, []
        for i in range(runs):
            count, value = one(i)
            transitions += count
            outputs.append(value)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return transitions / wall, transitions / cpu, transitions // runs, outputs


def run_moto(
    definition: dict[str, Any], runs: int, states: int, *, jsonata_python: bool = False
) -> tuple[float, Any]:
    """Transitions per second (`states` per execution, as measured on ours) and the last output."""
    with aws(jsonata_python) as queue_url:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        try:
            arn = sfn.create_state_machine(
                name="Order", definition=json.dumps(substitute(definition, queue_url)), roleArn=ROLE
            )["stateMachineArn"]
        except Exception as exc:
            raise MotoCannotRun(f"create_state_machine: {type(exc).__name__}: {exc}") from None
        started = time.perf_counter()
        last = None
        for i in range(runs):
            run = sfn.start_execution(stateMachineArn=arn, input=json.dumps(f"order-{i}"), name=f"run-{i}")
            deadline = time.perf_counter() + 30
            while True:
                result = sfn.describe_execution(executionArn=run["executionArn"])
                if result["status"] != "RUNNING" or time.perf_counter() > deadline:
                    break
                time.sleep(0.001)
            if result["status"] != "SUCCEEDED":
                cause = str(result.get("cause", "")).splitlines()[0][:200]
                raise MotoCannotRun(f"execution {result['status']}: {result.get('error')}: {cause}")
            last = json.loads(result["output"])
        wall = time.perf_counter() - started
    return runs * states / wall, last


def compare(title: str, definition: dict[str, Any], *, jsonata_python: bool) -> None:
    rounds = [run_ours(definition, OURS_RUNS) for _ in range(ROUNDS)]
    rates = [r[0] for r in rounds]
    ours, states, our_outputs = statistics.median(rates), rounds[0][2], rounds[0][3]
    print(f"{title}: {states} states per execution")
    print(
        f"  durable_sfn engine : {ours:10,.0f} transitions/s  (median of {ROUNDS} rounds of {OURS_RUNS} "
        f"executions, each after gc.collect(); {min(rates):,.0f}-{max(rates):,.0f})"
    )
    cpu_rates = [r[1] for r in rounds]
    print(
        f"    per CPU second   : {statistics.median(cpu_rates):10,.0f} transitions  (process CPU time; "
        f"{min(cpu_rates):,.0f}-{max(cpu_rates):,.0f})"
    )
    print(f"    load average     : {', '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    attempts = [("moto interpreter", False)]
    if jsonata_python:
        attempts.append(("moto, JSONata via jsonata-python", True))
    for label, patched in attempts:
        try:
            rate, moto_output = run_moto(definition, MOTO_RUNS, states, jsonata_python=patched)
        except MotoCannotRun as exc:
            why = " [moto as shipped has no JSONata evaluator]" if "NoneType" in str(exc) else ""
            print(f"  {label}: cannot run this definition: {exc}{why}")
            continue
        # Both ran input "order-{i}"; moto's last run was i = MOTO_RUNS - 1.
        expected = our_outputs[MOTO_RUNS - 1]
        agree = "same output" if moto_output == expected else f"DIFFERENT output: {moto_output!r}"
        print(f"  {label:<19}: {rate:10,.0f} transitions/s  ({MOTO_RUNS} executions; {agree})")
        print(f"  speed-up           : {ours / rate:10.1f}x (target >= 10x)")


def main() -> None:
    # moto logs a failed execution's whole parse tree; the one-line reason printed is enough.
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    from statemachines.order_processing import order_processing

    compiled = compile_orchestrator(order_processing)
    compare(
        "compiled order workflow (JSONata), no-op activities, entity signal to SQS on moto",
        compiled,
        jsonata_python=True,
    )
    if ":::sqs:" in json.dumps(compiled):
        print(SQS_NOTE)
    compare("same definition, Tasks as Pass states (JSONata)", tasks_as_pass(compiled), jsonata_python=True)
    compare("hand-converted to JSONPath, Tasks as Pass states", JSONPATH_ORDER, jsonata_python=False)


if __name__ == "__main__":
    main()
