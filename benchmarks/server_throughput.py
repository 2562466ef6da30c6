"""`durable-sfn serve` under load: StartExecution throughput and DescribeExecution latency via boto3.

Starts the server in a subprocess, creates a one-state machine, starts N executions from 32
parallel client threads, then times sequential DescribeExecution calls.

    python -m benchmarks server_throughput
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

CLI = Path(sys.executable).with_name("durable-sfn")


def main(argv: list[str] | None = None) -> None:
    count = int(argv[0]) if argv else 1000
    process = subprocess.Popen(
        [str(CLI), "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        url = next(line.split()[-1] for line in process.stdout if line.startswith("listening on "))
        sfn: Any = boto3.client(
            "stepfunctions",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            config=Config(max_pool_connections=32, retries={"max_attempts": 1}),
        )
        definition = {
            "QueryLanguage": "JSONata",
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "End": True}},
        }
        machine = sfn.create_state_machine(
            name="Bench", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/bench"
        )["stateMachineArn"]

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=32) as pool:
            arns = list(
                pool.map(
                    lambda n: sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"],
                    range(count),
                )
            )
        elapsed = time.perf_counter() - started
        print(f"StartExecution: {count} from 32 threads in {elapsed:.2f} s ({count / elapsed:.0f}/s)")

        latencies = []
        for arn in arns[:300]:
            t = time.perf_counter()
            sfn.describe_execution(executionArn=arn)
            latencies.append((time.perf_counter() - t) * 1000)
        print(
            f"DescribeExecution (sequential, 300): median {statistics.median(latencies):.2f} ms, "
            f"p95 {sorted(latencies)[int(len(latencies) * 0.95)]:.2f} ms"
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main(sys.argv[1:])
