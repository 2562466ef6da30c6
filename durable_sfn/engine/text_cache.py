"""A least-recently-used cache keyed by expression text, bounded by the total length of the texts.

Why by length: jsonata-python's syntax tree of an expression costs about 400 bytes of memory per
character of its text, and a compiled orchestrator's expressions run to kilobytes (its helper
functions travel inside each one). A bound of 4,096 entries let the parse cache alone hold
gigabytes, and a long differential run died of memory after 4,500 programs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class TextCache(Generic[V]):
    """Values by text; the least recently used go first once the texts pass `max_chars` (the newest
    entry always stays, however long). Safe to share between threads."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._entries: OrderedDict[str, V] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def chars(self) -> int:
        return self._chars

    def get(self, text: str) -> tuple[bool, V | None]:
        """(found, value): a cached value may itself be None."""
        with self._lock:
            if text not in self._entries:
                return False, None
            self._entries.move_to_end(text)
            return True, self._entries[text]

    def put(self, text: str, value: V) -> None:
        with self._lock:
            if text in self._entries:
                self._entries.move_to_end(text)
            else:
                self._chars += len(text)
            self._entries[text] = value
            while self._chars > self.max_chars and len(self._entries) > 1:
                old, _ = self._entries.popitem(last=False)
                self._chars -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._chars = 0
