"""Entity storage: one DynamoDB item per entity, written only by conditional, versioned puts.

Item layout (table key: `id`, a string "Name@key"):
    id          S     "Counter@customer-42"
    entityName  S     "Counter"
    entityKey   S     "customer-42"
    version     N     increases by one with every committed operation
    exists      BOOL  false once the entity was destructed (a tombstone, see below)
    state       S     the state as JSON text (absent on a tombstone); JSON text keeps numbers,
                      floats and empty strings exactly as the entity set them
    applied     S     the most recent applied operations, oldest first, as JSON text:
                      [[operation key, result], ...]; the key is a 144-bit digest of the
                      operation id (ids can be long; the log is rewritten by every write)
    updatedAt   S     ISO-8601 time of the commit
    expiresAt   N     on tombstones only: epoch seconds for the table's TTL

Why a tombstone: the applied-operation log is what makes a retried operation apply once. If the
item vanished with `destruct_on_exit`, a retry of that very operation would run again on a fresh
entity. So a destructed entity keeps a state-less item until `tombstone_ttl` (default one day,
far beyond any Step Functions retry window) and DynamoDB's TTL removes it. Readers see it as
"does not exist". `tombstone_ttl=None` deletes the item at once instead (and gives up the
exactly-once guarantee for the destructing operation only).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from durable_sfn.dsl import EntityId
from durable_sfn.errors import EntityStateError

TABLE_ENV = "DURABLE_SFN_ENTITIES_TABLE"
TTL_ATTRIBUTE = "expiresAt"
# DynamoDB's item limit is 400 KiB; the log of applied operations gives way first.
MAX_ITEM_BYTES = 400 * 1024
_ITEM_BUDGET = MAX_ITEM_BYTES - 8 * 1024
DEFAULT_MAX_APPLIED = 100


def operation_key(operation_id: str) -> str:
    """The compact, fixed-size form of an operation id kept in the log."""
    return base64.urlsafe_b64encode(hashlib.sha256(operation_id.encode()).digest()[:18]).decode()


@dataclass(frozen=True)
class AppliedOperation:
    key: str
    # JSON text of the operation's result, returned to a retried call.
    result_json: str

    @classmethod
    def of(cls, operation_id: str, result_json: str) -> AppliedOperation:
        return cls(operation_key(operation_id), result_json)


@dataclass(frozen=True)
class EntityRecord:
    """What one consistent read of the item returned; `version` 0 means there is no item."""

    entity_id: EntityId
    version: int
    exists: bool
    state_json: str | None
    applied: tuple[AppliedOperation, ...]

    def find_applied(self, operation_id: str) -> AppliedOperation | None:
        key = operation_key(operation_id)
        for op in reversed(self.applied):
            if op.key == key:
                return op
        return None


@dataclass(frozen=True)
class EntityState:
    """The committed state of an entity, as clients read it (may lag signals still queued)."""

    entity_id: EntityId
    exists: bool
    state: Any
    version: int


class VersionConflict(Exception):
    """Another writer committed first; the caller re-reads and tries again."""


def to_json(value: Any, what: str, entity_id: EntityId) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise EntityStateError(
            f"entity {str(entity_id)!r}: the {what} is not JSON-serialisable ({exc}); "
            "use dicts, lists, strings, numbers, booleans, None or a pydantic model"
        ) from None


def table_name_from_env() -> str:
    name = os.environ.get(TABLE_ENV)
    if not name:
        raise EntityStateError(
            f"environment variable {TABLE_ENV} is not set: it must name the entities DynamoDB table "
            "(EntityResources sets it on AWS; set it yourself when running locally)"
        )
    return name


def create_entities_table(
    dynamodb_client: Any, table_name: str | None = None, *, exist_ok: bool = False
) -> str:
    """Create the entities table (on-demand, TTL on `expiresAt`) and return its name.

    `table_name` defaults to `$DURABLE_SFN_ENTITIES_TABLE`. Meant for local runs and tests
    against moto; on AWS, `EntityResources` creates the table.
    """
    name = table_name or table_name_from_env()
    try:
        dynamodb_client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    except dynamodb_client.exceptions.ResourceInUseException:
        if not exist_ok:
            raise
        return name
    dynamodb_client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    dynamodb_client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
    )
    return name


def _item_bytes(item: dict[str, Any]) -> int:
    """DynamoDB's accounting for flat items: attribute name lengths plus UTF-8 value lengths."""
    size = 0
    for name, value in item.items():
        ((kind, raw),) = value.items()
        size += len(name.encode()) + (1 if kind == "BOOL" else len(str(raw).encode()))
    return size


class EntityStore:
    """Reads and conditionally writes entity items in one table.

    `write_lock` exists for in-process emulators only: moto evaluates a condition and stores
    the item in two steps, so concurrent threads in one process can both pass the same
    condition. Serialising the writes (not the reads, not the entity code) restores DynamoDB's
    atomic conditional write while leaving optimistic concurrency fully in play.
    """

    def __init__(
        self,
        dynamodb_client: Any,
        table_name: str,
        *,
        max_applied: int = DEFAULT_MAX_APPLIED,
        tombstone_ttl: timedelta | None = timedelta(days=1),
        write_lock: threading.Lock | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_applied < 1:
            raise ValueError("max_applied must be at least 1: the log is what makes retries apply once")
        self.client = dynamodb_client
        self.table_name = table_name
        self.max_applied = max_applied
        self.tombstone_ttl = tombstone_ttl
        self._write_lock = write_lock
        self._clock = clock

    def load(self, entity_id: EntityId) -> EntityRecord:
        response = self.client.get_item(
            TableName=self.table_name, Key={"id": {"S": str(entity_id)}}, ConsistentRead=True
        )
        item = response.get("Item")
        if item is None:
            return EntityRecord(entity_id, 0, False, None, ())
        applied = tuple(
            AppliedOperation(key, json.dumps(result, separators=(",", ":"), ensure_ascii=False))
            for key, result in json.loads(item.get("applied", {}).get("S", "[]"))
        )
        exists = item.get("exists", {}).get("BOOL", True)
        state = item["state"]["S"] if exists and "state" in item else None
        return EntityRecord(entity_id, int(item["version"]["N"]), exists, state, applied)

    def read(self, entity_id: EntityId) -> EntityState:
        record = self.load(entity_id)
        state = json.loads(record.state_json) if record.exists and record.state_json is not None else None
        return EntityState(entity_id, record.exists, state, record.version)

    def commit(self, previous: EntityRecord, state_json: str | None, applied: AppliedOperation | None) -> int:
        """Write the next version (`state_json` None = destruct); raise VersionConflict if beaten.

        `applied` is appended to the log (None for operations that need no record).
        """
        entity_id = previous.entity_id
        version = previous.version + 1
        log = list(previous.applied)
        if applied is not None:
            log.append(applied)
        log = log[-self.max_applied :]
        if state_json is None and self.tombstone_ttl is None:
            self._delete(previous)
            return version
        now = self._clock()
        item: dict[str, Any] = {
            "id": {"S": str(entity_id)},
            "entityName": {"S": entity_id.name},
            "entityKey": {"S": entity_id.key},
            "version": {"N": str(version)},
            "exists": {"BOOL": state_json is not None},
            "updatedAt": {"S": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")},
        }
        if state_json is not None:
            item["state"] = {"S": state_json}
        else:
            assert self.tombstone_ttl is not None
            item[TTL_ATTRIBUTE] = {"N": str(int(now + self.tombstone_ttl.total_seconds()))}
        base = _item_bytes(item)
        if base > _ITEM_BUDGET:
            raise EntityStateError(
                f"entity {str(entity_id)!r}: the state is {base} bytes, over the {_ITEM_BUDGET}-byte "
                "budget of a DynamoDB item; keep large data in S3 and store its key in the state"
            )
        entries = [f'["{a.key}",{a.result_json}]' for a in log]
        sizes = [len(e.encode()) + 1 for e in entries]
        base += len("applied") + 2
        # Drop the oldest records until the item fits; the newest one is always kept.
        while len(entries) > 1 and base + sum(sizes) > _ITEM_BUDGET:
            entries.pop(0)
            sizes.pop(0)
        if entries and base + sum(sizes) > _ITEM_BUDGET:
            raise EntityStateError(
                f"entity {str(entity_id)!r}: state and result together exceed the {_ITEM_BUDGET}-byte "
                "budget of a DynamoDB item; return smaller results (an S3 key instead of the data)"
            )
        item["applied"] = {"S": "[" + ",".join(entries) + "]"}
        self._put(item, previous)
        return version

    def _condition(self, previous: EntityRecord) -> dict[str, Any]:
        if previous.version == 0:
            return {"ConditionExpression": "attribute_not_exists(id)"}
        return {
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":v": {"N": str(previous.version)}},
        }

    def _put(self, item: dict[str, Any], previous: EntityRecord) -> None:
        self._write(self.client.put_item, TableName=self.table_name, Item=item, **self._condition(previous))

    def _delete(self, previous: EntityRecord) -> None:
        if previous.version == 0:
            return  # Nothing was ever stored: destructing a state-less entity is a no-op.
        self._write(
            self.client.delete_item,
            TableName=self.table_name,
            Key={"id": {"S": str(previous.entity_id)}},
            **self._condition(previous),
        )

    def _write(self, call: Callable[..., Any], **kwargs: Any) -> None:
        try:
            if self._write_lock is None:
                call(**kwargs)
            else:
                with self._write_lock:
                    call(**kwargs)
        except self.client.exceptions.ConditionalCheckFailedException:
            raise VersionConflict() from None


def read_entity_state(dynamodb_client: Any, table: str, entity_id: EntityId) -> EntityState:
    """The committed state of `entity_id` (`exists=False`, `state=None` if it has none).

    Signals still queued are not reflected: like Durable's `read_entity_state`, this may lag.
    """
    return EntityStore(dynamodb_client, table).read(entity_id)
