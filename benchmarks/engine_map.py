"""A distributed Map over 1,000 and 10,000 items: wall time and peak memory (tracemalloc).

Time and memory should grow linearly with the item count; the ratio lines show it.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from typing import Any

from durable_sfn.engine import LocalStepFunctions

DEFINITION = {
    "QueryLanguage": "JSONata",
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "Items": "{% $states.input.items %}",
            "MaxConcurrency": 100,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Price",
                "States": {
                    "Price": {
                        "Type": "Pass",
                        "Output": {"id": "{% $states.input.id %}", "total": "{% $states.input.qty * 3 %}"},
                        "Next": "Done",
                    },
                    "Done": {"Type": "Succeed"},
                },
            },
            "Output": {"count": "{% $count($states.result) %}", "sum": "{% $sum($states.result.total) %}"},
            "End": True,
        }
    },
}


def run_once(items: int) -> tuple[float, Any]:
    sfn = LocalStepFunctions()
    arn = sfn.create_state_machine(name=f"map{items}", definition=json.dumps(DEFINITION))["stateMachineArn"]
    payload = json.dumps({"items": [{"id": i, "qty": 1} for i in range(items)]})
    started = time.perf_counter()
    run = sfn.start_execution(stateMachineArn=arn, input=payload)
    result = sfn.wait_for_execution(run["executionArn"])
    wall = time.perf_counter() - started
    assert result["status"] == "SUCCEEDED", result
    return wall, json.loads(result["output"])


def measure(items: int) -> tuple[float, int, Any]:
    """Wall time from an untraced run (tracemalloc slows Python down), peak memory from a traced one."""
    wall, out = run_once(items)
    tracemalloc.start()
    run_once(items)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return wall, peak, out


def main() -> None:
    measure(100)  # warm up
    figures = {n: measure(n) for n in (1_000, 10_000)}
    print("distributed Map, 2 Pass states per item, MaxConcurrency 100")
    for n, (wall, peak, out) in figures.items():
        print(
            f"  {n:>6,} items: {wall:6.2f} s wall, {n / wall:8,.0f} items/s, peak {peak / 1e6:6.1f} MB  -> {out}"
        )
    (w1, p1, _), (w2, p2, _) = figures[1_000], figures[10_000]
    print(f"  10x items -> {w2 / w1:.1f}x time, {p2 / p1:.1f}x peak memory (linear: ~10x)")


if __name__ == "__main__":
    main()
