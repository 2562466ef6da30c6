"""External events of one direct-run instance: buffered data and waiting receivers.

Events of one name are received in the order they were raised (as Durable Functions queues
them); a receiver that gives up (timeout, cancelled branch) never consumes an event.
"""

from __future__ import annotations

from collections import deque
from datetime import timedelta
from typing import Any

import durable_sfn.testing.jsonvalues as jsonvalues
from durable_sfn.testing.errors import TIMEOUT_ERROR, mark
from durable_sfn.testing.scheduler import Future, Scheduler


class Mailbox:
    """External events of one instance: buffered data and waiting receivers, FIFO per name."""

    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler
        self._buffered: dict[str, deque[Any]] = {}
        self._waiting: dict[str, deque[Future[Any]]] = {}

    def raise_event(self, name: str, data: Any) -> None:
        waiting = self._waiting.get(name)
        while waiting:
            receiver = waiting.popleft()
            if not receiver.done:
                receiver.set_result(jsonvalues.roundtrip(data, f"data of event {name!r}"))
                return
        self._buffered.setdefault(name, deque()).append(data)

    def receive(self, name: str, instance_id: str, timeout: timedelta | None) -> Future[Any]:
        queue: deque[Future[Any]] = self._waiting.setdefault(name, deque())
        future = self._scheduler.future(
            f"external event {name!r} of {instance_id} ("
            + ("no timeout" if timeout is None else f"timeout {timeout}")
            + ")",
            on_cancel=lambda: queue.remove(future) if future in queue else None,
        )
        buffered = self._buffered.get(name)
        if buffered:
            future.set_result(jsonvalues.roundtrip(buffered.popleft(), f"data of event {name!r}"))
            return future
        queue.append(future)
        if timeout is not None:
            # Step Functions reports a task token that timed out with an empty Cause, so the
            # message (str(e), e.message) is empty in both runs.
            error = TimeoutError()
            mark(error, TIMEOUT_ERROR, "")
            self._scheduler.call_at(self._scheduler.now + timeout, lambda: future.set_exception(error))
        return future

    def blocked(self) -> list[str]:
        return [f.description for queue in self._waiting.values() for f in queue if not f.done]
