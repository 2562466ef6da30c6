"""run_direct and run_local check the orchestration input the same way, with a clear error."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from durable_sfn import OrchestrationContext, orchestrator
from durable_sfn.testing import run_direct, run_local
from durable_sfn.testing.jsonvalues import NotJsonError


@orchestrator(name="EchoInput")
async def echo_input(ctx: OrchestrationContext) -> Any:
    value = ctx.get_input()
    return value


@pytest.mark.parametrize("runner", [run_direct, run_local], ids=["direct", "local"])
@pytest.mark.parametrize(
    ("value", "named"),
    [
        ({"when": datetime(2024, 5, 1, tzinfo=UTC)}, "datetime"),
        ({"tags": {"a", "b"}}, "set"),
        ([math.nan], "Out of range float values"),
    ],
)
def test_an_input_json_cannot_hold_is_refused_by_both_runners(runner: Any, value: Any, named: str) -> None:
    with pytest.raises(NotJsonError, match="the orchestration input is not JSON") as raised:
        runner(echo_input, value)
    assert named in str(raised.value)
    if named == "datetime":
        assert "value.isoformat()" in str(raised.value)


@pytest.mark.parametrize("runner", [run_direct, run_local], ids=["direct", "local"])
def test_json_inputs_arrive_alike(runner: Any) -> None:
    result = runner(echo_input, {"n": 1, "items": (1, 2), "when": "2024-05-01T00:00:00Z"})
    assert result.status == "SUCCEEDED"
    assert result.output == {"n": 1, "items": [1, 2], "when": "2024-05-01T00:00:00Z"}
