"""A thread of control inside an execution: the main flow, a Parallel branch or a Map iteration.

Why a separate object: cancellation. Parallel and Map fail fast, and stop_execution must reach
every branch, including one blocked in a Wait or on a task token. A branch knows the waiter it
is blocked on and its child branches, so `cancel()` wakes exactly what needs waking.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from durable_sfn.engine.clock import Clock, Waiter
from durable_sfn.engine.history import History


class Aborted(Exception):
    """Raised inside a branch that was cancelled (fail-fast sibling, stopped execution)."""


class Branch:
    """Variables, Map item, history link and cancellation for one flow of states."""

    def __init__(
        self,
        clock: Clock,
        history: History,
        variables: dict[str, Any],
        *,
        parent: Branch | None = None,
        map_item: dict[str, Any] | None = None,
        last_event: int = 0,
    ) -> None:
        self.clock = clock
        self.history = history
        self.variables = variables
        self.parent = parent
        self.map_item = map_item
        self.last_event = last_event
        self._lock = threading.Lock()
        self._cancelled = False
        self._waiter: Waiter | None = None
        self._children: list[Branch] = []
        if parent is not None:
            parent._adopt(self)

    def _adopt(self, child: Branch) -> None:
        with self._lock:
            self._children.append(child)
            cancelled = self._cancelled
        if cancelled:
            child.cancel()

    def release(self, child: Branch) -> None:
        with self._lock:
            if child in self._children:
                self._children.remove(child)

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Cancel this branch and all of its descendants, waking any blocked one."""
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            waiter = self._waiter
            children = list(self._children)
        if waiter is not None:
            self.clock.fire(waiter, _CANCELLED)
        for child in children:
            child.cancel()

    def check(self) -> None:
        if self._cancelled:
            raise Aborted()

    def event(self, event_type: str, **details: Any) -> int:
        """Record an event following this branch's previous one."""
        self.last_event = self.history.add(event_type, self.last_event, **details)
        return self.last_event

    def wait(self, waiter: Waiter, deadline: datetime | None) -> bool:
        """Block on `waiter` (True: fired) or until `deadline` (False); raises Aborted if cancelled."""
        with self._lock:
            if self._cancelled:
                raise Aborted()
            self._waiter = waiter
        try:
            fired = self.clock.block(waiter, deadline)
        finally:
            with self._lock:
                self._waiter = None
        if self._cancelled or (fired and waiter.value is _CANCELLED):
            raise Aborted()
        return fired

    def sleep_until(self, deadline: datetime) -> None:
        self.wait(Waiter(), deadline)


_CANCELLED = object()
