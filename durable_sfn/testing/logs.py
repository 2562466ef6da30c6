"""What a direct run's orchestrator logs, collected for `ExecutionResult.logs`.

The orchestrator's `logging` calls and `print()`s behave as they always do (handlers, stdout);
besides, while `capture()` is active, each record the orchestrator's own code produces is kept for
the instance it belongs to, the way the compiled run keeps it in that instance's history: the
code of a sub-orchestrator, an activity or an entity is not the orchestrator's. Which instance a
piece of code belongs to travels in a context variable; the direct run's scheduler runs every
task in its own context (as asyncio does), so concurrent branches keep theirs.

A logging record is collected when Python's logging lets it through to the root logger's
handlers (raise the level, e.g. `caplog.set_level(logging.DEBUG)`, to see debug records); the
compiled run records every level.
"""

from __future__ import annotations

import builtins
import contextlib
import logging
from collections.abc import Coroutine, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from durable_sfn.client.logs import LogRecord

T = TypeVar("T")

_CURRENT: ContextVar[list[LogRecord] | None] = ContextVar("durable_sfn_orchestrator_logs", default=None)


class _Collector(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        records = _CURRENT.get()
        if records is not None:
            try:
                message = record.getMessage()
            except Exception:  # logging reports a bad format itself; there is no message to keep
                return
            records.append(LogRecord(record.levelname, record.name, message))


@contextlib.contextmanager
def capture() -> Iterator[None]:
    """Collect records for the instances run inside (see `instance`)."""
    handler = _Collector()
    root = logging.getLogger()
    original_print = builtins.print

    def print_(*values: Any, sep: str | None = " ", end: str | None = "\n", **kwargs: Any) -> None:
        records = _CURRENT.get()
        if records is not None and kwargs.get("file") is None:
            records.append(LogRecord("PRINT", None, (" " if sep is None else sep).join(map(str, values))))
        original_print(*values, sep=sep, end=end, **kwargs)

    root.addHandler(handler)
    setattr(builtins, "print", print_)  # noqa: B010 - replaced for the run, restored below
    try:
        yield
    finally:
        setattr(builtins, "print", original_print)  # noqa: B010
        root.removeHandler(handler)


async def instance(records: list[LogRecord] | None, body: Coroutine[Any, Any, T]) -> T:
    """Run an orchestrator's body, its records going to `records` (None: not collected)."""
    token = _CURRENT.set(records)
    try:
        return await body
    finally:
        _CURRENT.reset(token)


@contextlib.contextmanager
def outside() -> Iterator[None]:
    """Code that is not the orchestrator's (an activity, an entity operation)."""
    token = _CURRENT.set(None)
    try:
        yield
    finally:
        _CURRENT.reset(token)
