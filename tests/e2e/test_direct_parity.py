"""Every `make run` scenario gives the same result as plain Python (run_direct) and as the compiled
definition on the local engine (run_local), with the real activities on a freshly seeded moto."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from moto import mock_aws

from durable_sfn.testing import ExecutionResult, run_direct, run_local
from lambdas.common.resources import create_and_seed
from lambdas.operations.service import OperationsService
from statemachines.scenarios import SCENARIOS, Scenario

# Values that differ between two runs by nature: ids minted by SES/SNS.
VOLATILE_KEYS = {"MessageId"}


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _play(
    runner: Callable[..., ExecutionResult], scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> ExecutionResult:
    with mock_aws(), OperationsService() as operations:
        monkeypatch.setenv("OPERATIONS_API_URL", operations.url)
        create_and_seed()
        return runner(scenario.orchestrator, scenario.input, events=scenario.events)


@pytest.mark.parametrize("scenario", [pytest.param(s, id=s.key) for s in SCENARIOS])
def test_direct_and_local_agree(scenario: Scenario, aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    local = _play(run_local, scenario, monkeypatch)
    direct = _play(run_direct, scenario, monkeypatch)
    assert scenario.expect(local), local
    assert (direct.status, direct.error) == (local.status, local.error)
    assert _stable(direct.output) == _stable(local.output)
    assert _stable(direct.custom_status) == _stable(local.custom_status)
    assert sorted(c.name for c in direct.activity_calls) == sorted(c.name for c in local.activity_calls)
