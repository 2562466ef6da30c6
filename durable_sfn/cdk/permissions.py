"""The state machine role's permissions, computed from what the compiled definition calls.

Every resource is named exactly: the activity functions (and their versions), the child state
machines (and their executions, for `.sync`), and the one EventBridge rule Step Functions manages
for `.sync`. The wildcards that remain are acknowledged finding by finding, with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam

from durable_sfn.cdk import nag

if TYPE_CHECKING:
    from durable_sfn.cdk.orchestration import Orchestration

# The managed rule Step Functions creates to learn when a `.sync` child execution ends.
SYNC_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule"


def grant_state_machine_role(orchestration: Orchestration) -> None:
    """Exactly what the definition calls: its functions, its children, the `.sync` rule."""
    stack = Stack.of(orchestration)
    invoked = list(orchestration.functions.values()) + (
        [orchestration.event_waiter] if orchestration.event_waiter else []
    )
    if invoked:
        resources: list[str] = []
        for fn in invoked:
            # `:*` covers the function's versions and aliases, which lambda:invoke may target.
            resources += [fn.function_arn, f"{fn.function_arn}:*"]
            nag.acknowledge(
                orchestration.role,
                nag.resource_id(orchestration, f"{fn.function_arn}:*"),
                "versions and aliases of this one activity function (qualified ARNs)",
            )
        orchestration.role.add_to_policy(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=resources)
        )
    started = list(dict.fromkeys(orchestration.sub_orchestration_arns.values()))
    if orchestration.requirements.starts_itself and orchestration.state_machine_arn not in started:
        started.append(orchestration.state_machine_arn)
    if started:
        orchestration.role.add_to_policy(
            iam.PolicyStatement(actions=["states:StartExecution"], resources=started)
        )
    sync = orchestration.requirements.sync_sub_orchestrations
    if sync:
        executions = []
        for name in sorted(sync):
            machine_name = orchestration.explicit_sub_orchestrations.get(
                name, ("", _machine_name(orchestration, name))
            )[1]
            arn = stack.format_arn(
                service="states",
                resource="execution",
                resource_name=f"{machine_name}:*",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            executions.append(arn)
            nag.acknowledge(
                orchestration.role,
                nag.resource_id(orchestration, arn),
                f"executions of state machine {machine_name} started by this one (.sync describes and "
                "stops them); execution names are generated at run time",
            )
        orchestration.role.add_to_policy(
            iam.PolicyStatement(
                actions=["states:DescribeExecution", "states:StopExecution"], resources=executions
            )
        )
        orchestration.role.add_to_policy(
            iam.PolicyStatement(
                actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                resources=[
                    stack.format_arn(
                        service="events",
                        resource="rule",
                        resource_name=SYNC_RULE,
                        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
                    )
                ],
            )
        )


def _machine_name(orchestration: Orchestration, name: str) -> str:
    """The state machine name of a child resolved by name (the orchestration's own, for itself)."""
    return orchestration.state_machine_name if name == orchestration.orchestrator.name else name
