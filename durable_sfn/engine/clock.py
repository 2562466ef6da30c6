"""All engine time: a virtual discrete-event clock by default, the real clock on request.

Why a scheduler and not just a fake `now()`: executions and their Map/Parallel branches run on
threads. If virtual time jumped whenever one thread slept, a sibling still computing would see
time move under it and results would depend on machine speed. So the virtual clock counts
*active participants* (threads doing work). A thread that blocks on a timer, a task token or a
child execution becomes inactive; when the last active one blocks, the clock jumps to the
earliest due timer and wakes exactly the waiters due then. Anyone who wakes a waiter (a
`send_task_success`, a finishing branch) makes it active *before* releasing the lock, so time
can never advance between a wake-up and the woken thread running.

Fan-out branches also move in *rounds* (`settle`): at every state boundary a Map iteration or
Parallel branch waits until no other branch thread is running, then all waiting ones start
their next state together. A sibling's failure therefore reaches the others at a
deterministic point (the next round), never at a point chosen by thread timing, just as on AWS
all started iterations begin a state at effectively the same moment.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from durable_sfn.engine import threads


class Waiter:
    """A one-shot rendezvous: one thread blocks on it, another fires it with a value."""

    __slots__ = ("blocked", "branch", "cond", "event", "fired", "resume", "timed", "timed_out", "value")

    def __init__(self) -> None:
        self.fired = False
        self.timed_out = False
        self.blocked = False
        self.branch = False
        self.timed = False  # a deadline timer of the virtual clock refers to it
        self.value: Any = None
        self.event: threading.Event | None = None
        # The virtual clock's condition for this waiter alone: firing it wakes one thread.
        self.cond: threading.Condition | None = None
        # For a parked flow (`Clock.park`): what runs, on an engine thread, once it is fired.
        self.resume: Callable[[], object] | None = None


class Clock(Protocol):
    """What the engine needs from time."""

    def now(self) -> datetime: ...

    def enter(self, branch: bool = False) -> None:
        """Register the calling (or about-to-start) thread as an active participant.

        `branch=True` for a thread that will run fan-out branches (it then calls
        `bind_branch_thread` first thing), so rounds (`settle`) wait for it.
        """

    def leave(self, branch: bool = False) -> None:
        """The participant is finished (its thread is about to end)."""

    def bind_branch_thread(self) -> None:
        """Mark the calling thread as a fan-out branch thread (entered with `branch=True`)."""

    def settle(self) -> int:
        """Wait until no branch thread is running, then start the next round; returns its number."""

    def current_round(self) -> int:
        """The round now running (requests made in it take effect from the next one)."""

    def block(self, waiter: Waiter, deadline: datetime | None = None) -> bool:
        """Wait until `waiter` is fired (True) or `deadline` passes (False)."""

    def park(self, waiter: Waiter, deadline: datetime | None, resume: Callable[[], object]) -> None:
        """Like `block`, but no thread waits: `resume` runs on an engine thread once `waiter` is
        fired or `deadline` passes (`waiter.timed_out` tells which).

        The caller stays an active participant until it calls `leave`; `resume` runs as one
        (it must `leave` when done). Thousands of waiting executions then hold no threads.
        """

    def fire(self, waiter: Waiter, value: Any = None) -> bool:
        """Wake the waiter with `value`; False if it was already fired or timed out."""

    def call_at(self, when: datetime, action: Callable[[], object]) -> None:
        """Run `action` (on an engine thread) when the clock reaches `when`."""

    def sleep_until(self, when: datetime) -> None:
        """Block the calling participant until `when`."""

    def participating(self) -> AbstractContextManager[None]:
        """Count the calling thread as active for the duration of a `with` block.

        Code outside the engine that starts executions and then acts on them (sends a task
        token, raises an event) holds the clock this way so that time cannot jump past it.
        """


def monotonic() -> float:
    """Real seconds from an arbitrary origin, for bounding how long a computation may run.

    Never for modelled time (that is `Clock.now`): an evaluation's time limit must hold on the
    virtual clock too, where modelled time stands still while a state computes.
    """
    return time.monotonic()


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


@dataclass(order=True)
class _Timer:
    due: datetime
    seq: int
    waiter: Waiter | None = field(compare=False, default=None)
    action: Callable[[], object] | None = field(compare=False, default=None)


class VirtualClock:
    """Deterministic time: it moves only when every participant is blocked on time.

    Scales to tens of thousands of waiting executions: timers are a heap, a parked flow (`park`)
    holds no thread at all, each blocked thread waits on its own condition, and a jump of time
    wakes exactly the waiters due at the new instant, all of them at once (so N executions
    waiting for the same second cost N wake-ups, not N rounds of every thread waking).

    >>> clock = VirtualClock(datetime(2024, 1, 1, tzinfo=UTC))
    >>> clock.call_at(clock.now() + timedelta(hours=2), lambda: print("two hours in"))
    """

    def __init__(self, start: datetime | None = None) -> None:
        if start is None:
            start = datetime.now(UTC).replace(microsecond=0)
        self._now = _utc(start)
        self._lock = threading.Lock()
        self._active = 0
        # Threads currently blocked in `block`. Time only moves for someone who waits: timers
        # scheduled before any execution starts must not fire into an empty engine.
        self._blocked = 0
        self._timers: list[_Timer] = []
        self._dead = 0  # timers in the heap whose waiter was fired before its deadline
        self._seq = itertools.count()
        # Rounds of fan-out branches: branch threads doing work, threads waiting in `settle`.
        self._branch_active = 0
        self._settling = 0
        self._round = 0
        self._round_changed = threading.Condition(self._lock)
        self._tls = threading.local()
        # Jobs made ready under the lock (timer actions, parked flows woken), started after it
        # is released: starting threads while holding the clock would stall every participant.
        self._ready: list[tuple[Callable[[], object], str]] = []

    def now(self) -> datetime:
        # One attribute read, and `_now` is only ever replaced whole (under the lock, when time
        # advances): the read sees the time before or after, as it would holding the lock. The
        # engine reads the time several times per state, so the lock's hand-offs are saved.
        return self._now

    def idle(self) -> bool:
        """Nothing can move by itself: nobody is working and no timer is due, ever.

        Blocked executions then wait for something from outside the engine (a task token,
        an event) that only another thread could supply.
        """
        with self._lock:
            return self._active <= 0 and len(self._timers) - self._dead <= 0

    @property
    def active(self) -> int:
        """How many participants are currently doing work (for diagnostics and tests)."""
        with self._lock:
            return self._active

    @property
    def pending_timers(self) -> int:
        """Timers still to fire (for diagnostics and tests)."""
        with self._lock:
            return len(self._timers) - self._dead

    def enter(self, branch: bool = False) -> None:
        with self._lock:
            self._active += 1
            if branch:
                self._branch_active += 1

    def leave(self, branch: bool = False) -> None:
        with self._lock:
            self._active -= 1
            if branch:
                self._branch_active -= 1
            self._advance()
            ready = self._take_ready()
        threads.spawn_all(ready)

    def bind_branch_thread(self) -> None:
        self._tls.branch = True

    def current_round(self) -> int:
        with self._lock:
            return self._round

    def settle(self) -> int:
        if not getattr(self._tls, "branch", False):
            return self.current_round()  # only fan-out branch threads take part in rounds
        with threads.blocking():
            with self._lock:
                self._active -= 1
                self._branch_active -= 1
                self._settling += 1
                mine = self._round
                self._advance()
                ready = self._take_ready()
            threads.spawn_all(ready)
            with self._lock:
                while self._round == mine:
                    self._round_changed.wait()
                return self._round

    @contextmanager
    def participating(self) -> Iterator[None]:
        self.enter()
        try:
            yield
        finally:
            self.leave()

    def block(self, waiter: Waiter, deadline: datetime | None = None) -> bool:
        with threads.blocking():
            with self._lock:
                if waiter.fired:
                    return not waiter.timed_out
                cond = waiter.cond = threading.Condition(self._lock)
                waiter.blocked = True
                waiter.branch = getattr(self._tls, "branch", False)
                self._active -= 1
                if waiter.branch:
                    self._branch_active -= 1
                self._blocked += 1
                self._add_deadline(waiter, deadline)
                self._advance()
                ready = self._take_ready()
            threads.spawn_all(ready)
            with self._lock:  # a fire between the two blocks is seen here: `fired` is checked first
                while not waiter.fired:
                    cond.wait()
                return not waiter.timed_out

    def park(self, waiter: Waiter, deadline: datetime | None, resume: Callable[[], object]) -> None:
        with self._lock:
            waiter.resume = resume
            if waiter.fired:
                self._active += 1
                self._ready.append((resume, "sfn-resume"))
            else:
                waiter.blocked = True
                self._blocked += 1
                self._add_deadline(waiter, deadline)
                # No `_advance`: the caller is still working and will `leave`.
            ready = self._take_ready()
        threads.spawn_all(ready)

    def _add_deadline(self, waiter: Waiter, deadline: datetime | None) -> None:
        if deadline is not None:
            waiter.timed = True
            heapq.heappush(self._timers, _Timer(_utc(deadline), next(self._seq), waiter=waiter))

    def fire(self, waiter: Waiter, value: Any = None) -> bool:
        with self._lock:
            if waiter.fired:
                return False
            waiter.fired = True
            waiter.value = value
            if waiter.timed:
                self._dead += 1  # its deadline timer stays in the heap until popped
                self._compact()
            if waiter.blocked:
                self._wake(waiter)
            ready = self._take_ready()
        threads.spawn_all(ready)
        return True

    def _wake(self, waiter: Waiter) -> None:
        """Count a blocked waiter as working again and wake its thread (caller holds the lock)."""
        self._active += 1
        self._blocked -= 1
        if waiter.branch:
            self._branch_active += 1
        if waiter.resume is not None:
            self._ready.append((waiter.resume, "sfn-resume"))
        elif waiter.cond is not None:
            waiter.cond.notify()

    def _take_ready(self) -> list[tuple[Callable[[], object], str]]:
        ready, self._ready = self._ready, []
        return ready

    def call_at(self, when: datetime, action: Callable[[], object]) -> None:
        with self._lock:
            heapq.heappush(self._timers, _Timer(_utc(when), next(self._seq), action=action))
            self._advance()
            ready = self._take_ready()
        threads.spawn_all(ready)

    def sleep_until(self, when: datetime) -> None:
        self.block(Waiter(), when)

    def _advance(self) -> None:
        """Start the next round, or jump to the earliest timer while nobody is working.

        Caller holds the lock. Waiting branches always go before time moves: they are work
        due now. A jump wakes every waiter and starts every action due at the new instant.
        """
        if self._settling > 0 and self._branch_active <= 0:
            self._round += 1
            self._active += self._settling
            self._branch_active += self._settling
            self._settling = 0
            self._round_changed.notify_all()
            return
        if self._active > 0 or self._blocked <= 0:
            return
        while self._timers and self._active <= 0:
            if self._pop_dead():
                continue
            due = self._timers[0].due
            if due > self._now:
                self._now = due
            while self._timers and self._timers[0].due <= self._now:
                timer = heapq.heappop(self._timers)
                if timer.waiter is not None:
                    if timer.waiter.fired:
                        self._dead -= 1
                        continue
                    timer.waiter.fired = True
                    timer.waiter.timed_out = True
                    self._wake(timer.waiter)
                elif timer.action is not None:
                    self._active += 1
                    action = timer.action
                    self._ready.append((functools.partial(self._run_action, action), "sfn-timer"))

    def _pop_dead(self) -> bool:
        head = self._timers[0]
        if head.waiter is not None and head.waiter.fired:
            heapq.heappop(self._timers)
            self._dead -= 1
            return True
        return False

    def _compact(self) -> None:
        """Drop fired waiters' timers once they make up most of the heap (task tokens answered early)."""
        if self._dead > 1024 and self._dead * 2 > len(self._timers):
            self._timers = [t for t in self._timers if t.waiter is None or not t.waiter.fired]
            heapq.heapify(self._timers)
            self._dead = 0

    def _run_action(self, action: Callable[[], object]) -> None:
        try:
            action()
        except Exception as exc:  # a scheduled action failing must not kill the scheduler
            _log.warning("scheduled action %r failed: %s: %s", action, type(exc).__name__, exc)
        finally:
            self.leave()


class RealClock:
    """Wall-clock time, for running a workflow at its real pace (e.g. against real services)."""

    @contextmanager
    def participating(self) -> Iterator[None]:
        yield

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __init__(self) -> None:
        self._rounds = itertools.count(1)
        self._round = 0

    def enter(self, branch: bool = False) -> None:
        pass

    def leave(self, branch: bool = False) -> None:
        pass

    def bind_branch_thread(self) -> None:
        pass

    def settle(self) -> int:
        # Real time has no rounds: every boundary is a new one, so a request takes effect at
        # the next boundary.
        with _REAL_LOCK:
            self._round = next(self._rounds)
            return self._round

    def current_round(self) -> int:
        with _REAL_LOCK:
            return self._round

    def block(self, waiter: Waiter, deadline: datetime | None = None) -> bool:
        with _REAL_LOCK:
            if waiter.fired:
                return not waiter.timed_out
            waiter.blocked = True
            if waiter.event is None:
                waiter.event = threading.Event()
            event = waiter.event
        timeout = None if deadline is None else max(0.0, (_utc(deadline) - self.now()).total_seconds())
        with threads.blocking():
            signalled = event.wait(timeout)
        with _REAL_LOCK:
            if not signalled and not waiter.fired:
                waiter.fired = True
                waiter.timed_out = True
            return not waiter.timed_out

    def park(self, waiter: Waiter, deadline: datetime | None, resume: Callable[[], object]) -> None:
        # Real time has no participants to count: a worker simply waits, then resumes.
        def wait_then_resume() -> None:
            self.block(waiter, deadline)
            resume()

        threads.spawn(wait_then_resume, "sfn-resume")

    def fire(self, waiter: Waiter, value: Any = None) -> bool:
        with _REAL_LOCK:
            if waiter.fired:
                return False
            waiter.fired = True
            waiter.value = value
            if waiter.event is None:
                waiter.event = threading.Event()
            waiter.event.set()
            return True

    def call_at(self, when: datetime, action: Callable[[], object]) -> None:
        delay = max(0.0, (_utc(when) - self.now()).total_seconds())

        def run() -> None:
            try:
                action()
            except Exception as exc:
                _log.warning("scheduled action %r failed: %s: %s", action, type(exc).__name__, exc)

        timer = threading.Timer(delay, run)
        timer.daemon = True
        timer.start()

    def sleep_until(self, when: datetime) -> None:
        delay = (_utc(when) - self.now()).total_seconds()
        if delay > 0:
            with threads.blocking():
                time.sleep(delay)


_REAL_LOCK = threading.Lock()
_log = logging.getLogger("durable_sfn.engine")
