"""Retry and Catch: the one place that decides what happens after a state fails.

Matching follows the ASL spec: retriers and catchers are scanned in order, the first whose
ErrorEquals names the error (or a wildcard: `States.ALL`, or `States.TaskFailed` which excludes
`States.Timeout`; neither covers the terminal `States.Runtime`/`States.DataLimitExceeded`) wins. Each retrier keeps its own
attempt count across the state's attempts, as AWS does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from durable_sfn.engine import errors

# Terminal errors that the wildcards (States.ALL, States.TaskFailed) never intercept; only an
# explicit ErrorEquals naming them does.
_TERMINAL = {errors.RUNTIME, errors.DATA_LIMIT_EXCEEDED}


def _matches(error_equals: list[str], error: str) -> bool:
    if error in error_equals:
        return True
    if error in _TERMINAL:
        return False
    if errors.ALL in error_equals:
        return True
    # States.TaskFailed is a wildcard for every error except States.Timeout.
    return errors.TASK_FAILED in error_equals and error != errors.TIMEOUT


@dataclass
class RetryState:
    """Attempts made so far, per retrier index, for one state entry."""

    attempts: dict[int, int] = field(default_factory=dict)
    total: int = 0


def next_delay(retriers: list[dict[str, Any]], error: str, state: RetryState) -> float | None:
    """Seconds to wait before the next attempt, or None if no retrier applies any more."""
    for index, retrier in enumerate(retriers):
        if not _matches(list(retrier.get("ErrorEquals", [])), error):
            continue
        done = state.attempts.get(index, 0)
        max_attempts = int(retrier.get("MaxAttempts", 3))
        if done >= max_attempts:
            return None
        state.attempts[index] = done + 1
        state.total += 1
        interval = float(retrier.get("IntervalSeconds", 1))
        rate = float(retrier.get("BackoffRate", 2.0))
        delay = interval * (rate**done)
        max_delay = retrier.get("MaxDelaySeconds")
        if max_delay is not None:
            delay = min(delay, float(max_delay))
        if retrier.get("JitterStrategy") == "FULL":
            delay = random.uniform(0, delay)
        return delay
    return None


def find_catcher(catchers: list[dict[str, Any]], error: str) -> dict[str, Any] | None:
    for catcher in catchers:
        if _matches(list(catcher.get("ErrorEquals", [])), error):
            return catcher
    return None
