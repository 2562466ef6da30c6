"""The small examples end to end: long workflow progress, retries, error handling, parallel checks."""

from __future__ import annotations

from durable_sfn.testing import run_local
from lambdas.common import sample_data as data
from lambdas.common.aws import client, table
from lambdas.common.config import Settings
from lambdas.operations.service import OperationsService
from statemachines.long_workflow import long_workflow
from statemachines.orchestration_with_error_handling import orchestration_with_error_handling
from statemachines.orchestration_with_retry import orchestration_with_retry
from statemachines.parallel_order_checks import parallel_order_checks
from tests.e2e.helpers import custom_statuses, elapsed_seconds, engine, history


def test_long_workflow_reports_progress(aws: Settings) -> None:
    sfn = engine()
    result = run_local(long_workflow, {"ReportId": "daily-2026-01-01"}, engine=sfn)
    assert result.status == "SUCCEEDED"
    assert result.output["Key"] == "reports/daily-2026-01-01/summary.json"
    assert result.output["OrderCount"] == len(data.ORDERS)
    assert result.activity_names() == ["CollectOrderSnapshot", "SummarizeOrderSnapshot", "PublishOrderReport"]
    assert custom_statuses(history(sfn, "LongWorkflow")) == [
        {"Phase": "Starting", "Progress": 0},
        {"Phase": "Step 1 Complete", "Progress": 25},
        {"Phase": "Step 2 Complete", "Progress": 50},
        {"Phase": "Complete", "Progress": 100},
    ]
    keys = [o["Key"] for o in client("s3").list_objects_v2(Bucket=aws.reports_bucket)["Contents"]]
    assert keys == ["reports/daily-2026-01-01/orders.json", "reports/daily-2026-01-01/summary.json"]


def test_retry_succeeds_on_the_third_attempt(aws: Settings, operations_api: OperationsService) -> None:
    sfn = engine()
    result = run_local(
        orchestration_with_retry, {"Key": "job-1", "Data": {"n": 1}, "FailuresBeforeSuccess": 2}, engine=sfn
    )
    assert result.output == {"Success": True, "Attempts": 3, "Result": {"n": 1}}
    assert result.activity_names() == ["UnreliableActivity"] * 3
    # Backoff on the virtual clock: 5 s, then 10 s.
    assert 15 <= elapsed_seconds(history(sfn, "OrchestrationWithRetry")) < 16


def test_retries_exhausted_then_caught(aws: Settings, operations_api: OperationsService) -> None:
    result = run_local(
        orchestration_with_retry, {"Key": "job-2", "Data": {"n": 2}, "FailuresBeforeSuccess": 5}
    )
    assert result.status == "SUCCEEDED"
    assert result.output == {
        "Success": False,
        "Error": "TransientServiceError",
        "Message": "The service was still busy after 3 attempts",
    }
    assert result.activity_names() == ["UnreliableActivity"] * 3
    assert operations_api.state.process_attempts["job-2"] == 3


def failures(cfg: Settings) -> list[dict[str, str]]:
    return [
        {"Error": r["Error"], "OrchestrationId": r["OrchestrationId"]}
        for r in table(cfg.failures_table).scan()["Items"]
    ]


def test_error_handling_success(aws: Settings, operations_api: OperationsService) -> None:
    result = run_local(orchestration_with_error_handling, {"Key": "ok", "Data": [1, 2]})
    assert result.output == {"Success": True, "Result": [1, 2]}
    assert result.activity_names() == ["RiskyActivity"]
    assert failures(aws) == []


def test_error_handling_permanent_failure_is_logged_and_returned(
    aws: Settings, operations_api: OperationsService
) -> None:
    result = run_local(orchestration_with_error_handling, {"Key": "no-data"})
    assert result.status == "SUCCEEDED"
    assert result.output == {"Success": False, "Error": "ServiceRequestRejected"}
    assert result.activity_names() == ["RiskyActivity", "LogFailure"]
    logged = result.activity_calls[1].input
    assert logged["OrchestrationId"].endswith(":OrchestrationWithErrorHandling:test-execution")
    assert "422: Data is required" in logged["Cause"]
    assert failures(aws) == [
        {"Error": "ServiceRequestRejected", "OrchestrationId": logged["OrchestrationId"]}
    ]


def test_error_handling_transient_failure_is_logged_and_rethrown(
    aws: Settings, operations_api: OperationsService
) -> None:
    result = run_local(
        orchestration_with_error_handling, {"Key": "busy", "Data": 1, "FailuresBeforeSuccess": 1}
    )
    assert result.status == "FAILED"
    assert result.error == "TransientServiceError"
    assert "503: Busy" in (result.cause or "")
    assert result.activity_names() == ["RiskyActivity", "LogFailure"]
    assert [f["Error"] for f in failures(aws)] == ["TransientServiceError"]


def test_parallel_checks_ready_order(aws: Settings) -> None:
    result = run_local(parallel_order_checks, data.ORDER_SUCCESS)
    assert result.output["Ready"] is True
    assert result.output["Shipping"]["Carrier"] == "PostalExpress"
    assert sorted(result.activity_names()) == [
        "CheckCreditActivity",
        "CheckStockActivity",
        "QuoteShippingActivity",
    ]


def test_parallel_checks_explain_what_is_missing(aws: Settings) -> None:
    short = run_local(parallel_order_checks, data.ORDER_OUT_OF_STOCK)
    broke = run_local(parallel_order_checks, data.ORDER_OVER_LIMIT, execution_name="broke")
    assert (short.output["Ready"], short.output["Shortages"]) == (False, ["SKU-GONE (need 1, have 0)"])
    assert (broke.output["Ready"], broke.output["CreditProblem"]) == (
        False,
        "Order total 160.00 exceeds available credit 100.00",
    )
