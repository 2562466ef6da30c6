"""Many callers, one entity, no lock anywhere in the process: every increment lands exactly once.

The callers talk HTTP to a single-threaded moto server, which (like DynamoDB) evaluates each
conditional write atomically, so the result depends on the optimistic-concurrency loop alone.
(The 100-way fan-out through a Map state is in test_on_local_engine.py; there the local host
serialises only the conditional writes, to give in-process moto the atomicity DynamoDB has.)
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from durable_sfn.entities import (
    EntityHandler,
    EntityId,
    EntityRuntime,
    EntityStore,
    create_entities_table,
)
from tests.entities.sample_entities import counter

CALLERS = 100


@pytest.fixture(scope="module")
def serial_dynamodb() -> Iterator[Any]:
    """A DynamoDB client on a moto server process that handles one request at a time."""
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.entities.serial_moto_server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if not line.strip().isdigit():
            pytest.fail(f"the single-threaded moto server did not start (exit code {server.poll()})")
        port = int(line)
        yield boto3.client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(max_pool_connections=CALLERS),
        )
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=30)


def _call_concurrently(handler: EntityHandler, entity_key: str, callers: int = CALLERS) -> list[Any]:
    barrier = threading.Barrier(callers)

    def one_call(i: int) -> Any:
        barrier.wait()  # all callers start together, to maximise contention
        return handler(
            {
                "kind": "call",
                "name": "Counter",
                "key": entity_key,
                "operation": "add",
                "input": 1,
                "operationId": f"caller-{i}",
            },
            None,
        )

    with ThreadPoolExecutor(max_workers=callers) as pool:
        return list(pool.map(one_call, range(callers)))


@pytest.mark.slow
def test_concurrent_increments_with_no_lock_in_the_process_against_atomic_storage(
    serial_dynamodb: Any,
) -> None:
    """Only the conditional writes keep callers apart here: no lock anywhere in this process."""
    callers = 20
    table = create_entities_table(serial_dynamodb, "entities-concurrency")
    runtime = EntityRuntime([counter], EntityStore(serial_dynamodb, table))
    results = _call_concurrently(EntityHandler(runtime), "hot", callers)

    state = runtime.store.read(EntityId("Counter", "hot"))
    assert (state.state, state.version) == (callers, callers)
    assert sorted(results) == list(range(1, callers + 1))
