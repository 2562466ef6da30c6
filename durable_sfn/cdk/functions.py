"""The Lambda function shape shared by hosted activities and entities.

Each function gets its own log group (one month retention), its own role (log writes and X-Ray),
active tracing, a DependsOn on the role's policy alone, and the same cdk-nag acknowledgements.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from durable_sfn.cdk import nag
from durable_sfn.cdk.lint import depend_on_policy_only


def python_function(
    scope: Construct,
    name: str,
    *,
    runtime: lambda_.Runtime,
    handler: str,
    code: lambda_.Code,
    layer: lambda_.ILayerVersion | None,
    memory_size: int | None,
    timeout: Duration | None,
    description: str,
    role_description: str,
    environment: Mapping[str, str],
    runtime_reason: str,
    reserved_concurrent_executions: int | None = None,
) -> lambda_.Function:
    """`name` (with `{name}Logs` and `{name}Role`) under `scope`, acknowledged for cdk-nag.

    `runtime_reason` is the acknowledgement of AwsSolutions-L1 (the runtime is not the latest)."""
    log_group = logs.LogGroup(scope, f"{name}Logs", retention=logs.RetentionDays.ONE_MONTH)
    role = iam.Role(
        scope,
        f"{name}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=role_description,
    )
    log_group.grant_write(role)
    function = lambda_.Function(
        scope,
        name,
        runtime=runtime,
        architecture=lambda_.Architecture.X86_64,
        handler=handler,
        code=code,
        layers=[layer] if layer is not None else None,
        role=role,
        log_group=log_group,
        memory_size=memory_size,
        timeout=timeout,
        reserved_concurrent_executions=reserved_concurrent_executions,
        tracing=lambda_.Tracing.ACTIVE,
        description=description,
        environment=dict(environment),
    )
    depend_on_policy_only(function, role)
    nag.acknowledge(
        role,
        "AwsSolutions-IAM5[Resource::*]",
        "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions",
    )
    nag.acknowledge(function, "AwsSolutions-L1", runtime_reason)
    return function
