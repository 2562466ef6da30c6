"""What a test run returns: the same record for the direct run and the local-engine run."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from durable_sfn.client.logs import LogRecord

Status = Literal["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "RUNNING"]

# Both runners start their virtual clock here unless told otherwise, so that timestamps an
# orchestrator computes from ctx.current_utc_datetime agree between them.
DEFAULT_START = datetime(2024, 1, 1, tzinfo=UTC)
# Both runners name the execution this way, so ctx.instance_id (the execution ARN) agrees too.
DEFAULT_EXECUTION_NAME = "test-execution"


@dataclass(frozen=True)
class ActivityCall:
    """One invocation of an activity (every retry attempt counts) with the input it received."""

    name: str
    input: Any


@dataclass(frozen=True)
class ScheduledEvent:
    """An external event raised `at` after the execution started (virtual time)."""

    name: str
    data: Any = None
    at: timedelta = timedelta(0)


def check_events(events: object) -> None:
    """Refuse an `events=` argument neither runner can read, before anything runs: a dict
    {name: data} or a list of ScheduledEvent. A list of (name, data) pairs is the usual slip."""
    if events is None:
        return
    if isinstance(events, Mapping):
        for name in events:
            if not isinstance(name, str):
                raise TypeError(f"events: an event name must be text, not {name!r}")
        return
    if isinstance(events, (str, bytes)) or not hasattr(events, "__iter__"):
        raise TypeError(
            f"events must be a dict {{name: data}} or a list of ScheduledEvent, not {type(events).__name__}"
        )
    for index, event in enumerate(events):
        if not isinstance(event, ScheduledEvent):
            raise TypeError(
                f"events[{index}] is {event!r}: a list of events holds ScheduledEvent(name, data, at=timedelta(...)); "
                "for events raised before the run, pass a dict {name: data}"
            )
        if not isinstance(event.name, str) or not isinstance(event.at, timedelta):
            raise TypeError(
                f"events[{index}]: ScheduledEvent needs a text name and a timedelta `at`, got {event!r}"
            )


@dataclass(frozen=True)
class ExecutionResult:
    """The outcome of one orchestration run.

    `error` / `cause` are the Step Functions Error and Cause of a failed run; `path` lists the
    state names entered, in order (local-engine runs only; empty for direct runs). `logs` holds
    what the orchestrator logged (`logging`, `print`), in order: read from the execution history
    of a local-engine run; collected from Python's logging of a direct run (records below the
    configured level are not collected there; the history keeps every level).
    """

    status: Status
    output: Any = None
    error: str | None = None
    cause: str | None = None
    custom_status: Any = None
    activity_calls: list[ActivityCall] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    logs: list[LogRecord] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    def activity_names(self) -> list[str]:
        """The names of the activities called, in call order."""
        return [call.name for call in self.activity_calls]

    def activity_call_counts(self) -> Counter[tuple[str, str]]:
        """Activity calls as a multiset of (name, canonical JSON input), for comparing runs whose
        concurrent branches may call activities in a different order."""
        return Counter((call.name, canonical_json(call.input)) for call in self.activity_calls)


def _integral_floats_as_ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral_floats_as_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_ints(item) for item in value]
    return value


def canonical_json(value: Any) -> str:
    """JSON text that is equal exactly when the values are equal as JSON: sorted keys, and 2.0
    written as 2 (Step Functions, like JSON itself, does not tell them apart)."""
    return json.dumps(_integral_floats_as_ints(value), sort_keys=True)
