"""run_direct refuses what the compiler refuses: a direct-run test must not pass for code that
cannot be deployed."""

from __future__ import annotations

import gc
import importlib.util
import sys
import weakref
from datetime import datetime
from typing import Any

import pytest

import durable_sfn.compiler
import durable_sfn.testing.compiled
from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.compiler import CompileError
from durable_sfn.testing import run_direct, run_local


@activity(name="DoubleIt")
def double_it(n: int) -> int:
    return n * 2


@orchestrator(name="AugmentedAwait")
async def augmented_await(ctx: OrchestrationContext) -> int:
    total = 0
    for n in ctx.get_input():
        total = total + await ctx.call_activity(double_it, n)
    return total


def test_an_await_inside_an_expression_is_a_compile_error_in_the_direct_run_too() -> None:
    with pytest.raises(CompileError) as raised:
        run_direct(augmented_await, [1, 2])
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.code == "DSF016"
    assert diagnostic.file == __file__
    assert diagnostic.line == augmented_await.__code__.co_firstlineno + 4
    assert "total = total + await ctx.call_activity(double_it, n)" in str(raised.value)


@orchestrator(name="LiteralDeadline")
async def literal_deadline(ctx: OrchestrationContext) -> str:
    await ctx.create_timer(datetime(2030, 1, 1))
    return "woke"


def test_a_timer_at_a_literal_datetime_is_rejected_before_running() -> None:
    with pytest.raises(CompileError, match="DSF"):
        run_direct(literal_deadline)


@orchestrator(name="BrokenChild")
async def broken_child(ctx: OrchestrationContext) -> JsonValue:
    value = 1
    value = value + await ctx.call_activity(double_it, 3)
    return value


@orchestrator(name="FineParent")
async def fine_parent(ctx: OrchestrationContext) -> Any:
    return await ctx.call_sub_orchestrator(broken_child, None)


def test_a_sub_orchestrator_that_does_not_compile_fails_the_parents_direct_run() -> None:
    with pytest.raises(CompileError) as raised:
        run_direct(fine_parent)
    assert [d.line for d in raised.value.diagnostics] == [broken_child.__code__.co_firstlineno + 3]


def test_the_compile_check_runs_once_per_orchestrator_and_source(monkeypatch: pytest.MonkeyPatch) -> None:
    @orchestrator(name="CountedCompile")
    async def counted(ctx: OrchestrationContext) -> JsonValue:
        return await ctx.call_activity(double_it, ctx.get_input())

    compiled: list[str] = []
    real = durable_sfn.compiler.compile_orchestrator

    def counting(fn: Any) -> dict[str, Any]:
        compiled.append(fn.__name__)
        return real(fn)

    monkeypatch.setattr(durable_sfn.testing.compiled, "compile_orchestrator", counting)
    assert [run_direct(counted, n).output for n in range(5)] == [0, 2, 4, 6, 8]
    assert run_local(counted, 7).output == 14  # the local run reuses the same compile
    assert compiled == ["counted"]


def test_a_rejected_orchestrator_is_rejected_every_time_without_recompiling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    @orchestrator(name="RejectedTwice")
    async def rejected(ctx: OrchestrationContext) -> JsonValue:
        n = 0
        n = n + await ctx.call_activity(double_it, 1)
        return n

    compiled: list[str] = []
    real = durable_sfn.compiler.compile_orchestrator

    def counting(fn: Any) -> dict[str, Any]:
        compiled.append(fn.__name__)
        return real(fn)

    monkeypatch.setattr(durable_sfn.testing.compiled, "compile_orchestrator", counting)
    for _ in range(3):
        with pytest.raises(CompileError, match="DSF016"):
            run_direct(rejected)
    with pytest.raises(CompileError, match="DSF016"):
        run_local(rejected)
    assert compiled == ["rejected"]


def test_a_definition_goes_with_its_orchestrator(tmp_path: Any) -> None:
    # The compile cache holds orchestrators weakly: a generated module that is gone takes its
    # definition with it (a long differential run compiles thousands of them).
    source = (
        "from durable_sfn import OrchestrationContext, orchestrator\n\n\n"
        "@orchestrator(name='Gone')\nasync def gone(ctx: OrchestrationContext) -> int:\n    return 1\n"
    )
    path = tmp_path / "gone_module.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("gone_module", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gone_module"] = module
    spec.loader.exec_module(module)
    assert run_local(module.gone).output == 1
    assert module.gone in durable_sfn.testing.compiled._CACHE
    function = weakref.ref(module.gone)
    del sys.modules["gone_module"], module
    gc.collect()
    assert function() is None  # nothing, the cache included, keeps it alive
