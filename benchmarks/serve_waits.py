"""Many waiting executions through `durable-sfn serve`: the virtual clock against the real one.

For each clock, a fresh `serve` subprocess gets N StartExecution calls (from 32 client threads)
of a machine whose only state waits 1 s; the benchmark then polls ListExecutions until none is
RUNNING. It prints how long the requests took, how long the last executions needed after the
last request, and the total. On the virtual clock the executions should end about when their
requests do (waiting costs no real time); on the real clock one second later.

python -m benchmarks serve_waits           # 5,000 executions
python -m benchmarks.serve_waits 1000 5000
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

CLI = Path(sys.executable).with_name("durable-sfn")
THREADS = 32
DEFINITION = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 1, "End": True}}}
ROLE = "arn:aws:iam::123456789012:role/benchmark"
DEADLINE = 600.0


def _client(url: str) -> Any:
    return boto3.client(
        "stepfunctions",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(max_pool_connections=THREADS, retries={"max_attempts": 1}),
    )


def _running(sfn: Any, machine: str) -> int:
    count = 0
    pages = sfn.get_paginator("list_executions").paginate(
        stateMachineArn=machine, statusFilter="RUNNING", PaginationConfig={"PageSize": 1000}
    )
    for page in pages:
        count += len(page["executions"])
    return count


def run(count: int, virtual: bool) -> tuple[float, float, int]:
    """(seconds the requests took, seconds from the last request until none runs, still running)."""
    command = [str(CLI), "serve", "--port", "0"] + (["--virtual-clock"] if virtual else [])
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        url = next(line.split()[-1] for line in process.stdout if line.startswith("listening on "))
        sfn = _client(url)
        machine = sfn.create_state_machine(name="Waits", definition=json.dumps(DEFINITION), roleArn=ROLE)[
            "stateMachineArn"
        ]
        started = time.perf_counter()
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(lambda i: sfn.start_execution(stateMachineArn=machine, name=f"w{i}"), range(count)))
        requested = time.perf_counter()
        running = _running(sfn, machine)
        while running and time.perf_counter() - started < DEADLINE:
            time.sleep(0.05)
            running = _running(sfn, machine)
        return requested - started, time.perf_counter() - requested, running
    finally:
        process.terminate()
        process.wait(timeout=30)


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [5000]
    print(f"executions each waiting 1 s, started through serve from {THREADS} client threads")
    print(f"{'executions':>10}  {'clock':>7}  {'requests':>9}  {'then done':>9}  {'total':>8}")
    for count in sizes:
        for virtual in (True, False):
            requests, after, running = run(count, virtual)
            note = f"  ({running} still running after {DEADLINE:.0f} s)" if running else ""
            print(
                f"{count:>10}  {'virtual' if virtual else 'real':>7}  {requests:>7.2f} s  {after:>7.2f} s"
                f"  {requests + after:>6.2f} s{note}",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:])
