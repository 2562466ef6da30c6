"""The compiled order workflow (JSONata) with no-op activities: transitions per second on our engine.

moto's interpreter evaluates no JSONata, so it cannot run this definition; the 100-state Pass
chain in engine_throughput.py is the like-for-like comparison.
"""

from __future__ import annotations

import json
import time
from typing import Any

from durable_sfn.compiler.api import compile_orchestrator
from durable_sfn.engine import LocalStepFunctions

NOOP_RESULT = {
    "IsValid": True,
    "RequiresApproval": False,
    "FailureReason": None,
    "TotalAmount": 42,
    "Items": [{"Sku": "A", "Quantity": 1}],
    "Success": True,
    "Amount": 42,
    "TrackingNumber": "T-1",
    "EstimatedDelivery": "2024-01-05",
}
ACTIVITIES = (
    "ValidateOrderActivity",
    "ProcessPaymentActivity",
    "NotifyPaymentFailure",
    "UpdateInventoryActivity",
    "RefundPaymentActivity",
    "InitiateShipmentActivity",
    "SendOrderConfirmationActivity",
)


def noop(event: Any, context: Any) -> Any:
    return NOOP_RESULT


def main() -> None:
    from statemachines.order_processing import order_processing

    definition = compile_orchestrator(order_processing)
    sfn = LocalStepFunctions()
    for name in ACTIVITIES:
        sfn.register_lambda(name, noop)
    arn = sfn.create_state_machine(name="OrderProcessingOrchestration", definition=json.dumps(definition))[
        "stateMachineArn"
    ]

    def one(i: int) -> int:
        run = sfn.start_execution(stateMachineArn=arn, input=json.dumps(f"order-{i}"))
        result = sfn.wait_for_execution(run["executionArn"])
        assert result["status"] == "SUCCEEDED", result
        history = sfn.get_execution_history(executionArn=run["executionArn"])["events"]
        return sum(1 for e in history if e["type"].endswith("StateEntered"))

    one(-1)  # warm up
    runs = 200
    started = time.perf_counter()
    transitions = sum(one(i) for i in range(runs))
    wall = time.perf_counter() - started
    print(f"compiled order workflow, no-op activities: {transitions // runs} states per execution")
    print(
        f"  durable_sfn engine : {transitions / wall:10,.0f} transitions/s  ({runs} executions in {wall:.2f} s)"
    )


if __name__ == "__main__":
    main()
