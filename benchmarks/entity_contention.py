"""Entities on moto: the cost of one operation, and of many callers fighting over one entity.

Prints, for 1, 10 and 50 concurrent callers each adding 1 to the same counter (100 operations in
all): wall time, operations per second, and the optimistic-concurrency rounds taken (mean and
worst). Rounds above 1 are lost conflicts: the price of serialising a hot entity. Spread load over
more keys when the worst case approaches ConflictRetry.max_attempts.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from moto import mock_aws

from durable_sfn.entities import EntityContext, EntityId, LocalEntityHost, entity

OPERATIONS = 100


@entity(name="BenchCounter", operations=("add",))
def bench_counter(ctx: EntityContext) -> None:
    value = ctx.get_state(lambda: 0) + ctx.get_input()
    ctx.set_state(value)
    ctx.set_result(value)


def run(callers: int) -> None:
    with mock_aws():
        session = boto3.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        host = LocalEntityHost(
            [bench_counter], dynamodb_client=session.client("dynamodb"), sqs_client=session.client("sqs")
        )
        target = EntityId("BenchCounter", "hot")
        barrier = threading.Barrier(callers)

        def worker(index: int) -> list[int]:
            barrier.wait()
            return [
                host.apply(target, "add", 1, f"w{index}-{n}").attempts for n in range(OPERATIONS // callers)
            ]

        started = time.perf_counter()
        with ThreadPoolExecutor(callers) as pool:
            attempts = [a for chunk in pool.map(worker, range(callers)) for a in chunk]
        elapsed = time.perf_counter() - started
        assert host.read(target).state == len(attempts)
        print(
            f"  {callers:>3} callers: {len(attempts)} ops in {elapsed:6.2f} s = {len(attempts) / elapsed:7.1f} ops/s; "
            f"rounds per op mean {sum(attempts) / len(attempts):5.2f}, worst {max(attempts)}"
        )


def main() -> None:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    for callers in (1, 10, 50):
        run(callers)


if __name__ == "__main__":
    main()
