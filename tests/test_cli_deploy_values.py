"""`durable-sfn run` and `serve` create state machines with the orchestrator's os.environ reads
filled from the process environment (deploy-time values); a missing required variable is a
one-line error naming it, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from durable_sfn.cli import app

runner = CliRunner()

CONFIGURED = """
import os

from durable_sfn import OrchestrationContext, activity, orchestrator


@activity(name="CliDvLabel")
def label(text: str) -> str:
    return text.upper()


@orchestrator(name="CliDeployValues")
async def configured(ctx: OrchestrationContext) -> dict:
    region = os.environ["CLI_DV_REGION"]
    tier = os.getenv("CLI_DV_TIER", "standard")
    labelled = await ctx.call_activity(label, region)
    return {"region": labelled, "tier": tier}
"""


def test_run_fills_the_environment_reads_from_its_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cli_deploy_values.py"
    path.write_text(CONFIGURED)
    monkeypatch.setenv("CLI_DV_REGION", "eu-north-1")
    monkeypatch.delenv("CLI_DV_TIER", raising=False)
    result = runner.invoke(app, ["run", str(path), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["output"] == {"region": "EU-NORTH-1", "tier": "standard"}


def test_run_names_a_missing_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cli_deploy_values_missing.py"
    path.write_text(CONFIGURED)
    monkeypatch.delenv("CLI_DV_REGION", raising=False)
    result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 1
    assert "environment variable 'CLI_DV_REGION' is not set" in result.output
    assert "Traceback" not in result.output
