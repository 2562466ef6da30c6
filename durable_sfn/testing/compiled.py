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
import weakref
from collections.abc import Callable
from typing import Any

from durable_sfn.compiler.api import compile_orchestrator
from durable_sfn.compiler.diagnostics import CompileError

_Version = tuple[str, int, int]
# By function, weakly: an orchestrator whose module is gone (a generated program, a reloaded test
# module) takes its definition with it, so a long run of generated programs does not keep them all.
_CACHE: weakref.WeakKeyDictionary[Callable[..., Any], tuple[_Version, dict[str, Any] | CompileError]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()


def compiled_definition(fn: Callable[..., Any]) -> dict[str, Any]:
    """The ASL definition of orchestrator `fn` (a fresh copy); raises its CompileError."""
    return copy.deepcopy(_cached(fn))


def _cached(fn: Callable[..., Any]) -> dict[str, Any]:
    try:
        version = _source_version(fn)
        with _LOCK:
            entry = _CACHE.get(fn)
    except (OSError, TypeError):  # no source file, or a callable that takes no weak reference
        return dict(compile_orchestrator(fn))
    cached = entry[1] if entry is not None and entry[0] == version else None
    if cached is None:
        try:
            cached = compile_orchestrator(fn)
        except CompileError as exc:
            cached = exc
        with _LOCK:
            _CACHE[fn] = (version, cached)
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
