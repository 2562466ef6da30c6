"""State transitions on each reference workflow's happy path, and the order workflow against a
hand-written minimal definition (benchmarks/reference/order_processing_minimal.asl.json) doing the
same work without custom-status updates. The compiled order workflow, with all its status updates,
must take at most one transition more.

Every definition runs on the local engine with canned activity results; the one AWS call left, the
loyalty entity (invoked in place by the compiled definition, signalled
through its queue by the hand-written one), runs on moto. The figures count states entered, nothing else.

    python -m benchmarks transitions
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from durable_sfn.asl import substitute_placeholders
from durable_sfn.compiler import compile_orchestrator
from durable_sfn.engine import MotoClients
from durable_sfn.engine.api.client import LocalStepFunctions
from durable_sfn.entities.in_process import LocalEntityHost

HERE = Path(__file__).parent
ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"
SM_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:{}"

# Canned happy-path activity results, by activity name.
ORDER_ACTIVITIES: dict[str, Callable[[Any], Any]] = {
    "ValidateOrderActivity": lambda e: {
        "IsValid": True,
        "RequiresApproval": False,
        "TotalAmount": 42,
        "Items": [{"ProductId": "p1", "Quantity": 1}],
        "CustomerEmail": "ada@example.com",
    },
    "ProcessPaymentActivity": lambda e: {"Success": True, "Amount": 42, "TransactionId": "tx"},
    "UpdateInventoryActivity": lambda e: {"Reserved": True},
    "InitiateShipmentActivity": lambda e: {"TrackingNumber": "TRK-1", "EstimatedDelivery": "2024-01-05"},
    "SendOrderConfirmationActivity": lambda e: {"Sent": True},
    "NotifyPaymentFailure": lambda e: None,
    "RefundPaymentActivity": lambda e: None,
}


@contextmanager
def loyalty_entity() -> Iterator[LocalEntityHost]:
    """The order workflow's LoyaltyBalance entity on moto (its table and signal queue): the
    compiled definition invokes it in place, the hand-written one signals it through the queue."""
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        os.environ.setdefault(key, value)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from lambdas.orders.loyalty import loyalty_balance

    with mock_aws():
        yield LocalEntityHost(
            [loyalty_balance],
            dynamodb_client=boto3.client("dynamodb", region_name="us-east-1"),
            sqs_client=boto3.client("sqs", region_name="us-east-1"),
        )


def _event_only(fn: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    """A Lambda handler `(event, context)` around a function of the event alone."""

    def handle(event: Any, context: Any) -> Any:
        return fn(event)

    return handle


def run(
    definition: dict[str, Any],
    name: str,
    payload: Any,
    activities: dict[str, Callable[[Any], Any]],
    entities: LocalEntityHost | None = None,
) -> tuple[str, int, Any]:
    """Run once on the local engine; return (status, states entered, output)."""
    names = {n: ARN.format(n) for n in activities} | {"DurableEventWaiter": ARN.format("DurableEventWaiter")}
    sfn = LocalStepFunctions(aws_client_factory=MotoClients())
    if entities is not None:
        names |= entities.register(sfn)
    for activity, fn in activities.items():
        sfn.register_lambda(activity, _event_only(fn))
    arn = sfn.create_state_machine(
        name=name,
        definition=json.dumps(substitute_placeholders(definition, names)),
        roleArn="arn:aws:iam::123456789012:role/bench",
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))["executionArn"]
    result = sfn.wait_for_execution(execution, timeout=30)
    events = sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]
    entered = sum(1 for e in events if e["type"].endswith("StateEntered"))
    return result["status"], entered, json.loads(result.get("output") or "null")


def order_comparison() -> int:
    from statemachines.order_processing import order_processing

    compiled = compile_orchestrator(order_processing)
    minimal = json.loads(
        (HERE / "reference" / "order_processing_minimal.asl.json").read_text(encoding="utf-8")
    )
    with loyalty_entity() as entities:
        c_status, c_entered, c_output = run(compiled, "Compiled", "order-1", ORDER_ACTIVITIES, entities)
        m_status, m_entered, m_output = run(minimal, "Minimal", "order-1", ORDER_ACTIVITIES, entities)
    assert c_status == m_status == "SUCCEEDED", (c_status, m_status)
    assert c_output == m_output, (c_output, m_output)
    extra = c_entered - m_entered
    verdict = "OK" if extra <= 1 else "OVER BUDGET"
    print(
        f"order workflow, happy path: compiled {c_entered} states entered (with 5 custom-status updates), "
        f"hand-written minimal {m_entered} (no status updates): {extra:+d} [{verdict}: budget +1]"
    )
    return 0 if extra <= 1 else 1


def reference_paths() -> None:
    """The happy path of every reference scenario that is expected to succeed, on moto."""
    try:
        from statemachines.scenarios import SCENARIOS
    except ImportError as exc:  # pragma: no cover - the reference application is optional here
        print(f"reference scenarios unavailable: {exc}")
        return
    from benchmarks._reference_env import reference_environment
    from durable_sfn.testing import run_local

    with reference_environment():
        print(f"{'scenario':<18} {'orchestrator':<40} {'status':<10} {'states entered':>14}")
        for scenario in SCENARIOS:
            result = run_local(
                scenario.orchestrator, scenario.input, events=scenario.events, execution_name=scenario.key
            )
            ok = "as expected" if scenario.expect(result) else "UNEXPECTED"
            print(
                f"{scenario.key:<18} {scenario.orchestrator.__name__:<40} {result.status:<10} "
                f"{len(result.path):>14}  ({ok}: {scenario.expectation})"
            )


def main() -> int:
    status = order_comparison()
    reference_paths()
    return status


if __name__ == "__main__":
    raise SystemExit(main())
