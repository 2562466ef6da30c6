"""External events: the `DurableEventWaiter` activity and the DynamoDB event store behind it.

`ctx.wait_for_external_event(name, timeout)` compiles to a `lambda:invoke.waitForTaskToken`
Task calling `DurableEventWaiter` with `{executionArn, eventName, taskToken}`. The waiter either
completes the token at once (the event was raised earlier and buffered, as Durable Functions
does) or records the token so that a later `raise_event` completes it.

One DynamoDB item per (executionArn, eventName) holds the waiting token (if any) and the
buffered events (FIFO). Every write is conditional on the item's `version`, so a waiter and a
raiser racing on the same item never both decide "nobody is there": the loser re-reads and
takes the other path. The same code runs against AWS (boto3) and locally (LocalStepFunctions
plus moto DynamoDB); it only uses the low-level clients' public methods.

A token whose Task already timed out is rejected by Step Functions (`TaskTimedOut` or
`InvalidToken`); the event is then buffered instead, so a later wait for the same name still
receives it, which matches Durable's "events are never lost while the instance runs".
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from durable_sfn._aws import EVENT_WAITER, client_error_code
from durable_sfn.dsl import activity

EVENTS_TABLE_ENV = "DURABLE_SFN_EVENTS_TABLE"
DEFAULT_EVENTS_TABLE = "durable-sfn-events"
WAITER_NAME = EVENT_WAITER  # the activity is deployed under the placeholder compiled definitions use
# Every item carries its expiry time (epoch seconds) in this attribute, 400 days after its last
# write: beyond the longest Step Functions execution (one year). DynamoDB deletes expired items only
# where TTL is enabled on the attribute: `create_events_table` enables it, and so must the stack that
# creates the table on AWS (the reference DataStack does), or the table grows without bound.
TTL_ATTRIBUTE = "expiresAt"
_ITEM_TTL = timedelta(days=400)
_MAX_CONFLICT_RETRIES = 50
# Step Functions rejects a callback for a token that is no longer waiting with one of these.
_STALE_TOKEN_ERRORS = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})

Delivery = Literal["delivered", "buffered"]


class EventStoreError(RuntimeError):
    """The event table is missing or unusable; the message says which table and what to do."""


def events_table_name() -> str:
    """The table name from `DURABLE_SFN_EVENTS_TABLE`, defaulting to `durable-sfn-events`."""
    return os.environ.get(EVENTS_TABLE_ENV) or DEFAULT_EVENTS_TABLE


def create_events_table(dynamodb: Any, table_name: str | None = None) -> str:
    """Create the event table (on-demand billing, TTL on `expiresAt`) if it does not exist; return
    its name.

    For local runs and tests (moto) and for scripts that bootstrap an account by hand. On AWS your
    stack creates the table (with TTL on `expiresAt`) and passes it to `Orchestration(events_table=...)`;
    the construct does not create it.
    """
    name = table_name or events_table_name()
    try:
        dynamodb.create_table(
            TableName=name,
            AttributeDefinitions=[
                {"AttributeName": "executionArn", "AttributeType": "S"},
                {"AttributeName": "eventName", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "executionArn", "KeyType": "HASH"},
                {"AttributeName": "eventName", "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    except Exception as exc:
        if client_error_code(exc) != "ResourceInUseException":
            raise
        return name
    waiter = dynamodb.get_waiter("table_exists")
    waiter.wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    dynamodb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
    )
    return name


@dataclass(frozen=True)
class _Item:
    version: int
    waiting_token: str | None
    buffered: list[str]  # JSON texts, oldest first


class EventStore:
    """Tokens waiting for events and events waiting for tokens, one item per (execution, name).

    `sfn` is any Step Functions client with boto3's `send_task_success` (boto3 or
    `LocalStepFunctions`); `dynamodb` a boto3 DynamoDB client (real or moto).
    """

    def __init__(self, sfn: Any, dynamodb: Any, table_name: str | None = None) -> None:
        self.sfn = sfn
        self.dynamodb = dynamodb
        self.table_name = table_name or events_table_name()

    # -- the two operations -------------------------------------------------------------

    def wait(self, execution_arn: str, event_name: str, task_token: str) -> Delivery | None:
        """Register `task_token` for the event, or complete it now with a buffered event.

        Returns "delivered" when a buffered event completed the token, None when the token now
        waits in the table.
        """
        for _ in range(_MAX_CONFLICT_RETRIES):
            item = self._read(execution_arn, event_name)
            if item is not None and item.buffered:
                data, rest = item.buffered[0], item.buffered[1:]
                if not self._write(execution_arn, event_name, item, None, rest):
                    continue
                try:
                    self.sfn.send_task_success(taskToken=task_token, output=data)
                except Exception:
                    # The wait is gone (stopped, timed out): the event stays for the next wait.
                    self._unshift(execution_arn, event_name, data)
                    raise
                return "delivered"
            buffered = item.buffered if item is not None else []
            if self._write(execution_arn, event_name, item, task_token, buffered):
                return None
        raise EventStoreError(
            f"could not register the wait for event {event_name!r} of {execution_arn}: "
            f"{_MAX_CONFLICT_RETRIES} conflicting concurrent writes in table {self.table_name!r}"
        )

    def raise_event(self, execution_arn: str, event_name: str, data: Any) -> Delivery:
        """Complete the token waiting for this event, or buffer the event for a later wait."""
        payload = json.dumps(data, separators=(",", ":"))
        for _ in range(_MAX_CONFLICT_RETRIES):
            item = self._read(execution_arn, event_name)
            if item is not None and item.waiting_token is not None:
                if not self._write(execution_arn, event_name, item, None, item.buffered):
                    continue
                try:
                    self.sfn.send_task_success(taskToken=item.waiting_token, output=payload)
                except Exception as exc:
                    if client_error_code(exc) not in _STALE_TOKEN_ERRORS:
                        raise
                    # The wait timed out before the event came: keep the event for a later wait.
                    continue
                return "delivered"
            buffered = [*(item.buffered if item is not None else []), payload]
            if self._write(execution_arn, event_name, item, None, buffered):
                return "buffered"
        raise EventStoreError(
            f"could not raise event {event_name!r} for {execution_arn}: "
            f"{_MAX_CONFLICT_RETRIES} conflicting concurrent writes in table {self.table_name!r}"
        )

    def _unshift(self, execution_arn: str, event_name: str, data: str) -> None:
        """Put an event back at the head of the buffer."""
        for _ in range(_MAX_CONFLICT_RETRIES):
            item = self._read(execution_arn, event_name)
            token = item.waiting_token if item is not None else None
            buffered = [data, *(item.buffered if item is not None else [])]
            if self._write(execution_arn, event_name, item, token, buffered):
                return
        raise EventStoreError(
            f"could not keep event {event_name!r} for {execution_arn}: "
            f"{_MAX_CONFLICT_RETRIES} conflicting concurrent writes in table {self.table_name!r}"
        )

    def pending(self, execution_arn: str, event_name: str) -> tuple[bool, int]:
        """(a token is waiting, number of buffered events): for status displays and tests."""
        item = self._read(execution_arn, event_name)
        if item is None:
            return False, 0
        return item.waiting_token is not None, len(item.buffered)

    def purge(self, execution_arn: str) -> int:
        """Delete every event item of the execution (waiting tokens, buffered events); returns how many."""
        deleted = 0
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "executionArn = :arn",
            "ExpressionAttributeValues": {":arn": {"S": execution_arn}},
            "ProjectionExpression": "executionArn, eventName",
            "ConsistentRead": True,
        }
        while True:
            try:
                page = self.dynamodb.query(**kwargs)
            except Exception as exc:
                if client_error_code(exc) == "ResourceNotFoundException":
                    return 0  # no table, no events to purge
                raise
            for item in page.get("Items", []):
                self.dynamodb.delete_item(
                    TableName=self.table_name, Key=self._key(execution_arn, item["eventName"]["S"])
                )
                deleted += 1
            last = page.get("LastEvaluatedKey")
            if not last:
                return deleted
            kwargs["ExclusiveStartKey"] = last

    # -- storage ------------------------------------------------------------------------

    def _key(self, execution_arn: str, event_name: str) -> dict[str, Any]:
        return {"executionArn": {"S": execution_arn}, "eventName": {"S": event_name}}

    def _read(self, execution_arn: str, event_name: str) -> _Item | None:
        try:
            response = self.dynamodb.get_item(
                TableName=self.table_name, Key=self._key(execution_arn, event_name), ConsistentRead=True
            )
        except Exception as exc:
            if client_error_code(exc) == "ResourceNotFoundException":
                raise EventStoreError(
                    f"the external-event table {self.table_name!r} does not exist: create it in your stack "
                    f"and pass it to the Orchestration construct (events_table=), create it with "
                    f"durable_sfn.client.events.create_events_table(), or set {EVENTS_TABLE_ENV} to the right name"
                ) from None
            raise
        raw = response.get("Item")
        if raw is None:
            return None
        return _Item(
            version=int(raw["version"]["N"]),
            waiting_token=raw["waitingToken"]["S"] if "waitingToken" in raw else None,
            buffered=[v["S"] for v in raw.get("buffered", {}).get("L", [])],
        )

    def _write(
        self,
        execution_arn: str,
        event_name: str,
        previous: _Item | None,
        waiting_token: str | None,
        buffered: list[str],
    ) -> bool:
        """Replace the item if nobody changed it since `previous` was read; False on a conflict."""
        item: dict[str, Any] = {
            **self._key(execution_arn, event_name),
            "version": {"N": str(previous.version + 1 if previous else 1)},
            "buffered": {"L": [{"S": b} for b in buffered]},
            TTL_ATTRIBUTE: {"N": str(int((datetime.now(UTC) + _ITEM_TTL).timestamp()))},
        }
        if waiting_token is not None:
            item["waitingToken"] = {"S": waiting_token}
        if previous is None:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(executionArn)"}
        else:
            condition = {
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": {"N": str(previous.version)}},
            }
        try:
            self.dynamodb.put_item(TableName=self.table_name, Item=item, **condition)
        except Exception as exc:
            if client_error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True


class SerializedClient:
    """A DynamoDB client whose calls run one at a time: per-request atomicity for moto.

    DynamoDB evaluates a ConditionExpression and writes atomically; moto checks and writes
    without a lock, so two threads can both pass the same condition. Serializing the calls
    restores what the store relies on. Use it for local runs over moto only; real DynamoDB
    needs no wrapper.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.RLock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def serialized(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return serialized


def make_event_waiter(store: EventStore) -> Callable[[Any, Any], Any]:
    """A Lambda-style handler(event, context) running the waiter against `store`.

    The local engine registers it under `DurableEventWaiter`:
    `sfn.register_lambda("DurableEventWaiter", make_event_waiter(EventStore(sfn, dynamodb)))`.
    """

    def handler(event: Any, context: Any) -> Any:
        return run_waiter(store, event)

    return handler


def run_waiter(store: EventStore, event: Any) -> dict[str, Any]:
    """Validate the waiter payload (contract 4) and register or complete its token."""
    if not isinstance(event, dict) or not all(
        isinstance(event.get(k), str) and event.get(k) for k in ("executionArn", "eventName", "taskToken")
    ):
        raise ValueError(
            f"{WAITER_NAME} expects {{executionArn, eventName, taskToken}} as non-empty strings, got {event!r}"
        )
    outcome = store.wait(event["executionArn"], event["eventName"], event["taskToken"])
    return {"eventName": event["eventName"], "status": outcome or "waiting"}


_default_store: EventStore | None = None


def _store_from_environment() -> EventStore:
    global _default_store
    if _default_store is None:
        import boto3

        _default_store = EventStore(boto3.client("stepfunctions"), boto3.client("dynamodb"))
    return _default_store


def durable_event_waiter(event: dict[str, Any]) -> dict[str, Any]:
    """The deployed `DurableEventWaiter` activity (boto3 clients, table from the environment).

    Deploy with `DURABLE_SFN_ACTIVITY=durable_sfn.client.events:durable_event_waiter`; the function
    needs dynamodb:GetItem/PutItem on the table and states:SendTaskSuccess.
    """
    return run_waiter(_store_from_environment(), event)


# Registered as an activity by statement rather than decorator so that the function keeps its type.
activity(name=WAITER_NAME)(durable_event_waiter)
