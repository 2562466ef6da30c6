"""Listing instances page by page across state machines, and the results of list and purge.

Step Functions lists executions per state machine, newest first, in pages (ListExecutions,
`maxResults` / `nextToken`). Durable lists instances of every orchestrator at once, `top` at a
time, with a continuation token. `InstanceLister` merges the per-machine listings newest first
and stops after the page: a page of N instances costs one ListExecutions call per state machine
still in the running (plus one per 100 executions read), and the continuation token records, for
each state machine, the ListExecutions page it stopped in and how far into it. `created_from`
ends a state machine's listing at its first older execution, so recent instances are cheap to
list however long the history.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from durable_sfn.client.status import (
    OrchestrationClientError,
    OrchestrationStatus,
    aware,
    status_from_description,
)

# Executions asked for per ListExecutions call (AWS's default page).
FETCH_SIZE = 100
_TOKEN_VERSION = 1


class InstancePage(list[OrchestrationStatus]):
    """One page of `list_instances`: the instances, and `continuation_token` (None on the last page)."""

    def __init__(self, items: list[OrchestrationStatus], continuation_token: str | None = None) -> None:
        super().__init__(items)
        self.continuation_token = continuation_token


@dataclass(frozen=True)
class PurgeHistoryResult:
    """How many instances a purge removed (Durable's `PurgeHistoryResult.instances_deleted`)."""

    instances_deleted: int


@dataclass
class _Cursor:
    """Where one state machine's listing stands: the ListExecutions page and how far into it."""

    machine_arn: str
    token: str | None = None  # the nextToken that fetched the current page (None: the first)
    skip: int = 0  # executions of that page already consumed
    done: bool = False
    buffer: list[dict[str, Any]] = field(default_factory=list)
    next_token: str | None = None  # the page after the buffered one
    loaded: bool = False


class InstanceLister:
    """Newest-first instances of several state machines, resumable from a continuation token."""

    def __init__(
        self,
        list_executions: Callable[..., dict[str, Any]],
        machine_arns: list[str],
        *,
        status_filter: str | None,
        created_from: datetime | None,
        created_to: datetime | None,
        continuation_token: str | None = None,
    ) -> None:
        self._list = list_executions
        self._status = status_filter
        self._from = aware(created_from) if created_from is not None else None
        self._to = aware(created_to) if created_to is not None else None
        saved = decode_continuation(continuation_token) if continuation_token else {}
        self._cursors: list[_Cursor] = []
        for arn in dict.fromkeys(machine_arns):
            cursor = _Cursor(arn)
            if arn in saved:
                cursor.token, cursor.skip, cursor.done = saved[arn]
            self._cursors.append(cursor)

    def take(self, limit: int | None) -> InstancePage:
        """The next `limit` instances (all of them for None), with the token to continue."""
        heads: list[tuple[float, str, int]] = []
        for index, cursor in enumerate(self._cursors):
            head = self._head(cursor)
            if head is not None:
                heads.append(_order(head, index))
        heapq.heapify(heads)
        found: list[OrchestrationStatus] = []
        while heads and (limit is None or len(found) < limit):
            _key, _arn, index = heapq.heappop(heads)
            cursor = self._cursors[index]
            execution = cursor.buffer.pop(0)
            cursor.skip += 1
            found.append(_status(execution))
            head = self._head(cursor)
            if head is not None:
                heapq.heappush(heads, _order(head, index))
        more = any(self._head(c) is not None for c in self._cursors)
        return InstancePage(found, encode_continuation(self._cursors) if more else None)

    def __iter__(self) -> Iterator[OrchestrationStatus]:
        while True:
            page = self.take(FETCH_SIZE)
            yield from page
            if page.continuation_token is None:
                return

    def _head(self, cursor: _Cursor) -> dict[str, Any] | None:
        """The newest execution of this state machine not yet listed, within the time window."""
        while not cursor.done:
            if not cursor.loaded:
                self._load(cursor)
                continue
            if not cursor.buffer:
                if cursor.next_token is None:
                    cursor.done = True
                    break
                cursor.token, cursor.skip, cursor.loaded = cursor.next_token, 0, False
                continue
            started = aware(cursor.buffer[0]["startDate"])
            if self._from is not None and started < self._from:
                cursor.done = True  # newest first: everything after is older still
                break
            if self._to is not None and started > self._to:
                cursor.buffer.pop(0)
                cursor.skip += 1
                continue
            return cursor.buffer[0]
        return None

    def _load(self, cursor: _Cursor) -> None:
        kwargs: dict[str, Any] = {"stateMachineArn": cursor.machine_arn, "maxResults": FETCH_SIZE}
        if self._status:
            kwargs["statusFilter"] = self._status
        if cursor.token:
            kwargs["nextToken"] = cursor.token
        page = self._list(**kwargs)
        cursor.buffer = list(page.get("executions", []))[cursor.skip :]
        cursor.next_token = page.get("nextToken")
        cursor.loaded = True


def _order(execution: dict[str, Any], index: int) -> tuple[float, str, int]:
    """Heap key: newest first, then by ARN, so pages are the same however they are cut."""
    return (-aware(execution["startDate"]).timestamp(), str(execution["executionArn"]), index)


def _status(execution: dict[str, Any]) -> OrchestrationStatus:
    return status_from_description(execution, show_input=False)


def encode_continuation(cursors: list[_Cursor]) -> str:
    """The cursors as a compact opaque token (it travels in an HTTP header)."""
    state = {
        c.machine_arn: [c.token, c.skip, c.done] for c in cursors if c.done or c.token is not None or c.skip
    }
    raw = json.dumps({"v": _TOKEN_VERSION, "m": state}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def decode_continuation(token: str) -> dict[str, tuple[str | None, int, bool]]:
    """The cursors a token names; OrchestrationClientError for anything else."""
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        data = json.loads(raw)
        if data.get("v") != _TOKEN_VERSION:
            raise ValueError("version")
        cursors: dict[str, tuple[str | None, int, bool]] = {}
        for arn, (next_token, skip, done) in data["m"].items():
            if not isinstance(arn, str) or not isinstance(skip, int) or not isinstance(done, bool):
                raise ValueError("cursor")
            if next_token is not None and not isinstance(next_token, str):
                raise ValueError("cursor")
            cursors[arn] = (next_token, skip, done)
        return cursors
    except (binascii.Error, zlib.error, UnicodeError, ValueError, TypeError, KeyError, AttributeError):
        raise OrchestrationClientError(
            f"invalid continuation token {token[:40]!r}: pass back the token of the previous page unchanged"
        ) from None
