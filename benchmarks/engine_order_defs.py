"""Variants of the compiled order workflow for the ours-vs-moto comparison in engine_order.py.

moto's interpreter cannot run the compiled definition as it is: its JSONata needs a JVM bridge,
and its Lambda tasks need Docker. So besides the real definition, the comparison uses two
like-for-like variants that both engines can run:

- `tasks_as_pass`: the compiled JSONata definition with every Task replaced by a Pass whose
  `$states.result` is the no-op activity's response (same states, Choices, Assigns, Outputs);
- `JSONPATH_ORDER`: the same workflow hand-converted to JSONPath (data kept in the state's
  input with ResultPath instead of variables; Tasks are Pass states with a Result).
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"

NOOP_RESULT: dict[str, Any] = {
    "IsValid": True,
    "RequiresApproval": False,
    "FailureReason": None,
    "TotalAmount": 42,
    "CustomerEmail": "ada@example.com",
    "Items": [{"Sku": "A", "Quantity": 1}],
    "Success": True,
    "Amount": 42,
    "TrackingNumber": "T-1",
    "EstimatedDelivery": "2024-01-05",
}

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def lambda_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def substitute(definition: dict[str, Any], queue_url: str) -> dict[str, Any]:
    """Fill `${Name}` placeholders as the deployment does: Lambda ARNs, the entity queue's URL."""
    text = json.dumps(definition)

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return queue_url if name.endswith("QueueUrl") else lambda_arn(name)

    return dict(json.loads(_PLACEHOLDER.sub(value, text)))


def placeholders(definition: dict[str, Any]) -> set[str]:
    return set(_PLACEHOLDER.findall(json.dumps(definition)))


def tasks_as_pass(definition: dict[str, Any]) -> dict[str, Any]:
    """Every Task becomes a Pass whose `$states.result` is the no-op Lambda response."""
    result = "(" + json.dumps({"Payload": NOOP_RESULT}) + ")"
    converted = copy.deepcopy(definition)
    for name, state in list(converted["States"].items()):
        if state.get("Type") != "Task":
            continue
        kept = _replace_result({k: v for k, v in state.items() if k in ("Assign", "Output")}, result)
        new: dict[str, Any] = {"Type": "Pass", "Comment": f"was a Task: {state.get('Resource')}"}
        new.update(kept)
        if "Next" in state:
            new["Next"] = state["Next"]
        else:
            new["End"] = True
        converted["States"][name] = new
    return _reachable_only(converted)


def _reachable_only(definition: dict[str, Any]) -> dict[str, Any]:
    """Drop states only a Catch led to: a definition with unreachable states is invalid."""
    states = definition["States"]
    seen: set[str] = set()
    todo = [definition["StartAt"]]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        state = states[name]
        targets = [state.get("Next"), state.get("Default")]
        targets += [choice.get("Next") for choice in state.get("Choices", [])]
        targets += [catcher.get("Next") for catcher in state.get("Catch", [])]
        todo += [t for t in targets if t]
    definition["States"] = {k: v for k, v in states.items() if k in seen}
    return definition


def _replace_result(value: Any, literal: str) -> Any:
    if isinstance(value, str):
        return value.replace("$states.result", literal)
    if isinstance(value, dict):
        return {k: _replace_result(v, literal) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_result(v, literal) for v in value]
    return value


def _pass(result: Any, result_path: str | None, next_state: str) -> dict[str, Any]:
    return {"Type": "Pass", "Result": result, "ResultPath": result_path, "Next": next_state}


def _finish(parameters: dict[str, Any]) -> dict[str, Any]:
    return {"Type": "Pass", "Parameters": parameters, "End": True}


JSONPATH_ORDER: dict[str, Any] = {
    "Comment": "OrderProcessingOrchestration, hand-converted to JSONPath; Tasks are Pass states",
    "StartAt": "Set order_id",
    "States": {
        "Set order_id": {
            "Type": "Pass",
            "Parameters": {"order_id.$": "$$.Execution.Input"},
            "Next": "ValidateOrderActivity",
        },
        "ValidateOrderActivity": _pass(NOOP_RESULT, "$.validation", "If not validation IsValid"),
        "If not validation IsValid": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.validation.IsValid", "BooleanEquals": False, "Next": "Return invalid"},
                {
                    "Variable": "$.validation.RequiresApproval",
                    "BooleanEquals": True,
                    "Next": "Wait for ManagerApproval",
                },
            ],
            "Default": "ProcessPaymentActivity",
        },
        "Return invalid": _finish(
            {"Success": False, "OrderId.$": "$.order_id", "FailureReason.$": "$.validation.FailureReason"}
        ),
        "Wait for ManagerApproval": _pass({"Approved": True}, "$.approval", "If not approval Approved"),
        "If not approval Approved": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.approval.Approved", "BooleanEquals": True, "Next": "ProcessPaymentActivity"}
            ],
            "Default": "Return rejected",
        },
        "Return rejected": _finish(
            {"Success": False, "OrderId.$": "$.order_id", "FailureReason": "Rejected"}
        ),
        "ProcessPaymentActivity": _pass(NOOP_RESULT, "$.payment", "If not payment Success"),
        "If not payment Success": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.payment.Success", "BooleanEquals": True, "Next": "UpdateInventoryActivity"}
            ],
            "Default": "NotifyPaymentFailure",
        },
        "UpdateInventoryActivity": _pass(NOOP_RESULT, None, "InitiateShipmentActivity"),
        "InitiateShipmentActivity": _pass(NOOP_RESULT, "$.shipment", "SendOrderConfirmationActivity"),
        "SendOrderConfirmationActivity": _pass(NOOP_RESULT, None, "Signal LoyaltyBalance credit"),
        "Signal LoyaltyBalance credit": _finish(
            {
                "Success": True,
                "OrderId.$": "$.order_id",
                "Amount.$": "$.payment.Amount",
                "TrackingNumber.$": "$.shipment.TrackingNumber",
                "EstimatedDelivery.$": "$.shipment.EstimatedDelivery",
            }
        ),
        "NotifyPaymentFailure": _finish(
            {"Success": False, "OrderId.$": "$.order_id", "FailureReason": "Payment failed"}
        ),
    },
}
