"""The engine's threads: a pool that runs executions and timer actions, and never starves.

Why a pool and not a thread per job: a burst of jobs is common (5,000 executions whose Wait ends
at the same virtual instant all resume at once), and starting a thread costs far more than
running a short job: `Thread.start` waits for the new thread to be scheduled. So jobs queue, and
a bounded number of *runnable* workers takes them in turn.

Why it cannot deadlock although it is bounded: a worker that blocks (on the clock, for a task
token, a child execution or a fan-out round) says so with `blocking()`, and stops counting
against the bound; if jobs are waiting, a replacement starts at once. Blocking the engine does
not announce (a Lambda handler waiting on something of its own) is caught by a monitor: while
jobs wait and none has been taken for `STALL_SECONDS`, it starts another worker.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["blocking", "spawn", "spawn_all"]

IDLE_SECONDS = 30.0
"""How long (real seconds) an idle worker waits for another job before it ends."""

MAX_RUNNING = max(16, 4 * (os.cpu_count() or 1))
"""Workers that may run jobs at once, not counting those blocked in `blocking()`."""

STALL_SECONDS = 0.05
"""How long queued jobs may wait with no job taken before another worker starts anyway."""

_lock = threading.Lock()
_work = threading.Condition(_lock)
_queue: deque[tuple[Callable[[], object], str]] = deque()
_workers = 0  # live worker threads
_idle = 0  # workers waiting for a job
_blocked = 0  # workers inside `blocking()`
_taken = 0  # jobs taken so far (the monitor's sign of progress)
_monitoring = False
_local = threading.local()
_log = logging.getLogger("durable_sfn.engine")


def spawn(target: Callable[[], object], name: str) -> None:
    """Run `target()` on an engine thread (named `name` while it runs)."""
    spawn_all([(target, name)])


def spawn_all(jobs: list[tuple[Callable[[], object], str]]) -> None:
    """Queue several jobs at once; starts only the workers the bound allows."""
    if not jobs:
        return
    with _lock:
        _queue.extend(jobs)
        wake = min(_idle, len(jobs))
        for _ in range(wake):
            _work.notify()
        starts = max(0, min(len(_queue) - _idle, MAX_RUNNING - (_workers - _blocked - _idle)))
        _reserve(starts)
        watch = _start_monitor()
    _start(starts)
    if watch:
        threading.Thread(target=_monitor, name="engine-pool-monitor", daemon=True).start()


@contextmanager
def blocking() -> Iterator[None]:
    """Mark the calling worker as blocked for the `with` block, so queued jobs get a worker."""
    global _blocked
    if not getattr(_local, "worker", False):
        yield
        return
    with _lock:
        _blocked += 1
        starts = 1 if _queue and _idle == 0 and _workers - _blocked < MAX_RUNNING else 0
        _reserve(starts)
    _start(starts)
    try:
        yield
    finally:
        with _lock:
            _blocked -= 1


def _reserve(count: int) -> None:
    """Count `count` workers as live before they start (caller holds the lock)."""
    global _workers
    _workers += count


def _start(count: int) -> None:
    for _ in range(count):
        threading.Thread(target=_worker, name="engine-worker", daemon=True).start()


def _start_monitor() -> bool:
    """Whether the caller must start the monitor (caller holds the lock)."""
    global _monitoring
    if _monitoring or not _queue:
        return False
    _monitoring = True
    return True


def _monitor() -> None:
    """While jobs wait, start a worker whenever none has been taken for a while."""
    global _monitoring
    last = -1
    pause = threading.Event()  # never set: a real-time pause (pool progress, not modelled time)
    while True:
        pause.wait(STALL_SECONDS)
        with _lock:
            if not _queue:
                _monitoring = False
                return
            stalled = _taken == last and _idle == 0
            last = _taken
            if stalled:
                _reserve(1)
        if stalled:
            _start(1)


def _worker() -> None:
    global _idle, _taken, _workers
    _local.worker = True
    thread = threading.current_thread()
    try:
        while True:
            with _lock:
                _idle += 1
                try:
                    while not _queue:
                        if not _work.wait(IDLE_SECONDS) and not _queue:
                            return
                    target, name = _queue.popleft()
                    _taken += 1
                finally:
                    _idle -= 1
            thread.name = name
            try:
                # A fresh context for every job: nothing set by one job leaks into the next.
                contextvars.Context().run(target)
            except Exception as exc:  # the job handles its own errors; this only keeps the thread
                _log.warning("engine thread job %r failed: %s: %s", target, type(exc).__name__, exc)
            # An idle worker must not keep its last job alive: the job holds its execution, and
            # through it the whole engine that ran it, long after the engine was dropped.
            del target
    finally:
        with _lock:
            _workers -= 1
