"""End to end, one case per row of the Python -> ASL mapping: compile the golden orchestrators,
run them on the local engine (`run_local`), and check what a user sees: status, output, custom
status, the states entered and the activities called. Each case also runs directly as Python
(`run_direct`), which must agree on status, output, error and custom status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from durable_sfn.testing import ScheduledEvent, run_direct, run_local
from tests.compiler.golden import control_flow as cf
from tests.compiler.golden import errors as er
from tests.compiler.golden import fan_out as fo
from tests.compiler.golden import order_processing as op
from tests.compiler.golden import waiting as wt


@dataclass(frozen=True)
class Case:
    row: str
    orch: Any
    input: Any
    status: str = "SUCCEEDED"
    output: Any = None
    error: str | None = None
    custom_status: Any = None
    path: list[str] | None = None  # exact states entered, when the row is about control flow
    # The states after the first run as concurrent branches: their order is the scheduler's.
    concurrent_path: bool = False
    calls: list[str] | None = None  # activity names in call order
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.row


CASES = [
    Case(
        "activity chain with custom status, happy path",
        op.order_processing,
        "cheap-1",
        output={"Success": True, "OrderId": "cheap-1", "TrackingNumber": "TRK-cheap-1"},
        custom_status="Sending notification",
        # One Pass (input + first status) more than the hand-written minimal definition.
        path=[
            "Set order_id",
            "ValidateOrderActivity",
            "If not validation.IsValid",
            "ProcessPaymentActivity",
            "If not payment.Success",
            "UpdateInventoryActivity",
            "InitiateShipmentActivity",
            "SendOrderConfirmationActivity",
        ],
    ),
    Case(
        "if: early return keeps the status set before it",
        op.order_processing,
        "bad-1",
        output={"Success": False, "FailureReason": "Order has no items"},
        custom_status="Validating order",
        path=[
            "Set order_id",
            "ValidateOrderActivity",
            "If not validation.IsValid",
            "Return Success, FailureReason",
        ],
    ),
    Case(
        "if inside the chain: activity then return",
        op.order_processing,
        "order-1",
        output={"Success": False, "FailureReason": "Payment failed"},
        custom_status="Processing payment",
        calls=["ValidateOrderActivity", "ProcessPaymentActivity", "NotifyPaymentFailure"],
    ),
    *[
        Case(
            f"elif chain: {value}",
            cf.classify,
            value,
            output=f"{value} is {label}",
            custom_status={"label": label},
        )
        for value, label in [(-3, "negative"), (0, "zero"), (50, "large"), (5, "small")]
    ],
    Case(
        "while with deadline, activity polling and timer",
        cf.poll_until_done,
        {"readyAfter": 1},
        output={"Success": True, "Data": 1, "Attempts": 2},
        path=[
            "Set request",
            "While ctx.current_utc_datetime < deadline",
            "CheckOperationStatus",
            "If status.IsCompleted",
            "Wait until ctx.current_utc_datetime",
            "While ctx.current_utc_datetime < deadline",
            "CheckOperationStatus",
            "If status.IsCompleted",
            "Return Success, Data, Attempts",
        ],
    ),
    Case(
        "while loop exits when the deadline passes",
        cf.poll_until_done,
        {"readyAfter": 100},
        output={"Success": False, "ErrorMessage": "Operation timed out", "Attempts": 5},
        calls=["CheckOperationStatus"] * 5,
    ),
    Case(
        "sequential for: variables assigned in the body are visible after; break and continue",
        cf.sum_scores,
        [1, 0, 2, 200, 3],
        output={"total": 9, "last": 6, "scored": [1, 2], "count": 2},
        calls=["Score", "Score"],
    ),
    Case(
        "sequential for over nothing",
        cf.sum_scores,
        [],
        output={"total": 0, "last": None, "scored": [], "count": 0},
    ),
    Case(
        "task_all comprehension over a nested async def with try/except -> Map",
        fo.process_all_orders,
        [{"id": "a", "amount": 5}, {"id": "b", "amount": -1}, {"id": "c", "amount": 7}],
        output={"TotalProcessed": 3, "Successful": 2, "Failed": 1, "TotalRevenue": 12, "FailedOrders": ["b"]},
        custom_status="processing 3 orders",
        calls=["ProcessSingleOrderActivity"] * 3,
    ),
    Case("task_all comprehension with a filter -> Map", fo.price_all, ["ab", "", "abc"], output=[20, 30]),
    Case("task_all over one item still returns a list", fo.price_all, ["ab"], output=[20]),
    Case("task_all over nothing returns an empty list", fo.price_all, [], output=[]),
    Case(
        "task_all over a fixed list -> Parallel",
        fo.product_info,
        "xyz",
        output={"sku": "xyz", "price": 30, "stock": 7, "value": 210},
        path=["Parallel get_price, get_stock", "GetPrice", "GetStock"],
        concurrent_path=True,
    ),
    Case(
        "try/except/else/finally: the handler runs, finally sets the status",
        er.charge_with_fallback,
        500,
        output={"outcome": "declined", "receipt": {"charged": 0}},
        custom_status="charge attempted",
        calls=["Charge", "AuditLog"],
    ),
    Case(
        "try/else/finally without an error",
        er.charge_with_fallback,
        50,
        output={"outcome": "charged", "receipt": {"charged": 50}},
        custom_status="charge attempted",
        calls=["Charge"],
    ),
    Case(
        "raise -> Fail with Error and Cause",
        er.charge_with_fallback,
        -1,
        status="FAILED",
        error="InvalidAmount",
        path=["If amount < 0", "Raise InvalidAmount"],
    ),
    Case(
        "except Exception + bare raise re-raises the activity's error",
        er.reraise_after_audit,
        500,
        status="FAILED",
        error="PaymentDeclined",
        calls=["Charge", "AuditLog"],
    ),
    Case(
        "except Base catches a subclass raised by the activity",
        er.check_card_flow,
        "old",
        output="problem: CardExpired",
    ),
    Case("no error, no handler", er.check_card_flow, "new", output="ok"),
    Case("ctx.current_utc_datetime after a timer", wt.stamp, None, output={"at": "2024-01-01T01:00:00.000Z"}),
    Case(
        "call_activity_with_retry: 3 attempts, then the error is caught",
        er.retry_flaky,
        {"fail": True},
        output="gave up",
        calls=["Flaky", "Flaky", "Flaky"],
    ),
    Case(
        "call_activity_with_retry succeeding first time",
        er.retry_flaky,
        {"fail": False},
        output="ok",
        calls=["Flaky"],
    ),
    Case(
        "wait_for_external_event: a buffered event",
        wt.approval_workflow,
        {"id": "r1"},
        output={"approved": True, "note": "decided"},
        custom_status="Waiting for approval",
        kwargs={"events": {"Approval": {"approved": True}}},
    ),
    Case(
        "wait_for_external_event: timeout surfaces as TimeoutError",
        wt.approval_workflow,
        {"id": "r1"},
        output={"approved": False, "note": "escalated r1"},
        custom_status="Waiting for approval",
        calls=["RequestApproval", "Escalate"],
        kwargs={"events": [ScheduledEvent("Approval", {"approved": True}, timedelta(minutes=90))]},
    ),
    Case(
        "wait_for_external_event: an event raised later, before the timeout",
        wt.approval_workflow,
        {"id": "r1"},
        output={"approved": False, "note": "decided"},
        kwargs={"events": [ScheduledEvent("Approval", {"approved": False}, timedelta(minutes=30))]},
        custom_status="Waiting for approval",
    ),
    Case(
        "call_sub_orchestrator: the child's output comes back parsed",
        wt.parent_workflow,
        {"id": "r2"},
        # Nobody raises the child's event: it times out after an hour and escalates.
        output={"child": {"approved": False, "note": "escalated r2"}, "parent": True},
    ),
    Case("continue_as_new: the last execution's result", wt.countdown, 2, output=0),
    Case(
        "call_sub_orchestrator with a string input, inside a Map",
        wt.greet_all,
        ["ada", 'grace "amazing" hopper'],
        output=["hello ada", 'hello grace "amazing" hopper'],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_row_compiles_and_runs_on_the_local_engine(case: Case) -> None:
    result = run_local(case.orch, case.input, **case.kwargs)
    assert result.status == case.status, (result.error, result.cause)
    assert result.output == case.output
    assert result.error == case.error
    assert result.custom_status == case.custom_status
    if case.path is not None and case.concurrent_path:
        assert result.path[0] == case.path[0]
        assert sorted(result.path[1:]) == sorted(case.path[1:])
    elif case.path is not None:
        assert result.path == case.path
    if case.calls is not None:
        assert result.activity_names() == case.calls

    direct = run_direct(case.orch, case.input, **case.kwargs)
    assert (direct.status, direct.output, direct.error, direct.custom_status) == (
        result.status,
        result.output,
        result.error,
        result.custom_status,
    )


def test_elif_chain_is_one_choice_state() -> None:
    result = run_local(cf.classify, 5)
    choices = [name for name in result.path if name.startswith("If")]
    assert choices == ["If value < 0"], result.path


def test_failed_activity_cause_is_the_lambda_error_json() -> None:
    result = run_local(er.reraise_after_audit, 500)
    assert result.error == "PaymentDeclined"
    assert result.cause is not None and "amount 500 is over the limit" in result.cause
