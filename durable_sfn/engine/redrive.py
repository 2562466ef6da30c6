"""Redrive: what an ended execution keeps so that RedriveExecution can resume it, and who may.

AWS's rules (RedriveExecution API reference; developer guide "Restarting state machine
executions with redrive"): a redrive continues the execution from its unsuccessful step with the
same input and the same definition; the results of successful steps are kept and those steps are
not run again; inside an inline Map or a Parallel only the iterations and branches that failed or
were aborted run again.

How the engine does it: every flow of states (the main flow, each Parallel branch, each Map
iteration) is identified by a `FlowKey` built from where it sits (the state that started it,
how many times that state had been entered in its own flow, and the branch or item index). The
`Journal` records, per flow, each state that completed: its name, next state, output and
assigned variables. A redrive runs the definition again from the top; a flow replays its
recorded states (no side effects, no history events) while they match, and runs live from the
first state that has no record: the one that failed, was aborted or never started. A Parallel
branch or Map iteration that had succeeded replays to its end at once, so only the others run.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from durable_sfn.engine import errors
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.limits import MAX_HISTORY_EVENTS

# The redrivable period: 14 days from the end of the execution.
REDRIVE_WINDOW = timedelta(days=14)
# An execution cannot be redriven once it has been open for a year (its maximum open time).
MAX_OPEN_TIME = timedelta(days=365)
# Fewer events than this, so that ExecutionRedriven and at least one more event fit.
MAX_REDRIVE_HISTORY = MAX_HISTORY_EVENTS - 1
# "Redriving Map Runs": the hard limit of redrives of one Map Run (then States.Runtime).
MAX_MAP_RUN_REDRIVES = 1000

# redriveStatusReason texts, as DescribeExecution documents them.
RUNNING = "Execution is RUNNING and cannot be redriven"
SUCCEEDED = "Execution is SUCCEEDED and cannot be redriven"
HISTORY_LIMIT = "Execution history event limit exceeded"
MAX_TIME = "Execution has exceeded the max execution time"
PERIOD_EXCEEDED = "Execution redrivable period exceeded"
MACHINE_DELETING = "State machine is in DELETING status"
EXPRESS = "Execution of an EXPRESS state machine cannot be redriven"

FlowKey = tuple[Any, ...]
"""Where a flow sits: () for the main flow; parent key + (state, visit, index) for a child."""


def not_redrivable_reason(
    *,
    status: str,
    machine_type: str,
    start_date: datetime,
    stop_date: datetime | None,
    history_events: int,
    now: datetime,
    machine_exists: bool = True,
) -> str | None:
    """Why RedriveExecution would refuse this execution now (AWS's wording), or None if it may run."""
    if machine_type == "EXPRESS":
        return EXPRESS
    if not machine_exists:
        return MACHINE_DELETING
    if status == "RUNNING":
        return RUNNING
    if status == "SUCCEEDED":
        return SUCCEEDED
    if history_events >= MAX_REDRIVE_HISTORY:
        return HISTORY_LIMIT
    if now - start_date > MAX_OPEN_TIME:
        return MAX_TIME
    if stop_date is not None and now - stop_date > REDRIVE_WINDOW:
        return PERIOD_EXCEEDED
    return None


class StateRecord(NamedTuple):
    """One state that completed in a flow: enough to step over it again without running it.

    The journal keeps it as a plain tuple (`Journal.record`): an execution keeps one per state to
    its end, and a plain tuple of strings only (no assigned variables) is left alone by the
    garbage collector after a first look, where an object (a NamedTuple too) would be walked
    again at every collection as the journal grows.
    """

    name: str
    next: str | None
    output_text: str  # the output as recorded in the history (immutable, shared with the event)
    assigned: dict[str, Any] | None


class Journal:
    """The completed states of every flow of one execution, kept across its attempts, and the
    Map Runs its Distributed Maps started (a redrive continues them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flows: dict[FlowKey, list[tuple[Any, ...]]] = {}  # StateRecords as plain tuples
        self._map_runs: dict[FlowKey, tuple[str, int]] = {}

    def map_run(self, key: FlowKey, new_arn: str) -> tuple[str, int]:
        """The Map Run of the Distributed Map entered at `key`: (ARN, times redriven).

        The first attempt to get this far starts `new_arn` (0). A redrive that enters the same
        Map state again continues the Map Run the previous attempt started ("Redriving Map
        Runs": the same Map Run, its count one higher), at most MAX_MAP_RUN_REDRIVES times.
        """
        with self._lock:
            arn, count = self._map_runs.get(key, (new_arn, -1))
            count += 1
            if count > MAX_MAP_RUN_REDRIVES:
                raise StatesError(
                    errors.RUNTIME,
                    f"The Map Run {arn} has been redriven {MAX_MAP_RUN_REDRIVES} times, the most a "
                    "Map Run can be redriven.",
                )
            self._map_runs[key] = (arn, count)
            return arn, count

    def recorded(self, key: FlowKey) -> list[StateRecord]:
        """What the previous attempts completed in this flow, in order."""
        with self._lock:
            return [StateRecord._make(record) for record in self._flows.get(key, ())]

    def record(self, key: FlowKey, position: int, record: StateRecord) -> None:
        """Record the state completed at `position` of the flow (later records were not replayed)."""
        with self._lock:
            records = self._flows.get(key)
            if records is None:
                records = self._flows[key] = []
            elif len(records) > position:
                del records[position:]
            records.append(tuple(record))

    def __len__(self) -> int:
        with self._lock:
            return sum(len(records) for records in self._flows.values())


class Replay:
    """One flow's walk through its recorded states during a redrive."""

    __slots__ = ("_cursor", "_journal", "_key", "_records", "live")

    def __init__(self, journal: Journal, key: FlowKey) -> None:
        self._journal = journal
        self._key = key
        self._records = journal.recorded(key)
        self._cursor = 0
        self.live = not self._records  # nothing to replay: every state runs

    @property
    def complete(self) -> bool:
        """The recorded states reach the end of the flow (a branch or iteration that succeeded)."""
        return bool(self._records) and self._records[-1].next is None

    def next_record(self, name: str) -> StateRecord | None:
        """The record for state `name` if the flow had completed it; None switches to live running."""
        if not self.live and self._cursor < len(self._records) and self._records[self._cursor].name == name:
            record = self._records[self._cursor]
            self._cursor += 1
            return record
        self.live = True
        return None

    def record(self, record: StateRecord) -> None:
        self._journal.record(self._key, self._cursor, record)
        self._cursor += 1
