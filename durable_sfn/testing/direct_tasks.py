"""The task objects of a direct run, and `task_any`.

Every ctx operation of `DirectContext` returns a `DirectTask`: a coroutine (so `await`, `task_all`
and the scheduler take it as before) that remembers its result, so that after
`winner = await ctx.task_any([approval, timer])` the orchestrator can compare `winner == approval`
and read `.result` / `.get_result()` / `.is_completed`, as the compiled race lets it (see
`durable_sfn.compiler.frontend.races`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Coroutine, Generator
from typing import Any, TypeVar

from durable_sfn.testing.scheduler import Future, Scheduler

T = TypeVar("T")
A = TypeVar("A", bound=Awaitable[Any])


class DirectTask(Coroutine[Any, Any, T]):
    """A ctx operation not yet awaited: awaitable once, then holds its result."""

    def __init__(self, coro: Coroutine[Any, Any, T]) -> None:
        self._inner = coro
        self._completed = False
        self._value: T | None = None
        self._started: Coroutine[Any, Any, T] | None = None  # made when first awaited

    @property
    def _runner(self) -> Coroutine[Any, Any, T]:
        if self._started is None:
            self._started = self._run()
        return self._started

    async def _run(self) -> T:
        value = await self._inner
        self._completed, self._value = True, value
        return value

    @property
    def result(self) -> T:
        return self._value  # type: ignore[return-value]  # None until completed, as in Durable

    def get_result(self) -> T:
        return self._value  # type: ignore[return-value]

    @property
    def is_completed(self) -> bool:
        return self._completed

    def cancel(self) -> None:
        """Accepted for Durable's `timer.cancel()`: a race has already cancelled its losers."""

    def send(self, value: Any) -> Any:
        return self._runner.send(value)

    def throw(self, *args: Any) -> Any:
        return self._runner.throw(*args)

    def close(self) -> None:
        if self._started is not None:
            self._started.close()
        self._inner.close()

    def __await__(self) -> Generator[Any, None, T]:
        return self._runner.__await__()


async def task_any(scheduler: Scheduler, items: list[A]) -> A:
    """The first of `items` to finish; the others are cancelled. A failure that finishes first
    fails the race with its error (the compiled Parallel fails with the branch's error)."""
    if not items:
        raise ValueError("task_any needs at least one task")  # as the compiled race (NO_TASKS)
    context = contextvars.copy_context()
    running: list[Future[Any]] = []

    def stop_all() -> None:
        for task in running:
            task.cancel()

    joined: Future[A] = scheduler.future("task_any", on_cancel=stop_all)

    def finished(item: A, done: Future[Any]) -> None:
        if joined.done:
            return
        stop_all()
        if done.exception is not None:
            joined.set_exception(done.exception)
        else:
            joined.set_result(item)

    for item in items:
        task = scheduler.spawn(_awaiting(item), context)
        running.append(task)
        task.add_done_callback(lambda done, item=item: finished(item, done))  # type: ignore[misc]
    return await joined


async def _awaiting(item: Awaitable[T]) -> T:
    return await item
