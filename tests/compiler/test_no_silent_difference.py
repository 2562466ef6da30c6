"""Orchestrators that once compiled and then behaved differently from their Python: each now runs
the same direct (`run_direct`) and compiled on the local engine (`run_local`), or is refused at
its source line.

Each test runs both and compares status, output, error, cause, custom status and activity calls.
"""

from __future__ import annotations

from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.testing import ExecutionResult, run_direct, run_local


def both(orch: Any, input: Any = None, **kwargs: Any) -> ExecutionResult:
    """Run direct and compiled; assert they agree and return the direct result."""
    direct = run_direct(orch, input, **kwargs)
    compiled = run_local(orch, input, **kwargs)
    assert (compiled.status, compiled.output, compiled.error, compiled.cause) == (
        direct.status,
        direct.output,
        direct.error,
        direct.cause,
    )
    assert compiled.custom_status == direct.custom_status
    assert compiled.activity_calls == direct.activity_calls
    return direct


# -- an activity or sub-orchestration called without input receives None ---------------------------


@activity(name="Echo")
def echo(value: JsonValue) -> JsonValue:
    return {"received": value}


@orchestrator(name="NoInputChild")
async def no_input_child(ctx: OrchestrationContext) -> JsonValue:
    return {"child input": ctx.get_input()}


@orchestrator(name="CallsWithoutInput")
async def calls_without_input(ctx: OrchestrationContext) -> JsonValue:
    first = await ctx.call_activity(echo)
    child = await ctx.call_sub_orchestrator(no_input_child)
    return [first, child]


def test_calls_without_input_receive_none() -> None:
    result = both(calls_without_input)
    assert result.output == [{"received": None}, {"child input": None}]
    assert [call.input for call in result.activity_calls] == [None]


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
