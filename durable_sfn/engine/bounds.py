"""Bounds on what one evaluation may cost, so no definition or input can hang or exhaust the engine.

Every JSONata evaluation, whatever evaluator runs it, goes through a `Guard`:
- time: at most `EvaluationLimits.seconds` of real time (a recursive function that never ends,
  a quadratic walk over a large array);
- depth: at most `EvaluationLimits.depth` nested evaluation steps (runaway recursion ends here,
  before Python's own recursion limit);
- size: no single step may build a string longer, or an array with more items, than
  `MAX_BUILD` (the 256 KiB payload limit: nothing bigger could leave the state anyway);
- stop: a stopped or timed-out execution ends its in-flight evaluations at once.

The evaluator reports each step to the guard (`enter`/`leave`), which checks all four. Loops
inside the evaluator that take no steps (a native walk over a large value) are covered by a
watchdog thread that interrupts the evaluating thread when its evaluation is overdue or stopped.

Values that enter the engine (execution input, task results, parsed JSON) are measured by
`json_extent` without recursion, so JSON nested deeper than `MAX_JSON_DEPTH` is refused with
an AWS-shaped error instead of a RecursionError, and a value that shares one object many times
(which is small in memory but huge as text) is refused before it is written out.

Regular expressions of users run on RE2, which matches in linear time; see `bounded_regex.py`.
"""

from __future__ import annotations

import ctypes
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from durable_sfn.engine.branch import Aborted
from durable_sfn.engine.clock import monotonic
from durable_sfn.engine.limits import MAX_PAYLOAD_BYTES

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_BUILD",
    "MAX_JSON_DEPTH",
    "BoundExceeded",
    "EvaluationLimits",
    "Guard",
    "current_guard",
    "json_extent",
    "load_json",
    "refuse",
]

MAX_JSON_DEPTH = 1000
"""Deepest JSON nesting accepted anywhere (the default of common JSON parsers, e.g. Jackson's)."""

MAX_BUILD = MAX_PAYLOAD_BYTES
"""Longest string (characters) and longest array (items) one evaluation step may build."""

T = TypeVar("T")


@dataclass(frozen=True)
class EvaluationLimits:
    """How long (real seconds) and how deep (nested steps) one expression evaluation may go."""

    seconds: float = 10.0
    depth: int = 1500


DEFAULT_LIMITS = EvaluationLimits()


class BoundExceeded(Exception):
    """An evaluation or a value went past a bound; `code` is a JSONata-style error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def too_long(limits: EvaluationLimits) -> BoundExceeded:
    return BoundExceeded(
        "D1012",
        f"the expression ran for more than {limits.seconds:g} s (a function that never returns?)",
    )


def too_deep(limits: EvaluationLimits) -> BoundExceeded:
    return BoundExceeded(
        "D1011",
        f"the expression nested more than {limits.depth} evaluation steps (a recursion that never ends? "
        "Consider rewriting it as tail-recursive)",
    )


def too_large(what: str, size: int, unit: str) -> BoundExceeded:
    return BoundExceeded(
        "D1013",
        f"{what} would have {size} {unit} or more; at most {MAX_BUILD} can be built "
        f"(the {MAX_PAYLOAD_BYTES // 1024} KiB payload limit)",
    )


def nested_too_deep(depth: int) -> BoundExceeded:
    return BoundExceeded("D1014", f"the JSON value is nested more than {depth} levels deep")


# --- measuring values without recursion ---------------------------------------------------------


# Named once: `list | tuple` written inside isinstance() builds a new union object on every call.
_SEQUENCE = (list, tuple)
# What `_quick_extent` puts on its stack rather than counting in place (a str subclass, too).
_WALKED = (dict, list, tuple, str)


def json_extent(value: Any, *, max_chars: int, max_depth: int = MAX_JSON_DEPTH, indent: int = 0) -> int:
    """A lower bound on the length of `value` as JSON text, walking at most about `max_chars` nodes.

    Raises BoundExceeded as soon as the bound passes `max_chars` or the nesting passes
    `max_depth`. Shared objects count once per reference, as they would be written, so a value
    built by doubling one object is refused quickly instead of being written out. `indent`
    counts the indentation of pretty-printed text. Anything that is not a list or dict counts
    as a scalar (a JSONata function is written as an empty string).
    """
    measured = _quick_extent(value, max_chars, max_depth, indent)
    if measured is not None:
        return measured[0]
    return _walk_extent(value, max_chars, max_depth, indent)


def json_measure(value: Any, *, max_chars: int, max_depth: int = MAX_JSON_DEPTH) -> tuple[int, int]:
    """`json_extent`, and how many levels of containers `value` has (0 for a scalar, 1 for a flat
    list or object): what a caller needs to bound a container holding `value` without walking it
    again. Raises as `json_extent` does."""
    measured = _quick_extent(value, max_chars, max_depth, 0)
    if measured is not None:
        return measured
    _walk_extent(value, max_chars, max_depth, 0)  # raises: a bound passed
    raise AssertionError("json_measure: the walk accepted what the count refused")


def _quick_extent(value: Any, max_chars: int, max_depth: int, indent: int) -> tuple[int, int] | None:
    """`json_extent` counting scalars where they are met, with the levels of containers, or None if
    a bound passes.

    Most values are measured on every state and fit easily; pushing each scalar on the stack
    cost more than the state's own work. The sum is the same. When a bound passes this returns
    None and `_walk_extent` raises, so the error and its figures are exactly the walk's. The
    bound is checked after each container, so work stays proportional to `max_chars`.
    """
    total = levels = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            total += len(item) + 2
        elif isinstance(item, dict):
            if depth >= max_depth:
                return None
            if depth >= levels:
                levels = depth + 1
            total += 2 + max(0, len(item) - 1)
            pad = 3 + indent * (depth + 1)
            for key, child in item.items():
                total += len(key if type(key) is str else str(key)) + pad
                if type(child) is str:
                    total += len(child) + 2
                elif isinstance(child, _WALKED):
                    stack.append((child, depth + 1))
                else:
                    total += 1
        elif isinstance(item, _SEQUENCE):
            if depth >= max_depth:
                return None
            if depth >= levels:
                levels = depth + 1
            total += 2 + max(0, len(item) - 1) + indent * (depth + 1) * len(item)
            for child in item:
                if type(child) is str:
                    total += len(child) + 2
                elif isinstance(child, _WALKED):
                    stack.append((child, depth + 1))
                else:
                    total += 1
        else:
            total += 1
        if total > max_chars:
            return None
    return total, levels


def _walk_extent(value: Any, max_chars: int, max_depth: int, indent: int) -> int:
    """The node-by-node walk of `json_extent`, whose errors (and their figures) callers see."""
    total = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            total += len(item) + 2
        elif isinstance(item, dict):
            if depth >= max_depth:
                raise nested_too_deep(max_depth)
            total += 2 + max(0, len(item) - 1)
            for key, child in item.items():
                total += len(str(key)) + 3 + indent * (depth + 1)
                stack.append((child, depth + 1))
        elif isinstance(item, _SEQUENCE):
            if depth >= max_depth:
                raise nested_too_deep(max_depth)
            total += 2 + max(0, len(item) - 1) + indent * (depth + 1) * len(item)
            stack.extend((child, depth + 1) for child in item)
        else:
            total += 1
        if total > max_chars:
            raise too_large("the value as JSON text", total, "characters")
    return total


def check_nesting(value: Any, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise BoundExceeded if `value` nests deeper than `max_depth` (no size bound)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth >= max_depth:
                raise nested_too_deep(max_depth)
            stack.extend((child, depth + 1) for child in item.values() if isinstance(child, dict | list))
        elif isinstance(item, list):
            if depth >= max_depth:
                raise nested_too_deep(max_depth)
            stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def load_json(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads`, refusing nesting deeper than `max_depth` with BoundExceeded (never RecursionError).

    Invalid JSON still raises ValueError, as json.loads does; so do `NaN`, `Infinity` and
    `-Infinity`, which Python's json reads but JSON (and AWS) does not have.
    """
    try:
        value = json.loads(text, parse_constant=_not_json)
    except RecursionError:
        raise nested_too_deep(max_depth) from None
    check_nesting(value, max_depth)
    return value


# --- guarding one evaluation --------------------------------------------------------------------


class Interrupted(BaseException):
    """Raised inside an evaluation to end it; a BaseException so evaluator code cannot swallow it."""


def _never() -> bool:
    return False


_local = threading.local()


def current_guard() -> Guard | None:
    """The guard of the evaluation running on this thread, if any (regex calls read its time)."""
    guard: Guard | None = getattr(_local, "guard", None)
    return guard


def refuse(reason: BoundExceeded) -> NoReturn:
    """End the evaluation running on this thread for `reason`, or raise it if none runs.

    Going through the guard means evaluator code that catches errors (JSONata's `$eval` turns
    any error into its own) cannot replace the reason with another.
    """
    guard = current_guard()
    if guard is None:
        raise reason
    guard.fail(reason)


class Guard:
    """The bounds of one evaluation: call `run(fn)` and report steps with `enter`/`leave`."""

    __slots__ = ("_reason", "cancelled", "deadline", "depth", "limits", "steps", "thread_id")

    # Steps between two looks at the clock and at the execution's stop; the watchdog covers the
    # steps in between (and evaluations taking no steps), so a bound is at most that late.
    CHECK_EVERY = 8

    def __init__(self, limits: EvaluationLimits = DEFAULT_LIMITS, cancelled: Callable[[], bool] = _never):
        self.limits = limits
        self.cancelled = cancelled
        self.deadline = monotonic() + limits.seconds
        self.depth = 0
        self.steps = 0
        self.thread_id = 0
        self._reason: BaseException | None = None

    def remaining(self) -> float:
        """Real seconds left to this evaluation (never negative)."""
        return max(0.0, self.deadline - monotonic())

    def enter(self, *_: Any) -> None:
        """One evaluation step starts."""
        self.depth += 1
        if self.depth > self.limits.depth:
            self._stop(too_deep(self.limits))
        self.steps += 1
        if self.steps % self.CHECK_EVERY:
            return
        if self.cancelled():
            self._stop(Aborted())
        if monotonic() > self.deadline:
            self._stop(too_long(self.limits))

    def leave(self, _expr: Any, _input: Any, _env: Any, result: Any) -> None:
        """One evaluation step ended with `result`: nothing it built may pass MAX_BUILD."""
        self.depth -= 1
        if isinstance(result, str):
            if len(result) > MAX_BUILD:
                self._stop(too_large("a string", len(result), "characters"))
        elif isinstance(result, list) and len(result) > MAX_BUILD:
            self._stop(too_large("an array", len(result), "items"))

    def check(self, size: int = 0, unit: str = "characters", what: str = "a result") -> None:
        """For native code about to build `size` units: stop now if the evaluation must end."""
        if size > MAX_BUILD:
            self._stop(too_large(what, size, unit))
        if self.cancelled():
            self._stop(Aborted())
        if monotonic() > self.deadline:
            self._stop(too_long(self.limits))

    def fail(self, reason: BaseException) -> NoReturn:
        """End this evaluation now for `reason` (raised to the caller of `run`)."""
        self._stop(reason)

    def _stop(self, reason: BaseException) -> NoReturn:
        if self._reason is None:
            self._reason = reason
        raise Interrupted()

    def overdue(self) -> BaseException | None:
        """Why the watchdog should end this evaluation now, if it should."""
        if self.cancelled():
            return Aborted()
        if monotonic() > self.deadline:
            return too_long(self.limits)
        return None

    def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` (one evaluation) under this guard.

        Raises BoundExceeded when a bound is passed and Aborted when the execution was stopped;
        any other error of `fn` passes through unchanged.
        """
        previous = current_guard()
        _local.guard = self
        self.thread_id = threading.get_ident()
        _WATCHDOG.add(self)
        interrupted = False
        try:
            result = fn()
        except Interrupted:
            interrupted = True
        finally:
            # The watchdog may have interrupted this thread just as `fn` ended: whatever it
            # sent is absorbed here, and once `discard` has run nothing more can arrive.
            while True:
                try:
                    _WATCHDOG.discard(self)
                    _local.guard = previous
                    break
                except Interrupted:
                    continue
        if interrupted:
            reason = self._reason or too_long(self.limits)
            raise reason from None
        return result


class _Watchdog:
    """Interrupts threads whose evaluation is overdue or stopped but takes no steps to notice."""

    POLL = 0.02  # seconds between checks while evaluations run
    # How long the watchdog keeps polling after the last evaluation ended before it sleeps until
    # woken. Evaluations are short and come in streams: waking it for each one (a thread
    # hand-off per evaluation) cost more than the evaluations themselves.
    IDLE = 1.0

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._guards: dict[int, Guard] = {}
        self._fired: set[int] = set()
        self._thread: threading.Thread | None = None
        self._asleep = False  # waiting without a timeout: only `add` wakes it

    def add(self, guard: Guard) -> None:
        with self._cond:
            self._guards[id(guard)] = guard
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="evaluation-watchdog", daemon=True)
                self._thread.start()
            if self._asleep:
                self._asleep = False
                self._cond.notify()

    def discard(self, guard: Guard) -> None:
        with self._cond:
            self._guards.pop(id(guard), None)
            if id(guard) in self._fired:
                self._fired.discard(id(guard))
                # Clear an interruption sent but not yet delivered (it may already have been).
                _set_async_exc(guard.thread_id, None)

    def _loop(self) -> None:
        with self._cond:
            idle_since: float | None = None
            while True:
                if not self._guards:
                    now = monotonic()
                    idle_since = now if idle_since is None else idle_since
                    if now - idle_since < self.IDLE:
                        self._cond.wait(self.POLL)
                        continue
                    self._asleep = True
                    while self._asleep:
                        self._cond.wait()
                    idle_since = None
                    continue
                idle_since = None
                for key, guard in list(self._guards.items()):
                    if key in self._fired:
                        continue
                    reason = guard.overdue()
                    if reason is not None:
                        if guard._reason is None:
                            guard._reason = reason
                        self._fired.add(key)
                        _set_async_exc(guard.thread_id, Interrupted)
                self._cond.wait(self.POLL)


def _set_async_exc(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None
    )


_WATCHDOG = _Watchdog()
