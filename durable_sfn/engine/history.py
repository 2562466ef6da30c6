"""Execution history events, shaped like `get_execution_history`'s.

Why its own module: the event vocabulary (type names, detail keys, the 25,000 event limit) is a
contract with AWS tools and with clients that read `assignedVariables` for custom status. The
interpreter only says what happened; this module says it the AWS way.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from json import encoder as json_encoder
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


def _compact_encoder() -> Callable[[Any, int], list[str]] | None:
    """json's C encoder set up once for compact, non-ASCII-escaping text (None without the C part).

    `json.dumps` with separators builds a new encoder on every call, which costs more than
    writing a small payload; every state writes at least one. Built without the circular-reference
    check, so it keeps no state between calls and threads may share it.
    """
    make = getattr(json_encoder, "c_make_encoder", None)
    if make is None:
        return None
    try:
        encoder: Callable[[Any, int], list[str]] = make(
            None, _DUMPS.default, json_encoder.encode_basestring, None, ":", ",", False, False, True
        )
        sample = {"a": [1, 1.5, None, True, "é\n"], "b": {}}
        if "".join(encoder(sample, 0)) != _DUMPS.encode(sample):
            return None
    except TypeError:  # a Python whose C encoder takes other arguments: json.dumps it is
        return None
    return encoder


_DUMPS = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_ENCODE = _compact_encoder()


def to_json(value: Any) -> str:
    """Compact JSON text, the way Step Functions renders payloads (exactly `json.dumps(value,
    separators=(",", ":"), ensure_ascii=False)`)."""
    if _ENCODE is not None:
        try:
            return "".join(_ENCODE(value, 0))
        except RecursionError:
            pass  # a cycle or deep nesting: json.dumps raises its own error (or succeeds) as before
    return _DUMPS.encode(value)


class HistoryLimitExceeded(Exception):
    """Raised by `add` once the execution has recorded the maximum number of events."""


StateEvent = tuple[datetime, str, int, int, bool, str, str, tuple[tuple[str, str], ...] | None]
"""A state's entry or exit as `History` keeps it: (timestamp, type, id, previous id, entered?,
state name, input or output text, assigned variables as (name, JSON text) pairs or None).

Every state records two such events and an execution keeps them to its end. Kept as dicts (an
event, its details, and their `truncated` flags) they were four objects the garbage collector
walks again and again as the history grows; a tuple of strings it stops walking after one look.
`events()` writes them out as the same dicts (`state_event`)."""


class History:
    """Append-only, thread-safe list of events with AWS ids and previousEventId links."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._events: list[dict[str, Any] | StateEvent] = []
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

    def add_state(
        self,
        event_type: str,
        previous: int,
        entered: bool,
        name: str,
        text: str,
        assigned: dict[str, Any] | None = None,
    ) -> int:
        """Record a state's entry (`entered`, `text` its input) or exit (`text` its output, with
        the variables it assigned): the `stateEnteredEventDetails` / `stateExitedEventDetails`
        events, kept compact (`StateEvent`)."""
        texts = tuple((k, to_json(v)) for k, v in assigned.items()) if assigned else None
        with self._lock:
            event_id = len(self._events) + 1
            if event_id > self.limit:
                raise HistoryLimitExceeded()
            self._events.append(
                (self._clock.now(), event_type, event_id, previous, entered, name, text, texts)
            )
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
        """Every event as `get_execution_history` returns it (copies: the caller may keep them)."""
        with self._lock:
            kept = list(self._events)
        return [state_event(e) if isinstance(e, tuple) else dict(e) for e in kept]

    @property
    def last_id(self) -> int:
        with self._lock:
            return len(self._events)


def state_event(event: StateEvent) -> dict[str, Any]:
    """A state's entry or exit event as AWS writes it."""
    timestamp, event_type, event_id, previous, entered, name, text, texts = event
    out: dict[str, Any] = {
        "timestamp": timestamp,
        "type": event_type,
        "id": event_id,
        "previousEventId": previous,
    }
    if entered:
        out[ENTERED_DETAILS] = {"name": name, "input": text, "inputDetails": {"truncated": False}}
        return out
    details: dict[str, Any] = {"name": name, "output": text, "outputDetails": {"truncated": False}}
    if texts is not None:
        details["assignedVariables"] = dict(texts)
        details["assignedVariablesDetails"] = {"truncated": False}
    out[EXITED_DETAILS] = details
    return out


ENTERED_DETAILS = "stateEnteredEventDetails"
EXITED_DETAILS = "stateExitedEventDetails"


@lru_cache(maxsize=4096)
def timestamp_text(when: datetime) -> str:
    """The context object's time format: ISO-8601 with milliseconds and a Z suffix."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
