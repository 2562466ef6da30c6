"""Threads for executions: each execution runs on its own thread, and finished threads are reused.

An execution blocks its thread while it waits (a Wait state, a task token), so executions cannot
share a fixed pool. But starting a thread costs far more than running a short execution:
`Thread.start` waits for the new thread to be scheduled, and thousands of starts from many
client threads spend most of their time in that handshake. So a thread that finishes an
execution waits a while for the next one to start before it ends, and a start hands its
execution to such an idle thread when there is one.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections import deque
from collections.abc import Callable

__all__ = ["spawn"]

IDLE_SECONDS = 30.0
"""How long (real seconds) a finished thread waits for another execution before it ends."""

_lock = threading.Lock()
_work = threading.Condition(_lock)
_queue: deque[tuple[Callable[[], object], str]] = deque()
_idle = 0
_log = logging.getLogger("durable_sfn.engine")


def spawn(target: Callable[[], object], name: str) -> None:
    """Run `target()` on an idle engine thread, or on a new one; the thread is named `name`."""
    with _lock:
        if _idle > len(_queue):
            _queue.append((target, name))
            _work.notify()
            return
    threading.Thread(target=_worker, args=(target,), name=name, daemon=True).start()


def _worker(target: Callable[[], object]) -> None:
    global _idle
    while True:
        try:
            # A fresh context for every job: nothing set by one execution leaks into the next.
            contextvars.Context().run(target)
        except Exception as exc:  # the target handles its own errors; this only keeps the thread
            _log.warning("engine thread job %r failed: %s: %s", target, type(exc).__name__, exc)
        with _lock:
            _idle += 1
            try:
                while not _queue:
                    if not _work.wait(IDLE_SECONDS) and not _queue:
                        return
                target, name = _queue.popleft()
            finally:
                _idle -= 1
        threading.current_thread().name = name
