"""Powertools' idempotency utility over the application's DynamoDB idempotency table.

Used by the activities whose side effect lives outside our own tables (an email, an SNS message):
there is no row of ours to write conditionally, so Powertools records "in progress" and then the
result under a hash of the key data, and a retry with the same key returns the recorded result
instead of sending again.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from lambdas.common.aws import client
from lambdas.common.config import settings

# Long enough to cover every Step Functions retry of one execution, and a redrive the next day.
EXPIRES_AFTER_SECONDS = 7 * 24 * 3600


def run_once(
    key_prefix: str, key: dict[str, Any], action: Callable[[], dict[str, Any]], context: Any = None
) -> dict[str, Any]:
    """Run `action` once per `key`; later calls with the same key return the first result.

    `context` is the Lambda context: with it, an attempt that dies mid-way (a Lambda timeout)
    leaves an "in progress" record that expires with the invocation, so the retry can proceed.
    """
    persistence = DynamoDBPersistenceLayer(
        table_name=settings().idempotency_table, boto3_client=client("dynamodb")
    )
    config = IdempotencyConfig(expires_after_seconds=EXPIRES_AFTER_SECONDS)
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        config.register_lambda_context(context)

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="key", persistence_store=persistence, config=config, key_prefix=key_prefix
    )
    def once(key: dict[str, Any]) -> dict[str, Any]:
        return action()

    with warnings.catch_warnings():
        # Outside Lambda (tests, local runs) there is no remaining-time clock to register; the
        # in-progress record then expires by its own timeout, which is what we want.
        warnings.filterwarnings("ignore", message="Couldn't determine the remaining time left")
        result: dict[str, Any] = once(key=key)
    return result
