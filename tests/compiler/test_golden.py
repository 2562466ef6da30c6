"""Golden tests: each orchestrator in tests/compiler/golden/*.py compiles to exactly the committed
`<function>.asl.json` next to it, and every committed definition is valid for our validator and
for the asl-validator npm package.

Regenerate after an intended compiler change with:
    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/compiler/test_golden.py
then review the diff like any other code change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from durable_sfn.asl import run_asl_validator, validate_definition
from durable_sfn.asl.external import AslValidatorUnavailable
from durable_sfn.cli.compile import compile_file

GOLDEN = Path(__file__).parent / "golden"
SOURCES = sorted(p for p in GOLDEN.glob("*.py") if p.name != "__init__.py")


def _outputs() -> dict[Path, str]:
    out: dict[Path, str] = {}
    for source in SOURCES:
        out.update(compile_file(source))
    return out


OUTPUTS = _outputs()
# The reference application's orchestrators: compiled here too, so every quality check below also
# covers them (their committed .asl.json files are the reference application's to keep fresh).
REFERENCE = Path(__file__).parents[2] / "statemachines"
REFERENCE_OUTPUTS = {
    target: text for source in sorted(REFERENCE.glob("*.py")) for target, text in compile_file(source).items()
}


@pytest.mark.parametrize("target", sorted(OUTPUTS), ids=lambda p: p.name)
def test_compiled_definition_matches_golden(target: Path) -> None:
    if os.environ.get("UPDATE_GOLDEN"):
        target.write_text(OUTPUTS[target], encoding="utf-8")
    assert target.exists(), f"{target.name} is missing: run with UPDATE_GOLDEN=1"
    assert json.loads(OUTPUTS[target]) == json.loads(target.read_text(encoding="utf-8")), (
        f"{target.name} differs from the compiler's output: review and regenerate with UPDATE_GOLDEN=1"
    )
    assert OUTPUTS[target] == target.read_text(encoding="utf-8"), "formatting is not stable"


def test_every_golden_definition_is_committed_for_a_source() -> None:
    assert {p.name for p in GOLDEN.glob("*.asl.json")} == {p.name for p in OUTPUTS}


ALL_OUTPUTS = {**OUTPUTS, **REFERENCE_OUTPUTS}


@pytest.mark.parametrize("target", sorted(ALL_OUTPUTS), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_compiled_definition_passes_the_project_validator(target: Path) -> None:
    definition = json.loads(ALL_OUTPUTS[target])
    assert validate_definition(definition) == []
    assert definition["QueryLanguage"] == "JSONata"
    names = _state_names(definition)
    assert len(names) == len(set(names)), "state names must be unique machine-wide"
    assert all(len(n) <= 80 for n in names)


def _state_names(scope: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for name, state in scope["States"].items():
        names.append(name)
        if "ItemProcessor" in state:
            names += _state_names(state["ItemProcessor"])
        for branch in state.get("Branches", []):
            names += _state_names(branch)
    return names


@pytest.mark.slow
def test_compiled_definitions_pass_asl_validator(tmp_path: Path) -> None:
    paths = []
    for target, text in ALL_OUTPUTS.items():
        path = tmp_path / f"{target.parent.name}-{target.name}"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    try:
        result = run_asl_validator(paths)
    except AslValidatorUnavailable as exc:
        pytest.skip(str(exc))
    assert result.ok, result.output
