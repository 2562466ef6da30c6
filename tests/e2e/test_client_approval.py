"""A manager approves an order the way an operator would: through OrchestrationClient.

The order waits at "Awaiting manager approval"; an hour later (virtual time) the operator reads
that custom status with the client, raises the ManagerApproval event, and the order completes.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from durable_sfn._aws import lambda_function_arn
from durable_sfn.asl import find_placeholders, substitute_placeholders
from durable_sfn.client import OrchestrationClient
from durable_sfn.client.events import WAITER_NAME, EventStore, make_event_waiter
from durable_sfn.compiler import compile_orchestrator
from durable_sfn.dsl import activity_definition
from durable_sfn.engine.api.client import LocalStepFunctions
from durable_sfn.entities import EntityId, LocalEntityHost
from durable_sfn.local.activities import register_activities
from lambdas.common import sample_data as data
from lambdas.common.aws import client
from lambdas.common.config import Settings
from statemachines import order_processing as module
from tests.e2e.helpers import engine as new_engine

ROLE = "arn:aws:iam::123456789012:role/local"


def deploy_order_processing(sfn: LocalStepFunctions) -> tuple[str, LocalEntityHost]:
    """What CDK does on AWS: activities and entities as Lambda functions, the entity table and
    signal queue, placeholders filled, machine created."""
    register_activities(sfn, [d for d in map(activity_definition, vars(module).values()) if d is not None])
    sfn.register_lambda(WAITER_NAME, make_event_waiter(EventStore(sfn, client("dynamodb"))))
    entities = LocalEntityHost(
        [module.loyalty_balance], dynamodb_client=client("dynamodb"), sqs_client=client("sqs")
    )
    asl = compile_orchestrator(module.order_processing)
    values = {name: lambda_function_arn(name) for name in find_placeholders(asl)} | entities.register(sfn)
    asl = substitute_placeholders(asl, values)
    created = sfn.create_state_machine(
        name="OrderProcessingOrchestration", definition=json.dumps(asl), roleArn=ROLE
    )
    return str(created["stateMachineArn"]), entities


def test_operator_approves_a_waiting_order(aws: Settings) -> None:
    sfn = new_engine()
    _, entities = deploy_order_processing(sfn)
    orchestrations = OrchestrationClient(sfn, dynamodb=client("dynamodb"))
    seen: dict[str, Any] = {}

    def operator() -> None:  # an hour after the start, on the virtual clock
        seen["status"] = orchestrations.get_status(instance)
        seen["delivery"] = orchestrations.raise_event(
            instance, "ManagerApproval", {"Approved": True, "Approver": "ada"}
        )

    sfn.clock.enter()  # hold virtual time while starting and scheduling the operator
    try:
        instance = orchestrations.start_new(
            "OrderProcessingOrchestration", data.ORDER_APPROVAL_GRANTED, "order-1006"
        )
        sfn.clock.call_at(sfn.clock.now() + timedelta(hours=1), operator)
    finally:
        sfn.clock.leave()
    final = orchestrations.wait_for_completion(instance, timeout=30)

    assert seen["status"].runtime_status == "Running"
    assert seen["status"].custom_status == "Awaiting manager approval"
    assert seen["delivery"] == "delivered"
    assert final.runtime_status == "Completed"
    assert final.output["Success"] is True and final.output["OrderId"] == data.ORDER_APPROVAL_GRANTED
    assert final.custom_status == "Sending notification"
    entities.drain()  # what the queue's consumer does on AWS
    (order,) = [o for o in data.ORDERS if o["OrderId"] == data.ORDER_APPROVAL_GRANTED]
    balance = entities.read(EntityId("LoyaltyBalance", order["CustomerEmail"])).state
    assert balance == {"Points": int(final.output["Amount"]), "Orders": 1}
