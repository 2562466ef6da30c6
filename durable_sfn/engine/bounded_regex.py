"""Regular expressions written by users (JSONata `/.../` literals), matched at a bounded cost.

Python's `re` backtracks: `(a+)+$` on 32 `a`s and a `!` runs for hours, holding the interpreter
lock the whole time, so every other execution of the process stops with it. So patterns are
compiled with RE2 (google-re2), which matches in time linear in the text and never backtracks.

RE2 refuses what cannot be matched without backtracking: backreferences (`\\1`) and lookaround
(`(?=`, `(?<=`, ...), and it does not know the `\\uXXXX` escape. Such a pattern falls back to the
`regex` package, run without holding the interpreter lock (`concurrent=True`) and with a timeout
of `FALLBACK_SECONDS` per call (or the evaluation's remaining time, if less), so even a
pathological one ends soon and never freezes other threads. (The `regex` timeout is checked
periodically and may overshoot by a factor of two or so; a stopped execution's call in flight
runs to that timeout.)

Semantics, compared with the JavaScript regular expressions AWS evaluates:
- RE2 agrees with JavaScript where Python's `re` does not: `$` matches only at the very end
  (not before a final newline) and `\\d`, `\\b` are ASCII-only.
- RE2's `\\s` is ASCII whitespace (JavaScript's also matches Unicode spaces such as U+00A0), and
  `.` excludes only `\\n` (JavaScript's also excludes `\\r`, U+2028 and U+2029).
Replacements go through one size check: `$replace` stops as soon as its result would pass the
256 KiB bound, however many matches remain.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import re2  # type: ignore[import-untyped]
import regex  # type: ignore[import-untyped]

from durable_sfn.engine import bounds

__all__ = ["BoundedPattern", "compile_pattern"]

FALLBACK_SECONDS = 1.0
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a pattern RE2 refuses falls back quietly
_GROUP_REF = re.compile(r"\\g<(\d+)>|\\(\d+)")


class BoundedPattern:
    """A compiled user pattern with the interface jsonata-python expects of `re.Pattern`."""

    __slots__ = ("_fallback", "_pattern", "groups", "pattern")

    def __init__(self, pattern: str, compiled: Any, fallback: bool) -> None:
        self.pattern = pattern
        self._pattern = compiled
        self._fallback = fallback
        self.groups: int = compiled.groups

    def __repr__(self) -> str:
        return f"/{self.pattern}/"

    def _kw(self) -> dict[str, Any]:
        if not self._fallback:
            return {}
        guard = bounds.current_guard()
        timeout = min(FALLBACK_SECONDS, guard.remaining()) if guard is not None else FALLBACK_SECONDS
        return {"timeout": max(timeout, 0.001), "concurrent": True}

    def _run(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except TimeoutError:
            bounds.refuse(
                bounds.BoundExceeded(
                    "D1012",
                    f"the regular expression /{self.pattern}/ ran out of time (it backtracks: RE2, which "
                    "cannot, does not support its backreferences or lookaround)",
                )
            )

    def search(self, string: str, pos: int = 0) -> Any:
        return self._run(lambda: self._pattern.search(string, pos, **self._kw()))

    def match(self, string: str, pos: int = 0) -> Any:
        return self._run(lambda: self._pattern.match(string, pos, **self._kw()))

    def finditer(self, string: str) -> Iterator[Any]:
        matches: Iterator[Any] = self._run(lambda: self._pattern.finditer(string, **self._kw()))
        while True:
            found = self._run(lambda: next(matches, None))
            if found is None:
                return
            yield found

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        parts: list[str] = self._run(lambda: self._pattern.split(string, maxsplit, **self._kw()))
        return parts

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        """Replace matches, refusing a result longer than MAX_BUILD before building it."""
        if callable(repl):
            produce: Callable[[Any], str] = repl
        else:
            template = str(repl)
            _check_group_refs(template, self.groups)
            produce = lambda m: str(m.expand(template))  # noqa: E731
        size = [len(string)]

        def counted(m: Any) -> str:
            out = produce(m)
            size[0] += len(out) - (m.end() - m.start())
            if size[0] > bounds.MAX_BUILD:
                bounds.refuse(bounds.too_large("the replaced string", size[0], "characters"))
            return out

        result: str = self._run(lambda: self._pattern.sub(counted, string, count, **self._kw()))
        return result


def _check_group_refs(template: str, groups: int) -> None:
    """Refuse a reference to a missing group with `re`'s own message (jsonata-python parses it)."""
    for m in _GROUP_REF.finditer(template):
        number = int(m.group(1) or m.group(2))
        if number > groups:
            raise re.error(f"invalid group reference {number} at position {m.start() + 3}")


def compile_pattern(pattern: str, flags: Any) -> BoundedPattern:
    """jsonata-python's `regex_engine` hook: `flags` has `case_insensitive` and `multiline`."""
    prefix = ("i" if flags.case_insensitive else "") + ("m" if flags.multiline else "")
    try:
        compiled = re2.compile(f"(?{prefix}){pattern}" if prefix else pattern, _RE2_OPTIONS)
        return BoundedPattern(pattern, compiled, fallback=False)
    except re2.error:
        pass
    native = (regex.IGNORECASE if flags.case_insensitive else 0) | (regex.MULTILINE if flags.multiline else 0)
    return BoundedPattern(pattern, regex.compile(pattern, native | regex.VERSION0), fallback=True)
