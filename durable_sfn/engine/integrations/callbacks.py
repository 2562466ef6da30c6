"""Task tokens: `.waitForTaskToken` tasks park here until send_task_success/failure/heartbeat.

A token record holds the outcome and the waiter of the blocked branch. Heartbeats wake the
branch only to push its heartbeat deadline forward; success/failure end the wait.
"""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from durable_sfn.engine import errors
from durable_sfn.engine.branch import Branch
from durable_sfn.engine.clock import Waiter
from durable_sfn.engine.integrations.base import TaskFailure


@dataclass
class TokenRecord:
    token: str
    execution_arn: str
    state_name: str
    heartbeat_seconds: int | None
    outcome: tuple[str, Any] | None = None  # ("success", output) | ("failure", (error, cause))
    waiter: Waiter | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    heartbeat_pending: bool = False


class TokenRegistry(Protocol):
    """Where parked tokens are found by send_task_success/failure/heartbeat (the client)."""

    def register_token(self, token: str, record: TokenRecord) -> None: ...

    def forget_token(self, token: str) -> None: ...


def new_token() -> str:
    """An opaque task token (AWS's are long base64 strings; ours are unique and unguessable)."""
    return uuid.uuid4().hex + uuid.uuid4().hex


_TOKEN = re.compile(r"^[0-9a-f]{64}$")


def well_formed(token: str) -> bool:
    """Whether `token` could have come from `new_token` (else AWS's InvalidToken, not TaskDoesNotExist)."""
    return bool(_TOKEN.match(token))


class TaskTimedOut(TaskFailure):
    """States.Timeout or States.HeartbeatTimeout while waiting on a task."""


def settle(clock: Any, record: TokenRecord, outcome: tuple[str, Any] | None) -> bool:
    """Deliver success/failure (or a heartbeat when `outcome` is None). False if already settled."""
    with record.lock:
        if record.outcome is not None:
            return False
        if outcome is None:
            record.heartbeat_pending = True
        else:
            record.outcome = outcome
        waiter = record.waiter
    if waiter is not None:
        clock.fire(waiter, "wake")
    return True


def await_token(branch: Branch, record: TokenRecord, deadline: datetime | None) -> Any:
    """Block until the token is settled; apply TimeoutSeconds and HeartbeatSeconds."""
    clock = branch.clock
    heartbeat_deadline = (
        clock.now() + timedelta(seconds=record.heartbeat_seconds) if record.heartbeat_seconds else None
    )
    while True:
        with record.lock:
            if record.outcome is not None:
                break
            if record.heartbeat_pending:
                record.heartbeat_pending = False
                if record.heartbeat_seconds:
                    heartbeat_deadline = clock.now() + timedelta(seconds=record.heartbeat_seconds)
            waiter = Waiter()
            record.waiter = waiter
        candidates = [d for d in (deadline, heartbeat_deadline) if d is not None]
        until = min(candidates) if candidates else None
        fired = branch.wait(waiter, until)
        if not fired:
            with record.lock:
                if record.outcome is None and not record.heartbeat_pending:
                    record.outcome = ("expired", None)
                    if deadline is not None and until == deadline:
                        raise TaskTimedOut(errors.TIMEOUT, "")
                    raise TaskTimedOut(errors.HEARTBEAT_TIMEOUT, "")
    kind, value = record.outcome
    if kind == "failure":
        error, cause = value
        raise TaskFailure(error, cause)
    return value
