"""Races and typed data in real-world orchestrators (tests/compiler/real_world/race_*.py and
typed_*.py): each compiles unchanged and runs with equal results direct and compiled (status,
output, error, custom status, activity calls); typed data refuses what it cannot make equal."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest

from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.testing import run_direct, run_local
from tests.compiler import real_world

MODULES = sorted(
    m.name for m in pkgutil.iter_modules(real_world.__path__) if m.name.startswith(("race_", "typed_"))
)


def _runs(name: str) -> list[tuple[Any, Any]]:
    module = importlib.import_module(f"{real_world.__name__}.{name}")
    return list(getattr(module, "RUNS", [(i, None) for i in module.INPUTS]))


CASES = [pytest.param(name, i, id=f"{name}-{i}") for name in MODULES for i in range(len(_runs(name)))]


def test_there_are_at_least_eight() -> None:
    assert len(MODULES) >= 8


@pytest.mark.parametrize(("name", "run"), CASES)
def test_direct_and_compiled_agree(name: str, run: int) -> None:
    module = importlib.import_module(f"{real_world.__name__}.{name}")
    value, events = _runs(name)[run]
    direct = run_direct(module.ORCHESTRATOR, value, events=events)
    compiled = run_local(module.ORCHESTRATOR, value, events=events)
    assert direct.status == "SUCCEEDED", direct
    assert (compiled.status, compiled.output, compiled.error) == (direct.status, direct.output, direct.error)
    assert compiled.custom_status == direct.custom_status
    assert compiled.activity_calls == direct.activity_calls


HEADER = """
from dataclasses import dataclass
from durable_sfn import OrchestrationContext, orchestrator

@dataclass
class Point:
    x: int
    y: int = 0

@dataclass
class Smart:
    x: int

    def doubled(self) -> int:
        return self.x * 2

"""


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("async def f(ctx: OrchestrationContext, p: Point):\n    return p.z\n", "DSF025"),
        ("async def f(ctx: OrchestrationContext, p: Smart):\n    return p.x\n", "DSF025"),
        ("async def f(ctx: OrchestrationContext, p: Point):\n    return isinstance(p.x, int)\n", "DSF002"),
        ("async def f(ctx: OrchestrationContext, p: Point):\n    return isinstance(p.x, float)\n", "DSF002"),
    ],
)
def test_what_typed_data_refuses(body: str, code: str) -> None:
    with pytest.raises(CompileError) as info:
        compile_source(HEADER + '@orchestrator(name="F")\n' + body, "f")
    assert code in {d.code for d in info.value.diagnostics}, str(info.value)
