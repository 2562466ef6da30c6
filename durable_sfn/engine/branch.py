"""A thread of control inside an execution: the main flow, a Parallel branch or a Map iteration.

Why a separate object: cancellation. Parallel and Map fail fast, and stop_execution must reach
every branch, including one blocked in a Wait or on a task token. A branch knows the waiter it
is blocked on and its child branches, so `cancel()` wakes exactly what needs waking.

Two strengths of cancellation. A hard one (stop_execution, execution timeout) takes effect at
once. A sibling's failure inside a Map or Parallel is soft: the branch finishes the state it is
running and stops when it blocks or at the next state boundary of a *later round* (see
`Clock.settle`). That makes fail-fast deterministic: every branch started in a round makes its
call before a failure in the same round stops it, whatever the thread timing.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from durable_sfn.engine.clock import Clock, Waiter
from durable_sfn.engine.history import History
from durable_sfn.engine.redrive import FlowKey, Journal, Replay, StateRecord


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
        key: FlowKey = (),
        journal: Journal | None = None,
    ) -> None:
        self.clock = clock
        self.history = history
        self.variables = variables
        self.parent = parent
        self.map_item = map_item
        self.last_event = last_event
        # Redrive bookkeeping: where this flow sits, the execution's journal of completed states
        # (None when the execution cannot be redriven) and this flow's walk through it.
        self.key = key
        self.journal: Journal | None = journal if journal is not None or parent is None else parent.journal
        self.replay = Replay(self.journal, key) if self.journal is not None else None
        self._visits: dict[str, int] = {}
        self._current: tuple[str, int] = ("", 0)
        self._lock = threading.Lock()
        self._cancelled = False
        self._soft_round: int | None = None  # round in which a sibling's failure asked us to stop
        self.round = 0  # the round of this branch's current state (set by `settle`)
        self._waiter: Waiter | None = None
        self._children: list[Branch] = []
        # Whether a Wait may park this flow instead of blocking its thread: only an execution's
        # top-level flow, whose interpreter knows how to resume it (`Execution.run_graph`).
        self.can_park = False
        if parent is not None:
            parent._adopt(self)

    # --- redrive ------------------------------------------------------------------------------

    def enter_state(self, name: str) -> None:
        """Count an entry into state `name` (children started by it are keyed by this visit)."""
        visit = self._visits.get(name, 0) + 1
        self._visits[name] = visit
        self._current = (name, visit)

    def child_key(self, index: int) -> FlowKey:
        """The key of branch or iteration `index` of the state this flow is in."""
        return (*self.key, *self._current, index)

    def state_key(self) -> FlowKey:
        """The key of the state this flow is in, at this visit (the same in every attempt)."""
        return (*self.key, *self._current)

    def recorded(self, name: str) -> StateRecord | None:
        """During a redrive, the record of state `name` if a previous attempt completed it."""
        replay = self.replay
        if replay is None or replay.live:  # once live, a flow stays live: nothing to look up
            return None
        return replay.next_record(name)

    def record(self, record: StateRecord) -> None:
        if self.replay is not None:
            self.replay.record(record)

    @property
    def replays_to_end(self) -> bool:
        """A previous attempt completed this whole flow: it is stepped over, not run again."""
        return self.replay is not None and self.replay.complete

    def _adopt(self, child: Branch) -> None:
        with self._lock:
            self._children.append(child)
            cancelled = self._cancelled
            soft_round = self._soft_round
        if cancelled:
            child.cancel()
        elif soft_round is not None:
            child.cancel_after(soft_round)

    def release(self, child: Branch) -> None:
        with self._lock:
            if child in self._children:
                self._children.remove(child)

    @property
    def cancelled(self) -> bool:
        """Hard-cancelled (stopped execution or timeout)."""
        return self._cancelled

    @property
    def stopping(self) -> bool:
        """Asked to stop, hard or soft (it may still be finishing its current state)."""
        return self._cancelled or self._soft_round is not None

    def settle(self) -> None:
        """A state boundary inside a fan-out: wait for the round (no-op for a top-level flow)."""
        if self.parent is not None:
            self.round = self.clock.settle()

    def cancel_after(self, round_: int | None = None) -> None:
        """Soft cancel: stop at the first wait, or at a state boundary after round `round_`."""
        if round_ is None:
            round_ = self.clock.current_round()
        with self._lock:
            if self._cancelled or self._soft_round is not None:
                return
            self._soft_round = round_
            waiter = self._waiter
            children = list(self._children)
        if waiter is not None:
            self.clock.fire(waiter, _CANCELLED)
        for child in children:
            child.cancel_after(round_)

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

    def stopped_by(self, round_: int) -> bool:
        """Whether a stop request applies in round `round_` (hard ones apply at once)."""
        return self._cancelled or (self._soft_round is not None and self._soft_round < round_)

    def check(self) -> None:
        """At a state boundary: raise Aborted if this branch must not start its next state."""
        if self.stopped_by(self.round):
            raise Aborted()

    def event(self, event_type: str, **details: Any) -> int:
        """Record an event following this branch's previous one."""
        self.last_event = self.history.add(event_type, self.last_event, **details)
        return self.last_event

    def state_event(
        self, event_type: str, entered: bool, name: str, text: str, assigned: dict[str, Any] | None = None
    ) -> int:
        """Record a state's entry or exit following this branch's previous event (`History.add_state`)."""
        self.last_event = self.history.add_state(event_type, self.last_event, entered, name, text, assigned)
        return self.last_event

    def wait(self, waiter: Waiter, deadline: datetime | None) -> bool:
        """Block on `waiter` (True: fired) or until `deadline` (False); raises Aborted if cancelled."""
        with self._lock:
            if self._cancelled or self._soft_round is not None:
                raise Aborted()
            self._waiter = waiter
        try:
            fired = self.clock.block(waiter, deadline)
        finally:
            with self._lock:
                self._waiter = None
        # A soft request that came after the wake-up waits for the next boundary (round rules).
        if self._cancelled or (fired and waiter.value is _CANCELLED):
            raise Aborted()
        return fired

    def sleep_until(self, deadline: datetime) -> None:
        self.wait(Waiter(), deadline)

    def park(self, waiter: Waiter) -> None:
        """Wait on `waiter` without a thread: cancellation fires it like a blocked one.

        Raises Aborted if already cancelled. The caller hands `waiter` to `Clock.park`; the
        resumed flow calls `unpark` first.
        """
        with self._lock:
            if self._cancelled or self._soft_round is not None:
                raise Aborted()
            self._waiter = waiter

    def unpark(self, waiter: Waiter) -> None:
        """The parked wait is over: raises Aborted if it ended because the branch was cancelled."""
        with self._lock:
            self._waiter = None
        if self._cancelled or waiter.value is _CANCELLED:
            raise Aborted()


_CANCELLED = object()
