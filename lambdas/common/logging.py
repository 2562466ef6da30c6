"""Structured logging with Powertools: one logger, correlated by the orchestration's execution id.

Activities receive only their input, so the execution id reaches them when the orchestrator puts
it in the payload (`ExecutionId`, as `ctx.instance_id`); every log line then carries it as the
correlation id, which is how one order's lines are found across functions in CloudWatch.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

logger = Logger(service="durable-sfn-reference")

_EXECUTION_ID_KEYS = ("ExecutionId", "executionId", "execution_id")


def execution_id_of(event: Any) -> str | None:
    """The execution id carried by an activity input (a dict or a pydantic model), if any."""
    for key in _EXECUTION_ID_KEYS:
        value = event.get(key) if isinstance(event, dict) else getattr(event, key, None)
        if isinstance(value, str) and value:
            return value
    return None


def correlate(event: Any) -> None:
    """Set (or clear) the correlation id for the activity call about to run."""
    logger.set_correlation_id(execution_id_of(event))
