"""The engine against executions recorded on AWS Step Functions (../shared/conformance).

Every case of the corpus runs through LocalStepFunctions exactly as a user would run it
(create_state_machine, start_execution, wait) and is judged by the corpus's own
`compare.check`. Cases we knowingly do not match are listed in KNOWN_DEVIATIONS with the
reason; they are strict xfails, so fixing one without removing it from the table fails the
suite.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from durable_sfn.engine.api.client import LocalStepFunctions
from tests.engine.support import missing_input

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO_ROOT.parent / "shared" / "conformance"
ROLE_ARN = "arn:aws:iam::123456789012:role/ConformanceRole"
WAIT_TIMEOUT = 60.0

KNOWN_DEVIATIONS: dict[str, str] = {
    "tests/aws/services/stepfunctions/v2/express/test_express_sync.py::TestExpressSync::test_query_runtime_memory#0": (
        "corpus inconsistency, not an engine difference: this one recording normalised the role ARN "
        "to 'sfn_role_arn' while compare.check rewrites the role ARN to 'snf_role_arn' (as the other "
        "recordings do); every other field of the output matches"
    ),
}
"""Case id -> why the engine does not match AWS on it."""


def load_cases() -> list[dict[str, Any]]:
    path = CORPUS_DIR / "cases.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def load_compare() -> ModuleType:
    """The corpus's judge, loaded from its folder (it is part of the corpus, not of this repo)."""
    spec = importlib.util.spec_from_file_location("conformance_compare", CORPUS_DIR / "compare.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_case(
    client: LocalStepFunctions, case: dict[str, Any], index: int, judge: ModuleType
) -> tuple[bool, str]:
    """Run one case on the engine and judge it; returns (ok, reason)."""
    machine_name = f"ConformanceMachine{index}"
    execution_name = f"ConformanceRun{index}"
    machine_type = case["meta"].get("state_machine_type", "STANDARD")
    try:
        created = client.create_state_machine(
            name=machine_name, definition=json.dumps(case["definition"]), roleArn=ROLE_ARN, type=machine_type
        )
    except Exception as exc:  # an InvalidDefinition of a definition AWS accepted is a failure too
        return False, f"create_state_machine raised {type(exc).__name__}: {exc}"
    arn = created["stateMachineArn"]
    payload = json.dumps(case["input"])
    if machine_type == "EXPRESS":
        describe = client.start_sync_execution(stateMachineArn=arn, input=payload, name=execution_name)
    else:
        started = client.start_execution(stateMachineArn=arn, input=payload, name=execution_name)
        describe = client.wait_for_execution(started["executionArn"], timeout=WAIT_TIMEOUT)
    ok, reason = judge.check(
        case, describe, state_machine_name=machine_name, execution_name=execution_name, role_arn=ROLE_ARN
    )
    return bool(ok), str(reason)


CASES = load_cases()


@pytest.fixture(scope="module")
def engine() -> LocalStepFunctions:
    return LocalStepFunctions()


@pytest.fixture(scope="module")
def judge() -> ModuleType | None:
    # Without the corpus the test itself reports it (a failure under CI, not a fixture error).
    return load_compare() if (CORPUS_DIR / "compare.py").exists() else None


def _params() -> list[Any]:
    if not CASES:
        return [pytest.param(None, -1, id="corpus-missing")]
    params = []
    for index, case in enumerate(CASES):
        marks = []
        if case["id"] in KNOWN_DEVIATIONS:
            marks.append(pytest.mark.xfail(reason=KNOWN_DEVIATIONS[case["id"]], strict=True))
        params.append(pytest.param(case, index, marks=marks, id=case["id"].split("::", 1)[-1]))
    return params


@pytest.mark.parametrize(("case", "index"), _params())
def test_case_matches_aws(
    case: dict[str, Any] | None, index: int, engine: LocalStepFunctions, judge: ModuleType | None
) -> None:
    if case is None or judge is None:
        missing_input(f"conformance corpus not found at {CORPUS_DIR}")
    ok, reason = run_case(engine, case, index, judge)
    assert ok, f"[{case['feature']}] {reason}"


def test_known_deviations_name_real_cases() -> None:
    if not CASES:
        missing_input(f"conformance corpus not found at {CORPUS_DIR}")
    ids = {case["id"] for case in CASES}
    assert sorted(set(KNOWN_DEVIATIONS) - ids) == []
