"""Execution history events, shaped like `get_execution_history`'s.

Why its own module: the event vocabulary (type names, detail keys, the 25,000 event limit) is a
contract with AWS tools and with clients that read `assignedVariables` for custom status. The
interpreter only says what happened; this module says it the AWS way.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from functools import lru_cache
from typing import Any

from durable_sfn.engine.clock import Clock
from durable_sfn.engine.limits import MAX_HISTORY_EVENTS

# State type -> history event prefix ("TaskStateEntered", "MapStateExited", ...).
STATE_EVENT_PREFIX = {
    "Task": "Task",
    "Pass": "Pass",
    "Choice": "Choice",
    "Wait": "Wait",
    "Succeed": "Succeed",
    "Fail": "Fail",
    "Parallel": "Parallel",
    "Map": "Map",
}


def to_json(value: Any) -> str:
    """Compact JSON text, the way Step Functions renders payloads."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class HistoryLimitExceeded(Exception):
    """Raised by `add` once the execution has recorded the maximum number of events."""


class History:
    """Append-only, thread-safe list of events with AWS ids and previousEventId links."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.limit = MAX_HISTORY_EVENTS

    def add(self, event_type: str, previous: int | None = None, **details: Any) -> int:
        """Record one event; `previous` is the id of the event it follows in its branch."""
        with self._lock:
            event_id = len(self._events) + 1
            if event_id > self.limit:
                raise HistoryLimitExceeded()
            event: dict[str, Any] = {
                "timestamp": self._clock.now(),
                "type": event_type,
                "id": event_id,
                "previousEventId": previous if previous is not None else event_id - 1,
            }
            event.update(details)
            self._events.append(event)
            return event_id

    def add_final(self, event_type: str, **details: Any) -> int:
        """Record an execution-ending event even past the limit (AWS always closes the history)."""
        with self._lock:
            event_id = len(self._events) + 1
            self._events.append(
                {
                    "timestamp": self._clock.now(),
                    "type": event_type,
                    "id": event_id,
                    "previousEventId": event_id - 1,
                    **details,
                }
            )
            return event_id

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._events]

    @property
    def last_id(self) -> int:
        with self._lock:
            return len(self._events)


def entered_details(name: str, value: Any, text: str | None = None) -> dict[str, Any]:
    return {
        "stateEnteredEventDetails": {
            "name": name,
            "input": to_json(value) if text is None else text,
            "inputDetails": {"truncated": False},
        }
    }


def exited_details(
    name: str, value: Any, assigned: dict[str, Any] | None, text: str | None = None
) -> dict[str, Any]:
    details: dict[str, Any] = {
        "name": name,
        "output": to_json(value) if text is None else text,
        "outputDetails": {"truncated": False},
    }
    if assigned:
        details["assignedVariables"] = {k: to_json(v) for k, v in assigned.items()}
        details["assignedVariablesDetails"] = {"truncated": False}
    return {"stateExitedEventDetails": details}


@lru_cache(maxsize=4096)
def timestamp_text(when: datetime) -> str:
    """The context object's time format: ISO-8601 with milliseconds and a Z suffix."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
