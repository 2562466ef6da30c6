"""Stress for the virtual clock: thousands of executions started from many threads, none may get stuck.

The mix covers every way an execution waits on the clock: a plain Wait, Parallel branches and Map
iterations waiting in rounds, an execution TimeoutSeconds timer (`call_at`), a task token that a
thread outside the engine sends, and StopExecution from outside while a Wait is pending.

    python -m tests.engine.clock_stress --runs 50 --executions 3000 --threads 32
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from durable_sfn.engine import LocalStepFunctions, VirtualClock

ROLE = "arn:aws:iam::123456789012:role/stress"

MACHINES: dict[str, dict[str, Any]] = {
    "wait": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}},
    "parallel": {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 1, "End": True}}},
                    {
                        "StartAt": "B",
                        "States": {
                            "B": {"Type": "Wait", "Seconds": 2, "Next": "C"},
                            "C": {"Type": "Pass", "End": True},
                        },
                    },
                ],
                "End": True,
            }
        },
    },
    "map": {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 2,
                "ItemProcessor": {
                    "StartAt": "I",
                    "States": {"I": {"Type": "Wait", "Seconds": 1, "End": True}},
                },
                "End": True,
            }
        },
    },
    "timeout": {
        "TimeoutSeconds": 2,
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": 1, "Next": "Long"},
            "Long": {"Type": "Wait", "Seconds": 5, "End": True},
        },
    },
    "token": {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "Hand", "Payload": {"token.$": "$$.Task.Token"}},
                "Next": "W",
            },
            "W": {"Type": "Wait", "Seconds": 1, "End": True},
        },
    },
    "stopped": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}},
}
EXPECTED = {
    "wait": "SUCCEEDED",
    "parallel": "SUCCEEDED",
    "map": "SUCCEEDED",
    "timeout": "TIMED_OUT",
    "token": "SUCCEEDED",
    "stopped": "ABORTED",
}


@dataclass
class StressResult:
    executions: int
    seconds: float
    stuck: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    # The clock once everything ended: nobody working, no timer left to fire.
    active_after: int = 0
    timers_after: int = 0


def stress(
    executions: int, threads: int, deadline: float = 120.0, kinds: tuple[str, ...] = tuple(MACHINES)
) -> StressResult:
    """Start `executions` executions (round-robin over `kinds`) from `threads` threads; wait for all."""
    sfn = LocalStepFunctions()
    tokens: list[str] = []
    tokens_ready = threading.Condition()

    def hand(event: Any, _ctx: Any) -> None:
        with tokens_ready:
            tokens.append(event["token"])
            tokens_ready.notify()

    sfn.register_lambda("Hand", hand)
    arns = {
        kind: sfn.create_state_machine(name=kind, definition=json.dumps(MACHINES[kind]), roleArn=ROLE)[
            "stateMachineArn"
        ]
        for kind in kinds
    }
    wanted = sum(1 for i in range(executions) if kinds[i % len(kinds)] == "token")
    stop_sending = threading.Event()

    def send_tokens() -> None:
        sent = 0
        while sent < wanted and not stop_sending.is_set():
            with tokens_ready:
                while not tokens and not stop_sending.is_set():
                    tokens_ready.wait(0.1)
                batch, tokens[:] = list(tokens), []
            for token in batch:
                sfn.send_task_success(taskToken=token, output='{"ok": true}')
                sent += 1

    def start(i: int) -> tuple[str, str]:
        kind = kinds[i % len(kinds)]
        value = {"items": [1, 2, 3]} if kind == "map" else {}
        # Taking part in virtual time while acting on an execution (the documented way), so
        # that its hour-long Wait cannot pass between the start and the stop.
        with sfn.clock.participating():
            run = sfn.start_execution(stateMachineArn=arns[kind], name=f"{kind}-{i}", input=json.dumps(value))
            if kind == "stopped":
                sfn.stop_execution(
                    executionArn=run["executionArn"], error="Stress", cause="stopped from outside"
                )
        return kind, run["executionArn"]

    sender = threading.Thread(target=send_tokens, daemon=True)
    sender.start()
    began = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        started = list(pool.map(start, range(executions)))
    result = StressResult(executions, 0.0)
    for kind, arn in started:
        execution = sfn._executions[arn]
        execution.wait(max(0.0, deadline - (time.monotonic() - began)))
        status = execution.status
        result.statuses[status] += 1
        if status == "RUNNING":
            result.stuck.append(f"{arn} ({kind}): {[e['type'] for e in execution.history.events()][-3:]}")
        elif status != EXPECTED[kind]:
            result.wrong.append(f"{arn} ({kind}): {status} {execution.error} {execution.cause}")
    result.seconds = time.monotonic() - began
    for _kind, arn in started:
        sfn._executions[arn].join(max(1.0, deadline - (time.monotonic() - began)))
    clock = sfn.clock
    assert isinstance(clock, VirtualClock)
    result.active_after, result.timers_after = clock.active, clock.pending_timers
    stop_sending.set()
    with tokens_ready:
        tokens_ready.notify_all()
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--executions", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--deadline", type=float, default=120.0)
    parser.add_argument("--kinds", default=",".join(MACHINES))
    args = parser.parse_args(argv)
    kinds = tuple(args.kinds.split(","))
    failures = 0
    for number in range(1, args.runs + 1):
        result = stress(args.executions, args.threads, args.deadline, kinds)
        ok = not result.stuck and not result.wrong and not result.active_after and not result.timers_after
        failures += not ok
        print(
            f"run {number:3}: {result.executions} executions in {result.seconds:6.2f} s, "
            f"{len(result.stuck)} stuck, {len(result.wrong)} wrong {dict(result.statuses)}, "
            f"clock after: {result.active_after} active, {result.timers_after} timers",
            flush=True,
        )
        for line in (result.stuck + result.wrong)[:5]:
            print("   ", line, flush=True)
    print(f"{args.runs - failures} of {args.runs} runs without a stuck or wrong execution")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
