"""Make moto's DynamoDB as atomic as DynamoDB, for local runs where activities run in threads.

moto applies a conditional update or a transaction as several Python steps without a lock. On the
local engine, Map and Parallel branches call activities from several threads at once, so two
charges on one card could both read the old balance, or two orders could both pass a stock
condition and oversell, which the real service never allows. Serializing moto's DynamoDB request
handling restores the guarantee the activities rely on. Never used on AWS.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

_lock = threading.RLock()
_MARK = "__durable_sfn_serialized__"
# moto's own TransactWriteItems, kept once replaced (the tests compare both on the same requests).
moto_transact_write_items: Any = None


def serialize_moto_dynamodb() -> None:
    """Idempotent: wrap moto's DynamoDB request handler in a process-wide lock."""
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action
    if getattr(original, _MARK, False):
        return

    def call_action(self: Any) -> Any:
        with _lock:
            return original(self)

    setattr(call_action, _MARK, True)
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


def snapshot_only_touched_items_in_moto_transactions() -> None:
    """Idempotent: make moto's TransactWriteItems save, for rollback, only the items it writes.

    moto (5.x) deep-copies every table a transaction names before applying it, so that a failed
    condition can put the tables back. Its cost grows with the table, not the transaction: with
    thousands of orders stored, each charge or stock reservation spends most of its time copying
    the orders table (`python -m statemachines.run --orders 1000` did not finish in minutes). The
    replacement below is moto's own algorithm (same checks, same order, same errors) except that
    it copies each touched item just before its operation and, on failure, puts back exactly those
    items and drops the stream records the transaction added. A transaction can only change the
    items it names, so the outcome is the same: all or nothing. Never used on AWS.
    """
    from moto.dynamodb.models import DynamoDBBackend

    global moto_transact_write_items
    if getattr(DynamoDBBackend.transact_write_items, _MARK, False):
        return
    moto_transact_write_items = DynamoDBBackend.transact_write_items
    setattr(_transact_write_items, _MARK, True)
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]


@dataclass
class _Saved:
    """One item as it was before the transaction (None: absent), and where it lives."""

    table: Any
    hash_key: Any
    range_key: Any
    item: Any


def _save(
    backend: Any, table_name: str, key: dict[str, Any], saved: list[_Saved], streams: dict[str, Any]
) -> None:
    table = backend.get_table(table_name)
    hash_key, range_key = backend.get_keys_value(table, key)
    saved.append(_Saved(table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
    if table_name not in streams:
        streams[table_name] = (table, len(table.stream_shard.items) if table.stream_shard else 0)


def _restore(saved: list[_Saved], streams: dict[str, Any]) -> None:
    for entry in reversed(saved):
        items = entry.table.items
        if entry.range_key is not None:
            if entry.item is not None:
                items[entry.hash_key][entry.range_key] = entry.item
            elif entry.hash_key in items:
                items[entry.hash_key].pop(entry.range_key, None)
                if not items[entry.hash_key]:
                    del items[entry.hash_key]
        elif entry.item is not None:
            items[entry.hash_key] = entry.item
        else:
            items.pop(entry.hash_key, None)
    for table, length in streams.values():
        if table.stream_shard is not None:
            del table.stream_shard.items[length:]


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto 5.2's DynamoDBBackend.transact_write_items with per-item snapshots (see above)."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    saved: list[_Saved] = []
    streams: dict[str, Any] = {}
    target_items: set[tuple[str, str]] = set()
    errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    for entry in transact_items:
        original_item: dict[str, Any] | None = None
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(entry.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            unique = (str(table_name), str(dict(sorted(key.items()))))
            if unique in target_items:
                raise MultipleTransactionsException()
            target_items.add(unique)

            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = get_filter_expression(condition_expression, names, values)
                if not condition_op.expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)

            if op_type != "ConditionCheck":
                _save(self, table_name, key, saved, streams)
            if op_type == "Put":
                self.put_item(
                    table_name,
                    op["Item"],
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    table_name,
                    key,
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Update":
                self.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            _restore(saved, streams)
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))
        except Exception as e:  # moto reports every other failure per item, as AWS does
            errors.append((type(e).__name__, str(e), original_item))
    if any(code is not None for code, _, _ in errors):
        _restore(saved, streams)
        raise TransactionCanceledException(errors)
