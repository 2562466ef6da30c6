"""Where a client finds entities: the DynamoDB table, the SQS FIFO queue, and the clients to reach them.

Kept apart from `OrchestrationClient` so that the orchestration methods stay about Step
Functions. Configuration is read when an entity method is first called, so a client that
never touches entities needs neither the table, the queue nor their clients.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from durable_sfn.client.status import OrchestrationClientError, error_code
from durable_sfn.dsl import EntityId
from durable_sfn.entities import signals as entity_signals
from durable_sfn.entities import store as entity_store
from durable_sfn.entities.store import EntityState

_MISSING_QUEUE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


class EntityAccess:
    """Signals and state reads for one client; `dynamodb` and `sqs` build their clients lazily."""

    def __init__(
        self,
        *,
        table: str | None,
        queue_url: str | None,
        dynamodb: Callable[[], Any],
        sqs: Callable[[], Any],
    ) -> None:
        self._table = table
        self._queue_url = queue_url
        self._dynamodb = dynamodb
        self._sqs = sqs

    def signal(self, entity_id: EntityId | str, operation: str, input: Any, operation_id: str | None) -> str:
        eid = to_entity_id(entity_id)
        queue_url = self.queue_url()
        try:
            return entity_signals.signal_entity(self._sqs(), queue_url, eid, operation, input, operation_id)
        except Exception as exc:
            if error_code(exc) in _MISSING_QUEUE:
                raise OrchestrationClientError(
                    f"the entity signal queue {queue_url} does not exist: deploy EntityResources "
                    "(locally: durable_sfn.entities.create_signal_queue) or correct "
                    f"entities_queue_url / {entity_signals.QUEUE_URL_ENV}"
                ) from None
            raise

    def read(self, entity_id: EntityId | str) -> EntityState:
        eid = to_entity_id(entity_id)
        table = self.table()
        try:
            return entity_store.read_entity_state(self._dynamodb(), table, eid)
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                raise OrchestrationClientError(
                    f"the entities table {table!r} does not exist: deploy EntityResources "
                    "(locally: durable_sfn.entities.create_entities_table) or correct "
                    f"entities_table / {entity_store.TABLE_ENV}"
                ) from None
            raise

    def purge(self, entity_id: EntityId | str) -> bool:
        """Delete the entity's item (its state and applied-operation log); False if it had none."""
        eid = to_entity_id(entity_id)
        table = self.table()
        try:
            response = self._dynamodb().delete_item(
                TableName=table, Key={"id": {"S": str(eid)}}, ReturnValues="ALL_OLD"
            )
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return False
            raise
        return "Attributes" in response

    def table(self) -> str:
        name = self._table or os.environ.get(entity_store.TABLE_ENV)
        if not name:
            raise OrchestrationClientError(
                "read_entity_state needs the entities' DynamoDB table: pass "
                f"OrchestrationClient(..., entities_table=NAME) or set {entity_store.TABLE_ENV}"
            )
        return name

    def queue_url(self) -> str:
        url = self._queue_url or os.environ.get(entity_signals.QUEUE_URL_ENV)
        if not url:
            raise OrchestrationClientError(
                "signal_entity needs the entities' SQS FIFO queue: pass "
                f"OrchestrationClient(..., entities_queue_url=URL) or set {entity_signals.QUEUE_URL_ENV}"
            )
        return url


def to_entity_id(value: EntityId | str) -> EntityId:
    """An `EntityId`, or its text form "Name@key" parsed into one."""
    if isinstance(value, EntityId):
        return value
    if isinstance(value, str):
        try:
            return EntityId.parse(value)
        except ValueError as exc:
            raise OrchestrationClientError(str(exc)) from None
    raise OrchestrationClientError(
        f"expected an EntityId or 'Name@key', got {type(value).__name__}: {value!r}"
    )
