"""A tiny single-threaded scheduler with virtual time, the engine room of `run_direct`.

Orchestrator code is `async def`, but it must not run on asyncio: asyncio's clock is real, and
a direct run has to jump over a two-hour timer instantly while keeping concurrent branches in
step (a branch sleeping 5 minutes wakes before one sleeping 10). So coroutines are driven here
by hand: a coroutine suspends by awaiting a `Future`; the scheduler resumes it when the future
completes; when nothing is runnable, virtual time jumps to the earliest timer.

Cancelling a task closes its coroutine (so `finally` blocks run, `except Exception` does not
see it) and cancels whatever it was waiting on, which is how `task_all` stops the remaining
branches once one fails.
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import itertools
from collections import deque
from collections.abc import Callable, Coroutine, Generator
from datetime import datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class StuckOrchestrationError(RuntimeError):
    """Every branch waits for something that can never happen (an event nobody raises)."""


class UnsupportedAwaitError(TypeError):
    """Orchestrator code awaited something that is not an orchestration task (asyncio, I/O)."""


class Future(Generic[T]):
    """A value that becomes available later; `await` it inside a coroutine run by a `Scheduler`."""

    def __init__(self, scheduler: Scheduler, on_cancel: Callable[[], None] | None = None) -> None:
        self._scheduler = scheduler
        self._done = False
        self._cancelled = False
        self._result: Any = None
        self._exception: BaseException | None = None
        self._callbacks: list[Callable[[Future[T]], None]] = []
        self._on_cancel = on_cancel
        # What a blocked coroutine is waiting for, for the "stuck" diagnostic.
        self.description = ""

    @property
    def done(self) -> bool:
        return self._done

    def set_result(self, value: T) -> None:
        if not self._done:
            self._done, self._result = True, value
            self._run_callbacks()

    def set_exception(self, exc: BaseException) -> None:
        if not self._done:
            self._done, self._exception = True, exc
            self._run_callbacks()

    def cancel(self) -> None:
        if self._done:
            return
        self._done = self._cancelled = True
        self._callbacks.clear()
        if self._on_cancel is not None:
            self._on_cancel()

    def result(self) -> T:
        if self._exception is not None:
            raise self._exception
        return self._result  # type: ignore[no-any-return]

    @property
    def exception(self) -> BaseException | None:
        return self._exception

    def add_done_callback(self, callback: Callable[[Future[T]], None]) -> None:
        if self._done:
            if not self._cancelled:
                self._scheduler.soon(lambda: callback(self))
        else:
            self._callbacks.append(callback)

    def _run_callbacks(self) -> None:
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            self._scheduler.soon(lambda cb=callback: cb(self))  # type: ignore[misc]

    def __await__(self) -> Generator[Any, None, T]:
        if not self._done:
            yield self
        return self.result()


class Task(Future[T]):
    """A coroutine driven by the scheduler; itself a future of the coroutine's result."""

    def __init__(
        self, scheduler: Scheduler, coro: Coroutine[Any, Any, T], context: contextvars.Context | None = None
    ) -> None:
        super().__init__(scheduler)
        self._coro = coro
        # Each task runs in its own copy of the context it was spawned from, as asyncio's do, so
        # context variables (which instance is logging) stay with the code that set them.
        self._context = context.copy() if context is not None else contextvars.copy_context()
        self._waiting_on: Future[Any] | None = None
        scheduler.soon(lambda: self._step(None, None))

    @property
    def waiting_on(self) -> Future[Any] | None:
        return self._waiting_on

    def _step(self, value: Any, exc: BaseException | None) -> None:
        if self._done:
            return
        self._waiting_on = None
        try:
            if exc is not None:
                yielded = self._context.run(self._coro.throw, exc)
            else:
                yielded = self._context.run(self._coro.send, value)
        except StopIteration as stop:
            self.set_result(stop.value)
            return
        except BaseException as failure:  # the coroutine's own failure is this task's result
            self.set_exception(failure)
            return
        if not isinstance(yielded, Future):
            self._context.run(self._coro.close)  # `finally` blocks run in the task's own context
            misuse = UnsupportedAwaitError(
                f"an orchestrator awaited {yielded!r}: only the awaitables returned by the "
                "OrchestrationContext (ctx.call_activity, ctx.create_timer, ctx.task_all, ...) "
                "and async functions awaiting them can be awaited (no asyncio, no I/O)"
            )
            self._scheduler.misuse.append(misuse)
            self.set_exception(misuse)
            return
        self._waiting_on = yielded
        yielded.add_done_callback(self._wake)

    def _wake(self, future: Future[Any]) -> None:
        if future is not self._waiting_on:
            return
        if future.exception is not None:
            self._step(None, future.exception)
        else:
            self._step(future.result(), None)

    def cancel(self) -> None:
        if self._done:
            return
        waiting, self._waiting_on = self._waiting_on, None
        super().cancel()
        if waiting is not None:
            waiting.cancel()
        # `finally` blocks run in the task's own context. One that fails, or awaits (close() raises
        # then), stops the branch all the same, as a stopped Map iteration is; its error is not the
        # orchestration's (that is the error which stopped it).
        with contextlib.suppress(Exception):
            self._context.run(self._coro.close)


class Scheduler:
    """Runs tasks until a main task finishes; time is virtual and starts at `start`."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self._ready: deque[Callable[[], None]] = deque()
        self._timers: list[tuple[datetime, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        # Errors in how the orchestrator uses the runtime: reported even if the code catches them.
        self.misuse: list[Exception] = []

    def soon(self, action: Callable[[], None]) -> None:
        self._ready.append(action)

    def call_at(self, when: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (when, next(self._seq), action))

    def future(self, description: str = "", on_cancel: Callable[[], None] | None = None) -> Future[Any]:
        future: Future[Any] = Future(self, on_cancel)
        future.description = description
        return future

    def sleep_until(self, when: datetime, description: str = "") -> Future[None]:
        future = self.future(description or f"timer until {when.isoformat()}")
        self.call_at(when, lambda: future.set_result(None))
        return future

    def checkpoint(self) -> Future[None]:
        """Yield to sibling branches without advancing time (branches interleave as on Map)."""
        future = self.future("checkpoint")
        self.soon(lambda: future.set_result(None))
        return future

    def spawn(self, coro: Coroutine[Any, Any, T], context: contextvars.Context | None = None) -> Task[T]:
        """Run `coro` as a task, in a copy of `context` (default: the current context)."""
        return Task(self, coro, context)

    def run(self, main: Task[T], describe_blocked: Callable[[], str]) -> None:
        """Drive everything until `main` is done; raise StuckOrchestrationError on deadlock."""
        while not main.done:
            if self._ready:
                self._ready.popleft()()
                continue
            if not self._timers:
                raise StuckOrchestrationError(describe_blocked())
            when, _, action = heapq.heappop(self._timers)
            if when > self.now:
                self.now = when
            action()
