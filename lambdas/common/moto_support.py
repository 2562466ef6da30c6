"""Make moto's DynamoDB as atomic as DynamoDB, for local runs where activities run in threads.

moto applies a conditional update or a transaction as several Python steps without a lock. On the
local engine, Map and Parallel branches call activities from several threads at once, so two
charges on one card could both read the old balance, or two orders could both pass a stock
condition and oversell, which the real service never allows. Serializing moto's DynamoDB request
handling restores the guarantee the activities rely on. Never used on AWS.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.RLock()
_MARK = "__durable_sfn_serialized__"


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
