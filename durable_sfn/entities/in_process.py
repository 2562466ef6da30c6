"""Entities hosted in this process (tests, `durable-sfn run` and `serve`): table, queue, handlers.

`LocalEntityHost` wires the same runtime, handler and SQS code path the Lambda functions use to
in-process clients (moto under `mock_aws`, or any boto3 clients). `run_local` and `LocalRuntime`
register the handlers with the engine, substitute `${EntityName}` and `${DurableEntitiesQueueUrl}`
from `placeholders()`, and call `drain()` to deliver queued signals, as the SQS event source would.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from durable_sfn._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, ENTITIES_QUEUE_URL, lambda_function_arn
from durable_sfn.dsl import EntityId
from durable_sfn.entities.lambda_entry import EntityHandler
from durable_sfn.entities.model import EntityDefinition
from durable_sfn.entities.runtime import ConflictRetry, EntityRuntime, OperationOutcome
from durable_sfn.entities.signals import (
    DrainReport,
    EntityRequest,
    apply_signal,
    drain_signals,
    signal_entity,
)
from durable_sfn.entities.store import EntityState, EntityStore, create_entities_table

DEFAULT_TABLE = "durable-sfn-entities"
DEFAULT_QUEUE = "durable-sfn-entity-signals.fifo"
_IN_PROCESS_WRITES = threading.Lock()


def create_signal_queue(
    sqs_client: Any, queue_name: str = DEFAULT_QUEUE, *, max_receive_count: int = 5
) -> str:
    """Create the FIFO signal queue with its dead-letter queue; return the queue URL."""
    if not queue_name.endswith(".fifo"):
        raise ValueError(f"queue name {queue_name!r} must end with '.fifo' (signals need a FIFO queue)")
    dlq_url = sqs_client.create_queue(
        QueueName=queue_name[: -len(".fifo")] + "-dlq.fifo", Attributes={"FifoQueue": "true"}
    )["QueueUrl"]
    dlq_arn = sqs_client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)})
    url: str = sqs_client.create_queue(
        QueueName=queue_name,
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false", "RedrivePolicy": redrive},
    )["QueueUrl"]
    return url


class LocalEntityHost:
    """The entities of a local run, over one table and one signal queue.

    >>> host = LocalEntityHost([counter], dynamodb_client=ddb, sqs_client=sqs)  # doctest: +SKIP
    >>> host.call(EntityId("Counter", "a"), "add", 1)                           # doctest: +SKIP
    """

    def __init__(
        self,
        entities: Iterable[Callable[..., Any] | EntityDefinition],
        *,
        dynamodb_client: Any,
        sqs_client: Any,
        table_name: str = DEFAULT_TABLE,
        queue_name: str = DEFAULT_QUEUE,
        create: bool = True,
        conflict_retry: ConflictRetry = ConflictRetry(),
    ) -> None:
        if create:
            create_entities_table(dynamodb_client, table_name, exist_ok=True)
            self.queue_url = create_signal_queue(sqs_client, queue_name)
        else:
            self.queue_url = sqs_client.get_queue_url(QueueName=queue_name)["QueueUrl"]
        self.sqs = sqs_client
        self.table_name = table_name
        # moto's conditional writes are not atomic across threads; see EntityStore. One lock for
        # every host in the process, since hosts may share one moto backend.
        store = EntityStore(dynamodb_client, table_name, write_lock=_IN_PROCESS_WRITES)
        self.runtime = EntityRuntime(entities, store, conflict_retry=conflict_retry)
        self.handler = EntityHandler(self.runtime)

    def placeholders(self, region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT) -> dict[str, str]:
        """`${Name}` values for a definition: entity function ARNs and the queue URL."""
        values = {
            name: lambda_function_arn(name, region=region, account=account_id)
            for name in self.runtime.definitions
        }
        values[ENTITIES_QUEUE_URL] = self.queue_url
        return values

    def register(self, engine: Any) -> dict[str, str]:
        """Register every entity's handler with a `LocalStepFunctions`; return `placeholders()`."""
        for name in self.runtime.definitions:
            engine.register_lambda(name, self.handler)
        return self.placeholders(
            getattr(engine, "region", DEFAULT_REGION), getattr(engine, "account_id", DEFAULT_ACCOUNT)
        )

    def call(
        self, entity_id: EntityId, operation: str, input: Any = None, operation_id: str | None = None
    ) -> Any:
        return self.apply(entity_id, operation, input, operation_id).result

    def apply(
        self, entity_id: EntityId, operation: str, input: Any = None, operation_id: str | None = None
    ) -> OperationOutcome:
        return self.runtime.apply(entity_id, operation, input, operation_id or uuid.uuid4().hex)

    def signal(
        self, entity_id: EntityId, operation: str, input: Any = None, operation_id: str | None = None
    ) -> str:
        return signal_entity(self.sqs, self.queue_url, entity_id, operation, input, operation_id)

    def drain(self) -> DrainReport:
        return drain_signals(self.runtime, self.sqs, self.queue_url)

    def read(self, entity_id: EntityId) -> EntityState:
        return self.runtime.store.read(entity_id)

    def session(self, run_id: str) -> DirectEntityCalls:
        """The entity calls of one direct (plain Python) orchestration run."""
        return DirectEntityCalls(self, run_id)


class DirectEntityCalls:
    """What `run_direct` does for `ctx.call_entity` / `ctx.signal_entity` in one run.

    Operation ids are `<run_id>:<n>`, unique per call in the run (the direct runner never retries
    a call, so attempt-stability is moot here). Entity errors propagate unchanged into the
    orchestrator code, so `except UnknownOperationError:` and user error classes behave as the
    compiled Catch does. Signals are applied at once, in order with the calls, as the compiled
    signal (an invocation, not a queued message) is; `finish()` still delivers what other senders
    queued.
    """

    def __init__(self, host: LocalEntityHost, run_id: str) -> None:
        self.host = host
        self.run_id = run_id
        self._count = 0

    def _next_id(self) -> str:
        self._count += 1
        return hashlib.sha256(f"{self.run_id}:{self._count}".encode()).hexdigest()

    def call(self, entity_id: EntityId, operation: str, input: Any = None) -> Any:
        return self.host.call(entity_id, operation, input, self._next_id())

    def signal(self, entity_id: EntityId, operation: str, input: Any = None) -> None:
        # Applied at once, as the compiled signal invokes the entity in place: one orchestration's
        # operations on an entity apply in the order it issued them.
        request = EntityRequest("signal", entity_id, operation, input, self._next_id())
        apply_signal(self.host.runtime, request, request.operation_id or "")

    def finish(self) -> DrainReport:
        return self.host.drain()
