"""Sub-orchestrations as Durable writes them: a child named by `instance_id` (StartExecution's
Name, refused at compile time when a literal cannot be one, and failing as StartExecution fails
when a computed one cannot, or repeats), and `call_sub_orchestrator_with_retry`."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, RetryOptions, activity, orchestrator
from durable_sfn.compiler import CompileError, compile_orchestrator, compile_source
from durable_sfn.testing import ExecutionResult, run_direct, run_local

ATTEMPTS: dict[str, int] = {}


@activity(name="SubFlaky")
def flaky(key: str) -> str:
    ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
    if key != "ok" and (ATTEMPTS[key] < 3 or key == "hopeless"):
        raise ConnectionError(f"attempt {ATTEMPTS[key]} of {key} failed")
    return f"{key} done after {ATTEMPTS[key]}"


@orchestrator(name="SubChild")
async def child(ctx: OrchestrationContext) -> JsonValue:
    key = ctx.get_input()
    return await ctx.call_activity(flaky, key)


@orchestrator(name="SubNamed")
async def named(ctx: OrchestrationContext) -> JsonValue:
    names = ctx.get_input()
    out = []
    for name in names:
        try:
            result = await ctx.call_sub_orchestrator("SubChild", "ok", instance_id=name)
            out.append(result)
        except Exception as e:
            out.append(e.error)  # type: ignore[attr-defined]
    return out


@orchestrator(name="SubRetried")
async def retried(ctx: OrchestrationContext) -> JsonValue:
    key = ctx.get_input()
    try:
        return await ctx.call_sub_orchestrator_with_retry(child, RetryOptions(timedelta(seconds=10), 3), key)
    except ConnectionError as e:
        return f"gave up: {e.error}"  # type: ignore[attr-defined]


def _both(orch: Any, value: Any) -> tuple[ExecutionResult, ExecutionResult]:
    ATTEMPTS.clear()
    direct = run_direct(orch, value)
    ATTEMPTS.clear()
    compiled = run_local(orch, value)
    assert (compiled.status, compiled.output, compiled.error) == (direct.status, direct.output, direct.error)
    assert compiled.activity_calls == direct.activity_calls
    return direct, compiled


def test_a_child_is_named_by_its_instance_id() -> None:
    direct, _ = _both(named, ["child-1", "child 2", "child-1", "child-3"])
    assert direct.output == [
        "ok done after 1",
        "StepFunctions.InvalidNameException",
        "StepFunctions.ExecutionAlreadyExistsException",
        "ok done after 2",
    ]
    definition = compile_orchestrator(named)
    assert "Name" in str(definition)


@pytest.mark.parametrize(
    ("key", "expected"), [("retried", "retried done after 3"), ("hopeless", "gave up: ConnectionError")]
)
def test_a_retried_child_starts_again_until_it_succeeds_or_attempts_run_out(key: str, expected: str) -> None:
    direct, compiled = _both(retried, key)
    assert direct.output == expected
    assert len(compiled.activity_calls) == 3


PREAMBLE = """\
from datetime import timedelta
from durable_sfn import OrchestrationContext, RetryOptions, orchestrator


@orchestrator(name="Kid")
async def kid(ctx: OrchestrationContext):
    return 1


@orchestrator(name="Bad")
async def bad(ctx: OrchestrationContext):
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "return await ctx.call_sub_orchestrator(kid, 1, instance_id='a b')",
            "cannot name a child execution",
        ),
        (
            f"return await ctx.call_sub_orchestrator(kid, 1, instance_id='{'x' * 81}')",
            "cannot name a child execution",
        ),
        (
            "return await ctx.call_sub_orchestrator_with_retry(kid, RetryOptions(timedelta(seconds=5), 2), 1, 'c1')",
            "a retried sub-orchestration cannot have an instance_id",
        ),
    ],
)
def test_instance_ids_that_cannot_name_an_execution_are_refused(body: str, message: str) -> None:
    with pytest.raises(CompileError) as info:
        compile_source(PREAMBLE + textwrap.indent(body, "    ") + "\n", "bad.py")
    assert message in str(info.value)
    assert {d.code for d in info.value.diagnostics} == {"DSF014"}
