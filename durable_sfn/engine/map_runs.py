"""Map Runs: what DescribeMapRun and ListMapRuns report about each Distributed Map as it runs.

A Distributed Map registers its Map Run when it starts, counts each child execution as it starts
and ends (and the items in it: a batch holds several), and closes the run with its status. The
counts are read while the run goes on, which is how a client shows a Map's progress; the child
executions themselves keep their events out of the parent's history.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

COUNTS = ("pending", "running", "succeeded", "failed", "timedOut", "aborted", "total", "resultsWritten")


@dataclass
class MapRun:
    arn: str
    execution_arn: str
    state_machine_arn: str
    start_date: datetime
    max_concurrency: int
    tolerated_failure_percentage: float
    tolerated_failure_count: int
    status: str = "RUNNING"
    stop_date: datetime | None = None
    items: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    executions: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    _running_items: dict[int, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def plan(self, children: int, items: int) -> None:
        with self._lock:
            self.executions.update(pending=children, total=children)
            self.items.update(pending=items, total=items)

    def child_started(self, index: int, items: int) -> None:
        with self._lock:
            self._running_items[index] = items
            _move(self.executions, "pending", "running", 1)
            _move(self.items, "pending", "running", items)

    def child_ended(self, index: int, outcome: str) -> None:
        """`outcome`: "succeeded", "failed" or "aborted"."""
        with self._lock:
            items = self._running_items.pop(index, 0)
            _move(self.executions, "running", outcome, 1)
            _move(self.items, "running", outcome, items)

    def finish(self, status: str, when: datetime, *, results_written: bool) -> None:
        with self._lock:
            self.status, self.stop_date = status, when
            # Children never started are counted as aborted once the run has ended.
            _move(self.executions, "pending", "aborted", self.executions["pending"])
            _move(self.items, "pending", "aborted", self.items["pending"])
            if results_written:
                self.executions["resultsWritten"] = self.executions["succeeded"] + self.executions["failed"]
                self.items["resultsWritten"] = self.items["succeeded"] + self.items["failed"]

    def describe(self) -> dict[str, Any]:
        with self._lock:
            out: dict[str, Any] = {
                "mapRunArn": self.arn,
                "executionArn": self.execution_arn,
                "status": self.status,
                "startDate": self.start_date,
                "maxConcurrency": self.max_concurrency,
                "toleratedFailurePercentage": self.tolerated_failure_percentage,
                "toleratedFailureCount": self.tolerated_failure_count,
                "itemCounts": dict(self.items),
                "executionCounts": dict(self.executions),
                "redriveCount": 0,
            }
            if self.stop_date is not None:
                out["stopDate"] = self.stop_date
            return out

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "executionArn": self.execution_arn,
            "mapRunArn": self.arn,
            "stateMachineArn": self.state_machine_arn,
            "startDate": self.start_date,
        }
        if self.stop_date is not None:
            out["stopDate"] = self.stop_date
        return out


def _move(counts: dict[str, int], source: str, target: str, amount: int) -> None:
    counts[source] -= amount
    counts[target] += amount


class MapRunRegistry:
    """Every Map Run of an engine, by ARN and by parent execution (in start order)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, MapRun] = {}

    def add(self, run: MapRun) -> MapRun:
        with self._lock:
            return self._runs.setdefault(run.arn, run)

    def get(self, arn: str) -> MapRun | None:
        with self._lock:
            return self._runs.get(arn)

    def of_execution(self, execution_arn: str) -> list[MapRun]:
        with self._lock:
            return [r for r in self._runs.values() if r.execution_arn == execution_arn]
