"""What ordering an orchestration's entity operations costs, on the local engine over moto.

One orchestration's signals and calls to one entity apply in the order it issued them, so a
compiled `ctx.signal_entity` invokes the entity function in place (the operation is applied
before the orchestration goes on) instead of sending a message to the signal queue, which a
later call could overtake. A call is unchanged. This prints the wall time per operation of a
state machine running 50 of each kind of Task in a row: a call, a signal as compiled now, and a
signal sent to the FIFO queue (the former way, still how clients signal from outside).

    python -m benchmarks entity_order
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import boto3
from moto import mock_aws

from durable_sfn.asl import substitute_placeholders
from durable_sfn.engine import LocalStepFunctions, MotoClients
from durable_sfn.entities import EntityContext, EntityId, LocalEntityHost, entity
from durable_sfn.entities.contract import call_entity_task, signal_entity_task

OPERATIONS = 50
ROUNDS = 3


@entity(name="BenchTally", operations=("add", "get"))
def bench_tally(ctx: EntityContext) -> None:
    value = ctx.get_state(lambda: 0)
    if ctx.operation_name == "add":
        ctx.set_state(value + ctx.get_input())
    ctx.set_result(value)


def _definition(kind: str) -> dict[str, Any]:
    states: dict[str, Any] = {}
    for i in range(OPERATIONS):
        scope = [str(i)]  # a distinct operation id per state
        if kind == "call":
            task = call_entity_task("BenchTally", '"k"', "add", "1", scope).to_asl()
        elif kind == "signal (in order)":
            task = call_entity_task("BenchTally", '"k"', "add", "1", scope, kind="signal").to_asl()
        else:
            task = signal_entity_task("BenchTally", '"k"', "add", "1", scope).to_asl()
        states[f"Op {i}"] = {**task, **({"Next": f"Op {i + 1}"} if i + 1 < OPERATIONS else {"End": True})}
    return {"QueryLanguage": "JSONata", "StartAt": "Op 0", "States": states}


def measure(kind: str) -> float:
    """Milliseconds per operation (best of ROUNDS runs)."""
    best = float("inf")
    with mock_aws():
        session = boto3.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        host = LocalEntityHost(
            [bench_tally], dynamodb_client=session.client("dynamodb"), sqs_client=session.client("sqs")
        )
        sfn = LocalStepFunctions(aws_client_factory=MotoClients())
        placeholders = host.register(sfn)
        definition = substitute_placeholders(_definition(kind), placeholders)
        arn = sfn.create_state_machine(
            name="EntityOrder", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/b"
        )["stateMachineArn"]
        for _ in range(ROUNDS):
            started = time.perf_counter()
            execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
            result = sfn.wait_for_execution(execution, timeout=120)
            elapsed = time.perf_counter() - started
            assert result["status"] == "SUCCEEDED", result
            best = min(best, elapsed)
        host.drain()
        assert host.read(EntityId("BenchTally", "k")).exists
    return best * 1000 / OPERATIONS


def main() -> None:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    figures = {kind: measure(kind) for kind in ("call", "signal (in order)", "signal (queued)")}
    for kind, ms in figures.items():
        print(f"  {kind:<18} {ms:7.2f} ms per operation")
    extra = figures["signal (in order)"] - figures["signal (queued)"]
    print(
        f"  a call is unchanged; a signal applied in order takes {extra:+.2f} ms against one sent to the"
        " queue (which is applied later still, by the queue's consumer)"
    )


if __name__ == "__main__":
    main()
