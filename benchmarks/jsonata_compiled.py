"""What compiling JSONata to closures (engine/jsonata_compiled.py) buys, with the full evaluator beside it.

    python -m benchmarks jsonata_compiled

1. CPU microseconds per evaluation of each distinct expression of the compiled order workflow
   (statemachines/order_processing.asl.json) that is not a plain `$x.y` path, compiled and on the
   full evaluator (jsonata-python), best of three rounds on one thread.
2. Transitions per second of process CPU time for the compiled order workflow with no-op Lambda
   functions and with its Tasks as Pass states (benchmarks/engine_order.py's runs), with the
   compiled path on and off in interleaved rounds of the same process.

Each timed round starts after a garbage collection, and the full collections (generation 2) that
land inside a round are counted: with moto and the earlier rounds' executions in memory one takes
about half a second, several times what a round of 1,800 transitions takes, so a round it lands
in measures the collector more than the engine.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.engine_order import run_ours
from benchmarks.engine_order_defs import tasks_as_pass
from durable_sfn.compiler.api import compile_orchestrator
from durable_sfn.engine import jsonata
from durable_sfn.engine.env import EvalEnv

PAIRS = 3
RUNS = 200
DEFINITION = Path(__file__).resolve().parents[1] / "statemachines" / "order_processing.asl.json"


@contextmanager
def compiled_path(on: bool) -> Iterator[None]:
    """The engine with its compiled path (the default), or with every expression on the full evaluator."""
    saved = jsonata._program
    if not on:
        jsonata._program = lambda body: None  # type: ignore[assignment]
    try:
        yield
    finally:
        jsonata._program = saved  # type: ignore[method-assign]


class FullCollections:
    """Counts generation-2 collections while installed."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info.get("generation") == 2:
            self.count += 1


def expressions() -> list[str]:
    found: dict[str, None] = {}

    def walk(value: Any) -> None:
        if isinstance(value, str) and jsonata.is_expression(value):
            body = jsonata.expression_body(value)
            if not jsonata._SIMPLE_PATH.match(body):
                found.setdefault(value, None)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(json.loads(DEFINITION.read_text(encoding="utf-8")))
    return list(found)


def order_env() -> EvalEnv:
    """Bindings of a successful order, as the workflow's Choice and Output fields see them."""
    variables: dict[str, dict[str, Any]] = {
        "validation": {"IsValid": True, "RequiresApproval": False, "FailureReason": None, "TotalAmount": 42},
        "approval": {"Approved": True, "Approver": "ada"},
        "payment": {"Success": True, "Amount": 42, "DeclineReason": "none"},
        "shipment": {"TrackingNumber": "T-1", "EstimatedDelivery": "2024-01-05"},
    }
    for value in variables.values():
        value.update({"Items": [{"Sku": "A", "Quantity": 1}], "CustomerEmail": "ada@example.com"})
    context = {"Execution": {"Id": "arn:aws:states:us-east-1:1:execution:Order:x"}, "State": {"Name": "S"}}
    return EvalEnv(state_name="S", query_language="JSONata", input={}, context=context, variables=variables)


def cpu_micros(evaluate: Callable[[], Any], n: int) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for _ in range(n):
            with contextlib.suppress(Exception):  # an error is a result too: timed all the same
                evaluate()
        best = min(best, (time.process_time() - started) / n * 1e6)
    return best


def expression_table() -> None:
    env = order_env()
    print("CPU microseconds per evaluation, order workflow expressions (best of 3 rounds, one thread)")
    print(f"  {'compiled':>9} {'full':>9}  expression")
    for expression in expressions():
        compiled = jsonata._program(jsonata.expression_body(expression)) is not None

        def evaluate(e: str = expression) -> Any:
            return jsonata.evaluate_expression(e, env, "Output")

        with compiled_path(True):
            fast = cpu_micros(evaluate, 2000)
        with compiled_path(False):
            full = cpu_micros(evaluate, 300)
        shown = f"{fast:9.1f}" if compiled else f"{'(full)':>9}"
        print(f"  {shown} {full:9.1f}  {jsonata.expression_body(expression)[:80]}")


def engine_table() -> None:
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    from statemachines.order_processing import order_processing

    definition = compile_orchestrator(order_processing)
    workloads = {
        "order workflow, no-op Lambdas": definition,
        "same, Tasks as Pass": tasks_as_pass(definition),
    }
    rates: dict[tuple[str, bool], list[float]] = {(w, on): [] for w in workloads for on in (True, False)}
    clean: dict[tuple[str, bool], list[float]] = {key: [] for key in rates}
    collections = FullCollections()
    gc.callbacks.append(collections)
    try:
        for pair in range(PAIRS):
            for name, workload in workloads.items():
                for on in (True, False) if pair % 2 == 0 else (False, True):
                    gc.collect()
                    collections.count = 0
                    with compiled_path(on):
                        _, per_cpu, _, _ = run_ours(workload, RUNS)
                    rates[(name, on)].append(per_cpu)
                    if collections.count == 0:
                        clean[(name, on)].append(per_cpu)
    finally:
        gc.callbacks.remove(collections)
    print(
        f"\nTransitions per CPU second, {PAIRS} interleaved rounds of {RUNS} executions each "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    for (name, on), values in rates.items():
        without = clean[(name, on)]
        clean_text = f"{statistics.median(without):9,.0f} in {len(without)}" if without else f"{'-':>9} in 0"
        print(
            f"  {name:<31} {'compiled' if on else 'full':<9} median {statistics.median(values):9,.0f} "
            f"(range {min(values):,.0f}-{max(values):,.0f}); rounds without a full collection: {clean_text}"
        )


def main() -> None:
    expression_table()
    engine_table()


if __name__ == "__main__":
    main()
