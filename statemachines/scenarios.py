"""The scenarios `make run` plays: every reference orchestrator, on every interesting path.

Each scenario names its orchestrator, input and events, and says what outcome to expect, so the run
can tell at a glance whether the application behaves. They all share one seeded store, so each
scenario works on its own orders (see `lambdas.common.sample_data`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from durable_sfn.testing import ExecutionResult, ScheduledEvent
from lambdas.common import sample_data as data
from statemachines.call_external_api import call_external_api
from statemachines.long_workflow import long_workflow
from statemachines.orchestration_with_error_handling import orchestration_with_error_handling
from statemachines.orchestration_with_retry import orchestration_with_retry
from statemachines.order_processing import order_processing
from statemachines.parallel_order_checks import parallel_order_checks
from statemachines.process_all_orders import process_all_orders
from statemachines.process_all_orders_large import process_all_orders_large
from statemachines.process_invoices import process_invoices
from statemachines.process_invoices_large import process_invoices_large


@dataclass(frozen=True)
class Scenario:
    key: str  # also the execution name
    title: str
    orchestrator: Callable[..., Any]
    input: Any
    expect: Callable[[ExecutionResult], bool]
    expectation: str
    events: Any = None
    needs: list[str] = field(default_factory=list)
    timeout: float = 30  # real seconds before the run is reported stuck


def _output(result: ExecutionResult, key: str) -> Any:
    return result.output.get(key) if isinstance(result.output, dict) else None


def _order_ok(result: ExecutionResult) -> bool:
    return result.status == "SUCCEEDED" and _output(result, "Success") is True


def _order_failed_with(reason: str) -> Callable[[ExecutionResult], bool]:
    def check(result: ExecutionResult) -> bool:
        return result.status == "SUCCEEDED" and reason in str(_output(result, "FailureReason"))

    return check


def _approval(approved: bool, after: timedelta) -> list[ScheduledEvent]:
    return [ScheduledEvent("ManagerApproval", {"Approved": approved, "Approver": "grace.hopper"}, at=after)]


def _orders(ids: list[str]) -> list[dict[str, str]]:
    return [{"OrderId": order_id} for order_id in ids]


ALL_INVOICES = data.VALID_INVOICES + data.INVALID_INVOICES + data.UNREADABLE_INVOICES + [data.MISSING_INVOICE]

SCENARIOS: list[Scenario] = [
    Scenario("order-success", "Order: happy path", order_processing, data.ORDER_SUCCESS, _order_ok, "shipped"),
    Scenario(
        "order-invalid", "Order: out of stock", order_processing, data.ORDER_OUT_OF_STOCK,
        _order_failed_with("out of stock"), "validation failure",
    ),
    Scenario(
        "order-declined", "Order: card over limit", order_processing, data.ORDER_OVER_LIMIT,
        _order_failed_with("Payment failed"), "payment declined, customer care notified",
    ),
    Scenario(
        "order-approved", "Order: approved after 2h", order_processing, data.ORDER_APPROVAL_GRANTED, _order_ok,
        "shipped after approval", events=_approval(True, timedelta(hours=2)),
    ),
    Scenario(
        "order-rejected", "Order: approval rejected", order_processing, data.ORDER_APPROVAL_REJECTED,
        _order_failed_with("Rejected by"), "rejected", events=_approval(False, timedelta(minutes=30)),
    ),
    Scenario(
        "order-timeout", "Order: no approval in 24h", order_processing, data.ORDER_APPROVAL_TIMEOUT,
        _order_failed_with("timed out"), "closed after 24 h",
    ),
    Scenario(
        "batch", "Batch: 6 orders", process_all_orders, {"Orders": _orders(data.BATCH_ORDERS)},
        lambda r: _output(r, "Successful") == 3 and _output(r, "Failed") == 3, "3 succeed, 3 fail",
    ),
    Scenario(
        "batch-sub", "Batch: sub-orchestrations", process_all_orders,
        {"Orders": _orders(data.SUB_BATCH_ORDERS), "UseSubOrchestrations": True},
        lambda r: _output(r, "Successful") == 2 and _output(r, "Failed") == 1, "2 succeed, 1 declined",
    ),
    Scenario(
        "batch-large", "Batch: export over S3", process_all_orders_large,
        {"OrderIdPrefix": data.LARGE_BATCH_PREFIX},
        lambda r: _output(r, "Successful") == 9 and _output(r, "Failed") == 3 and _output(r, "TotalRevenue") == 225.0,
        "9 succeed, 3 fail",
    ),
    Scenario(
        "invoices", "Invoices: 10 documents", process_invoices, ALL_INVOICES,
        lambda r: _output(r, "ProcessedSuccessfully") == 3 and _output(r, "Failed") == 7, "3 saved, 7 rejected",
    ),
    Scenario(
        "invoices-large", "Invoices: the whole bucket", process_invoices_large, None,
        lambda r: _output(r, "ProcessedSuccessfully") == 3 and _output(r, "Failed") == 6, "3 saved, 6 rejected",
    ),
    Scenario(
        "poll-complete", "External API: completes", call_external_api, {"Name": "export", "CompleteAfterChecks": 3},
        lambda r: _output(r, "Success") is True, "done after 3 checks", needs=["operations"],
    ),
    Scenario(
        "poll-timeout", "External API: stuck", call_external_api,
        {"Name": "reindex", "CompleteAfterChecks": None},
        lambda r: _output(r, "ErrorMessage") == "Operation timed out", "gives up after 5 min", needs=["operations"],
    ),
    Scenario(
        "parallel", "Parallel checks", parallel_order_checks, data.ORDER_OVER_LIMIT,
        lambda r: _output(r, "Ready") is False, "not ready: credit",
    ),
    Scenario(
        "retry-ok", "Retry: busy twice", orchestration_with_retry,
        {"Key": "job-ok", "Data": {"Rows": 10}, "FailuresBeforeSuccess": 2},
        lambda r: _output(r, "Attempts") == 3, "succeeds on attempt 3", needs=["operations"],
    ),
    Scenario(
        "retry-exhausted", "Retry: always busy", orchestration_with_retry,
        {"Key": "job-busy", "Data": {"Rows": 10}, "FailuresBeforeSuccess": 9},
        lambda r: _output(r, "Success") is False, "caught after 3 attempts", needs=["operations"],
    ),
    Scenario(
        "errors-handled", "Errors: rejected request", orchestration_with_error_handling, {"Key": "no-data"},
        lambda r: _output(r, "Error") == "ServiceRequestRejected", "logged, failure result", needs=["operations"],
    ),
    Scenario(
        "errors-rethrown", "Errors: transient, rethrown", orchestration_with_error_handling,
        {"Key": "busy", "Data": 1, "FailuresBeforeSuccess": 1},
        lambda r: r.status == "FAILED" and r.error == "TransientServiceError", "logged, rethrown",
        needs=["operations"],
    ),
    Scenario(
        "report", "Long workflow: report", long_workflow, {"ReportId": "make-run"},
        lambda r: r.custom_status == {"Phase": "Complete", "Progress": 100}, "progress 0 -> 100",
    ),
]  # fmt: skip


# `make run`'s large batch: this many bulk orders (`--orders N` to change, 0 to leave it out).
BULK_ORDERS = 10_000
BULK_KEY = "batch-orders"


def bulk_scenario(count: int) -> Scenario:
    """ProcessAllOrdersLargeBatch over `count` seeded bulk orders, every one of which succeeds."""
    return Scenario(
        BULK_KEY, f"Batch: {count:,} orders over S3", process_all_orders_large,
        {"OrderIdPrefix": data.BULK_PREFIX},
        lambda r: _output(r, "Successful") == count and _output(r, "Failed") == 0
        and _output(r, "TotalRevenue") == count * data.BULK_PRODUCT["Price"],
        f"{count:,} succeed",
        # Each batch of 100 orders is read in one request and settled in three transactions, about
        # 3-4 ms of CPU an order on moto (python -m benchmarks order_cost); this only says "stuck"
        # on a machine many times slower than that.
        timeout=120 + count / 20,
    )  # fmt: skip
