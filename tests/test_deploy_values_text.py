"""A deploy-time value is one string in the definition, whatever its text: quotes, backslashes,
line breaks, `%}` and `${...}` neither end the JSONata string it sits in nor become placeholders
that a later substitution fills (run_local, run_direct and `durable-sfn run`; the CDK side is in
tests/cdk/test_deploy_values.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.cli import app
from durable_sfn.deploy_values import deploy_value_fills
from durable_sfn.testing import run_direct, run_local

HOSTILE = 'x" & $states.input & "\\ \n\t${DvTextEcho} ${env.DV_TEXT_OTHER} %} {% \u2028 ü'


@activity(name="DvTextEcho")
def echo(text: str) -> str:
    return text


@orchestrator(name="DvText")
async def configured(ctx: OrchestrationContext) -> JsonValue:
    value = os.environ["DV_TEXT"]
    other = os.environ.get("DV_TEXT_OTHER", "unset")
    echoed = await ctx.call_activity(echo, value)
    return {"value": value, "other": other, "echoed": echoed, "length": len(value)}


def test_a_hostile_value_runs_as_the_same_one_string_direct_and_compiled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DV_TEXT", HOSTILE)
    monkeypatch.setenv("DV_TEXT_OTHER", HOSTILE[::-1])
    expected = {"value": HOSTILE, "other": HOSTILE[::-1], "echoed": HOSTILE, "length": len(HOSTILE)}
    assert run_direct(configured, None).output == expected
    compiled = run_local(configured, None)
    assert (compiled.status, compiled.output) == ("SUCCEEDED", expected)


def test_a_filled_value_leaves_no_placeholder_in_the_text() -> None:
    definition = {"States": {"S": {"Output": '{% "${env.V}" %}'}}}
    fills = deploy_value_fills(definition, {"V": "${Other} $${env.V}"}, machine="M")
    assert "${" not in fills["env.V"]
    assert json.loads('"' + fills["env.V"] + '"') == "${Other} $${env.V}"


def test_durable_sfn_run_fills_a_hostile_value_as_one_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dv_text.py"
    path.write_text(
        "import os\n\nfrom durable_sfn import OrchestrationContext, orchestrator\n\n\n"
        '@orchestrator(name="DvTextCli")\n'
        "async def configured(ctx: OrchestrationContext) -> str:\n"
        '    return os.environ["DV_TEXT"]\n'
    )
    monkeypatch.setenv("DV_TEXT", HOSTILE)
    result = CliRunner().invoke(app, ["run", str(path), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["output"] == HOSTILE
