"""Many executions waiting at once: the virtual clock against the real one.

N executions, each a single 1-second Wait, are started from 32 threads and awaited; the same run is
timed on the virtual clock (wall time, and the virtual time the executions spanned) and on the
real clock. The virtual clock must be faster than real time at every size: it wakes only the
executions whose timers are due, all of them at once.

python -m benchmarks clock_scale
python -m benchmarks.clock_scale 1000 5000 20000
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from durable_sfn.engine import Clock, LocalStepFunctions, RealClock, VirtualClock

SIZES = (1000, 5000, 20000)
THREADS = 32
DEFINITION = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 1, "End": True}}}
ROLE = "arn:aws:iam::123456789012:role/benchmark"


def run(clock: Clock, count: int) -> tuple[float, float, int]:
    """Start `count` waiting executions from THREADS threads; (wall seconds, virtual span, unfinished)."""
    sfn = LocalStepFunctions(clock=clock)
    arn = sfn.create_state_machine(name="waits", definition=json.dumps(DEFINITION), roleArn=ROLE)[
        "stateMachineArn"
    ]
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        arns = list(
            pool.map(
                lambda i: sfn.start_execution(stateMachineArn=arn, name=f"w{i}")["executionArn"], range(count)
            )
        )
    executions = [sfn._executions[a] for a in arns]
    for execution in executions:
        execution.wait(max(1.0, 600 - (time.perf_counter() - started)))
    wall = time.perf_counter() - started
    unfinished = sum(not e.done for e in executions)
    ends = [e.stop_date for e in executions if e.stop_date is not None]
    span = (max(ends) - min(e.start_date for e in executions)).total_seconds() if ends else 0.0
    return wall, span, unfinished


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or list(SIZES)
    print(f"executions each waiting 1 s, started from {THREADS} threads")
    print(f"{'executions':>10}  {'virtual clock':>13}  {'virtual span':>12}  {'real clock':>10}  faster")
    for count in sizes:
        virtual_wall, span, stuck_v = run(VirtualClock(), count)
        real_wall, _, stuck_r = run(RealClock(), count)
        flag = "yes" if virtual_wall < real_wall else "NO"
        note = f"  ({stuck_v} + {stuck_r} unfinished)" if stuck_v or stuck_r else ""
        print(
            f"{count:>10}  {virtual_wall:>11.2f} s  {span:>10.0f} s  {real_wall:>8.2f} s  {flag}{note}",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
