"""The state machine role's permissions, computed from what the compiled definition calls.

Every resource is named exactly: the activity functions (and their versions), the child state
machines (and their executions, for `.sync`), and the one EventBridge rule Step Functions manages
for `.sync`. The wildcards that remain are acknowledged finding by finding, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from durable_sfn.cdk._private import nag

# The managed rule Step Functions creates to learn when a `.sync` child execution ends.
SYNC_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule"


def grant_state_machine_role(
    role: iam.Role,
    *,
    invoked: Sequence[lambda_.IFunction],
    started: Sequence[str],
    sync_children: Iterable[str],
) -> None:
    """Exactly what the definition calls: the `invoked` functions, the state machines it `started`
    (ARNs) and, for the children it runs with `.sync` (state machine names), their executions and
    the `.sync` rule."""
    stack = Stack.of(role)
    if invoked:
        resources: list[str] = []
        for fn in invoked:
            # `:*` covers the function's versions and aliases, which lambda:invoke may target.
            resources += [fn.function_arn, f"{fn.function_arn}:*"]
            nag.acknowledge(
                role,
                nag.resource_id(role, f"{fn.function_arn}:*"),
                "versions and aliases of this one activity function (qualified ARNs)",
            )
        role.add_to_policy(iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=resources))
    if started:
        role.add_to_policy(iam.PolicyStatement(actions=["states:StartExecution"], resources=list(started)))
    executions = []
    for machine_name in sync_children:
        arn = stack.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        executions.append(arn)
        nag.acknowledge(
            role,
            nag.resource_id(role, arn),
            f"executions of state machine {machine_name} started by this one (.sync describes and "
            "stops them); execution names are generated at run time",
        )
    if executions:
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["states:DescribeExecution", "states:StopExecution"], resources=executions
            )
        )
        role.add_to_policy(
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
