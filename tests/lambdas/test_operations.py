"""The operations activities over real HTTP against the local operations service, and LogFailure."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from lambdas.common.aws import table
from lambdas.common.config import Settings
from lambdas.common.errors import (
    InvalidInput,
    OperationNotFound,
    ServiceRequestRejected,
    TransientServiceError,
)
from lambdas.operations.activities import (
    check_operation_status,
    log_failure,
    risky_activity,
    start_long_running_operation,
    unreliable_activity,
)
from lambdas.operations.models import ApiRequest, FailureRecord, ProcessRequest
from lambdas.operations.service import OperationsService


def test_operation_completes_after_the_configured_checks(operations_api: OperationsService) -> None:
    started = start_long_running_operation(
        ApiRequest(Name="export", CompleteAfterChecks=2, Parameters={"a": 1})
    )
    assert started.Status == "Running"
    first = check_operation_status(started.OperationId)
    second = check_operation_status(started.OperationId)
    assert (first.IsCompleted, first.Checks, first.Result) == (False, 1, None)
    assert (second.IsCompleted, second.Status, second.Checks) == (True, "Succeeded", 2)
    assert second.Result == {"Name": "export", "Output": "export finished"}


def test_operation_that_never_completes(operations_api: OperationsService) -> None:
    started = start_long_running_operation(ApiRequest(Name="stuck", CompleteAfterChecks=None))
    statuses = [check_operation_status(started.OperationId) for _ in range(5)]
    assert not any(s.IsCompleted for s in statuses)
    assert statuses[-1].Checks == 5


def test_start_is_idempotent_under_retries(operations_api: OperationsService) -> None:
    request = ApiRequest(Name="export", RequestId="exec-1")
    first = start_long_running_operation(request)
    retry = start_long_running_operation(request)
    other = start_long_running_operation(ApiRequest(Name="export", RequestId="exec-2"))
    assert first.OperationId == retry.OperationId != other.OperationId
    assert len(operations_api.state.operations) == 2


def test_start_without_request_id_deduplicates_on_content(operations_api: OperationsService) -> None:
    a = start_long_running_operation(ApiRequest(Name="export", Parameters={"x": 1}))
    b = start_long_running_operation(ApiRequest(Name="export", Parameters={"x": 1}))
    c = start_long_running_operation(ApiRequest(Name="export", Parameters={"x": 2}))
    assert a.OperationId == b.OperationId != c.OperationId


def test_unknown_operation(operations_api: OperationsService) -> None:
    with pytest.raises(OperationNotFound, match="No operation op-9999"):
        check_operation_status("op-9999")


@pytest.mark.parametrize("bad", ["", "a/b", None])
def test_bad_operation_id(operations_api: OperationsService, bad: object) -> None:
    with pytest.raises(InvalidInput):
        check_operation_status(bad)  # type: ignore[arg-type]


def test_rejected_start_is_not_transient(operations_api: OperationsService) -> None:
    with pytest.raises(ServiceRequestRejected, match="422: CompleteAfterChecks must be"):
        start_long_running_operation(ApiRequest(Name="x", CompleteAfterChecks=-1))


def test_unreachable_service_is_transient(monkeypatch: pytest.MonkeyPatch) -> None:
    with OperationsService() as service:
        url = service.url
    monkeypatch.setenv("OPERATIONS_API_URL", url)  # stopped: connection refused
    with pytest.raises(TransientServiceError, match="is OPERATIONS_API_URL right"):
        start_long_running_operation(ApiRequest(Name="x"))


def test_unreliable_activity_fails_then_succeeds(operations_api: OperationsService) -> None:
    request = ProcessRequest(Key="job-1", Data={"n": 1}, FailuresBeforeSuccess=2)
    for attempt in (1, 2):
        with pytest.raises(TransientServiceError, match=f"503: Busy \\(attempt {attempt} of key 'job-1'\\)"):
            unreliable_activity(request)
    result = unreliable_activity(request)
    assert (result.Attempts, result.Processed) == (3, {"n": 1})


def test_a_retried_process_call_is_not_processed_twice(operations_api: OperationsService) -> None:
    # The first call was processed but its answer was lost (a timeout): Step Functions retries.
    request = ProcessRequest(Key="job-1", Data={"n": 1}, ExecutionId="exec-1")
    first = unreliable_activity(request)
    retry = risky_activity(request)
    assert first == retry
    assert (retry.Attempts, retry.Processed) == (1, {"n": 1})
    assert operations_api.state.process_attempts["job-1"] == 1


def test_other_executions_processing_the_same_key_are_processed(operations_api: OperationsService) -> None:
    a = unreliable_activity(ProcessRequest(Key="job-1", Data=1, ExecutionId="exec-1"))
    b = unreliable_activity(ProcessRequest(Key="job-1", Data=1, ExecutionId="exec-2"))
    assert (a.Attempts, b.Attempts) == (1, 2)
    assert operations_api.state.process_attempts["job-1"] == 2


def _post(url: str, body: object, key: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Idempotency-Key": key}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize("path", ["/process", "/operations"])
def test_a_reused_idempotency_key_with_another_request_is_rejected(
    operations_api: OperationsService, path: str
) -> None:
    url = operations_api.url + path
    first = _post(url, {"Name": "a", "Key": "k", "Data": 1}, "key-1")
    again = _post(url, {"Name": "a", "Key": "k", "Data": 1}, "key-1")
    other = _post(url, {"Name": "b", "Key": "k", "Data": 2}, "key-1")
    assert first == again and first[0] in (200, 202)
    assert other == (422, {"Message": "Idempotency-Key 'key-1' was already used with a different request"})


def test_risky_activity_rejects_missing_data(operations_api: OperationsService) -> None:
    with pytest.raises(ServiceRequestRejected, match="422: Data is required"):
        risky_activity(ProcessRequest(Key="job-2"))


def test_service_answers_bad_json_with_400(operations_api: OperationsService) -> None:
    request = urllib.request.Request(operations_api.url + "/operations", data=b"[1,2", method="POST")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=5)
    assert info.value.code == 400
    assert json.loads(info.value.read())["Message"] == "The body must be a JSON object"


def test_log_failure_once_per_instance(aws: Settings) -> None:
    record = FailureRecord(OrchestrationId="exec-1", Error="RiskyError", Cause="boom")
    assert not log_failure(record).AlreadyLogged
    assert log_failure(record).AlreadyLogged
    rows = table(aws.failures_table).scan()["Items"]
    assert [(r["OrchestrationId"], r["Error"], r["Cause"]) for r in rows] == [
        ("exec-1", "RiskyError", "boom")
    ]
