"""One compile per orchestrator and source text, shared by `run_direct` and `run_local`.

Property tests run the same orchestrator hundreds of times and its definition depends only on
its (unchanged) source file, so both the definition and a `CompileError` are cached: `run_direct`
checks every orchestrator compiles before running it (code that cannot be deployed must not pass
its direct-run tests), and that check must stay cheap.
"""

from __future__ import annotations

import copy
import inspect
import os
import threading
from collections.abc import Callable
from typing import Any

from durable_sfn.compiler.api import compile_orchestrator
from durable_sfn.compiler.diagnostics import CompileError

_Key = tuple[Callable[..., Any], tuple[str, int, int]]
_CACHE: dict[_Key, dict[str, Any] | CompileError] = {}
_LOCK = threading.Lock()


def compiled_definition(fn: Callable[..., Any]) -> dict[str, Any]:
    """The ASL definition of orchestrator `fn` (a fresh copy); raises its CompileError."""
    return copy.deepcopy(_cached(fn))


def _cached(fn: Callable[..., Any]) -> dict[str, Any]:
    try:
        key = (fn, _source_version(fn))
    except (OSError, TypeError):
        return dict(compile_orchestrator(fn))
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is None:
        try:
            cached = compile_orchestrator(fn)
        except CompileError as exc:
            cached = exc
        with _LOCK:
            _CACHE[key] = cached
    if isinstance(cached, CompileError):
        raise CompileError(cached.diagnostics) from None
    return cached


def _source_version(fn: Callable[..., Any]) -> tuple[str, int, int]:
    """The source file's path, size and mtime: the source text changes only if one of them does,
    and a stat is far cheaper than re-reading the function's source on every run."""
    file = inspect.getsourcefile(inspect.unwrap(fn))
    if file is None:
        raise OSError("no source file")
    stat = os.stat(file)
    return file, stat.st_size, stat.st_mtime_ns


def check_compiles(orchestrators: Any) -> None:
    """Raise the first orchestrator's CompileError among `orchestrators` (an iterable of functions)."""
    for fn in orchestrators:
        _cached(fn)
