"""CallExternalApiOrchestration end to end over real HTTP: polling success and the 5-minute timeout."""

from __future__ import annotations

from durable_sfn.testing import run_local
from lambdas.common.config import Settings
from lambdas.operations.service import OperationsService
from statemachines.call_external_api import call_external_api
from tests.e2e.helpers import custom_statuses, elapsed_seconds, engine, history


def test_polls_until_the_operation_completes(aws: Settings, operations_api: OperationsService) -> None:
    sfn = engine()
    result = run_local(call_external_api, {"Name": "export", "CompleteAfterChecks": 3}, engine=sfn)
    assert result.status == "SUCCEEDED"
    assert result.output == {
        "Success": True,
        "OperationId": "op-0001",
        "Checks": 3,
        "Data": {"Name": "export", "Output": "export finished"},
    }
    assert result.activity_names() == ["StartLongRunningOperation"] + ["CheckOperationStatus"] * 3
    events = history(sfn, "CallExternalApiOrchestration")
    assert custom_statuses(events) == [
        {"OperationId": "op-0001", "Status": "Running", "Checks": 1},
        {"OperationId": "op-0001", "Status": "Running", "Checks": 2},
    ]
    # Two 10-second waits between the three checks.
    assert 20 <= elapsed_seconds(events) < 21


def test_gives_up_after_five_minutes(aws: Settings, operations_api: OperationsService) -> None:
    sfn = engine()
    result = run_local(call_external_api, {"Name": "stuck", "CompleteAfterChecks": None}, engine=sfn)
    assert result.status == "SUCCEEDED"
    assert result.output == {
        "Success": False,
        "OperationId": "op-0001",
        "Checks": 30,
        "ErrorMessage": "Operation timed out",
    }
    assert operations_api.state.operations["op-0001"].checks == 30
    # One check every 10 s for 5 minutes of virtual time.
    assert 300 <= elapsed_seconds(history(sfn, "CallExternalApiOrchestration")) < 301
    assert result.custom_status == {"OperationId": "op-0001", "Status": "Running", "Checks": 30}


def test_start_is_not_repeated_when_the_instance_id_is_reused(
    aws: Settings, operations_api: OperationsService
) -> None:
    """The instance id is the start's idempotency key: a redrive polls the same operation."""
    first = run_local(call_external_api, {"Name": "export", "CompleteAfterChecks": 1})
    again = run_local(call_external_api, {"Name": "export", "CompleteAfterChecks": 1})
    assert first.output["OperationId"] == again.output["OperationId"] == "op-0001"
    assert len(operations_api.state.operations) == 1
