"""The committed `.asl.json` of every reference orchestrator is what the compiler produces today,
and it is a valid definition (what CDK deploys is what the tests run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from durable_sfn.asl import validate_definition
from durable_sfn.compiler import compile_orchestrator
from durable_sfn.dsl import orchestrator_definition
from statemachines.scenarios import SCENARIOS

STATEMACHINES = Path(__file__).resolve().parents[2] / "statemachines"
ORCHESTRATORS = {orchestrator_definition(s.orchestrator).name: s.orchestrator for s in SCENARIOS}  # type: ignore[union-attr]


def test_every_reference_orchestrator_is_played_by_make_run() -> None:
    assert sorted(ORCHESTRATORS) == [
        "CallExternalApiOrchestration",
        "LongWorkflow",
        "OrchestrationWithErrorHandling",
        "OrchestrationWithRetry",
        "OrderProcessingOrchestration",
        "ParallelOrderChecks",
        "ProcessAllOrdersBatch",
        "ProcessAllOrdersLargeBatch",
        "ProcessInvoicesBatch",
        "ProcessInvoicesLargeBatch",
    ]


@pytest.mark.parametrize("name", sorted(ORCHESTRATORS))
def test_committed_definition_is_fresh_and_valid(name: str) -> None:
    fn = ORCHESTRATORS[name]
    committed = STATEMACHINES / f"{fn.__name__}.asl.json"
    assert committed.exists(), f"run `make compile` to create {committed.name}"
    definition = compile_orchestrator(fn)
    assert json.loads(committed.read_text()) == definition, f"{committed.name} is stale: run `make compile`"
    assert definition["QueryLanguage"] == "JSONata"
    errors = [d for d in validate_definition(definition) if d.severity == "ERROR"]
    assert errors == []


def test_asl_validator_accepts_every_definition(tmp_path: Path) -> None:
    """An independent validator (the asl-validator npm package) agrees, placeholders substituted."""
    from durable_sfn.asl import AslValidatorUnavailable, run_asl_validator, substitute_placeholders
    from durable_sfn.asl.placeholders import find_placeholders

    paths = []
    for name, fn in sorted(ORCHESTRATORS.items()):
        definition = compile_orchestrator(fn)
        arns = {
            p: (
                f"arn:aws:states:us-east-1:123456789012:stateMachine:{p}"
                if p in ORCHESTRATORS
                else f"arn:aws:lambda:us-east-1:123456789012:function:{p}"
            )
            for p in find_placeholders(definition)
        }
        path = tmp_path / f"{name}.asl.json"
        path.write_text(json.dumps(substitute_placeholders(definition, arns)))
        paths.append(path)
    try:
        result = run_asl_validator(paths)
    except AslValidatorUnavailable as exc:
        pytest.skip(str(exc))
    assert result.ok, result.output
