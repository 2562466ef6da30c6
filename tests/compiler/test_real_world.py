"""Real-world orchestrators (tests/compiler/real_world/), written as Durable Functions users write
them, compile unchanged and run with equal results direct and compiled: status, output, error,
custom status, the activity calls and what the orchestrator logged (as multisets where tasks run
concurrently)."""

from __future__ import annotations

import contextlib
import importlib
import logging
import pkgutil
from collections import Counter
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from durable_sfn.compiler import compile_orchestrator
from durable_sfn.testing import ExecutionResult, run_direct, run_local
from tests.compiler import real_world

MODULES = sorted(m.name for m in pkgutil.iter_modules(real_world.__path__))


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{real_world.__name__}.{name}")


def _runs(name: str) -> list[tuple[Any, Any]]:
    module = _module(name)
    runs: list[tuple[Any, Any]] = (
        module.RUNS if hasattr(module, "RUNS") else [(i, None) for i in module.INPUTS]
    )
    return runs


CASES = [pytest.param(name, i, id=f"{name}-{i}") for name in MODULES for i in range(len(_runs(name)))]


@contextlib.contextmanager
def _all_levels() -> Iterator[None]:
    """Let every log record through, as the compiled run's history keeps every level."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.setLevel(level)


def _compare(direct: ExecutionResult, compiled: ExecutionResult, concurrent: bool) -> None:
    assert (compiled.status, compiled.output, compiled.error) == (direct.status, direct.output, direct.error)
    assert compiled.custom_status == direct.custom_status
    if concurrent:
        assert compiled.activity_call_counts() == direct.activity_call_counts()
        assert Counter(compiled.logs) == Counter(direct.logs)
    else:
        assert compiled.activity_calls == direct.activity_calls
        assert compiled.logs == direct.logs


def test_there_are_enough_real_world_orchestrators() -> None:
    assert len(MODULES) >= 12


@pytest.mark.parametrize("name", MODULES)
def test_compiles_unchanged(name: str) -> None:
    definition = compile_orchestrator(_module(name).ORCHESTRATOR)
    assert definition["QueryLanguage"] == "JSONata"


@pytest.mark.parametrize(("name", "run"), CASES)
def test_direct_and_compiled_agree(name: str, run: int, monkeypatch: pytest.MonkeyPatch) -> None:
    module = _module(name)
    # What an orchestrator reads from os.environ: the direct run reads it while running, the
    # compiled definition has it filled in when it is created (deploy time), from the same values.
    for variable, setting in getattr(module, "ENVIRONMENT", {}).items():
        monkeypatch.setenv(variable, setting)
    value, events = _runs(name)[run]
    # An orchestrator whose activities keep state across calls (a transient failure that passes on
    # the third attempt) says how to start over, so that each run starts from the same state.
    reset = getattr(module, "reset", lambda: None)
    reset()
    with _all_levels():
        direct = run_direct(module.ORCHESTRATOR, value, events=events)
    reset()
    compiled = run_local(module.ORCHESTRATOR, value, events=events)
    _compare(direct, compiled, module.CONCURRENT)
