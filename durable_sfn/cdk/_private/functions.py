"""The Lambda function shape shared by hosted activities and entities.

Each function gets its own log group (one month retention), its own role (log writes and X-Ray),
active tracing, a DependsOn on the role's policy alone, and the same cdk-nag acknowledgements.
Its code is found through an entry point, `package.module:function`, read by the handler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from durable_sfn.cdk._private import nag
from durable_sfn.cdk._private.errors import OrchestrationConfigError
from durable_sfn.cdk._private.lint import depend_on_policy_only
from durable_sfn.dsl import ActivityDefinition
from durable_sfn.entities.model import EntityDefinition

# The dependency layers hold cp312 wheels, so every function runs the interpreter they were built for.
RUNTIME = lambda_.Runtime.PYTHON_3_12


def handler_path(handler: Callable[..., Any]) -> str:
    """`package.module.function`, how a Lambda function names its handler."""
    return f"{handler.__module__}.{handler.__qualname__}"


def entry_point(definition: ActivityDefinition | EntityDefinition) -> str:
    """`package.module:function`, the value of DURABLE_SFN_ACTIVITY or DURABLE_SFN_ENTITY.

    Lambda imports the function by that path, so only module-level functions of importable
    modules qualify."""
    noun, nouns = (
        ("entity", "entities") if isinstance(definition, EntityDefinition) else ("activity", "activities")
    )
    fn = definition.function
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    where = f"{definition.source_file}:{definition.line}"
    if not module or module == "__main__":
        raise OrchestrationConfigError(
            f"{where}: {noun} {definition.name!r} is defined in the script being run (__main__); "
            f"Lambda imports {nouns} by module path: move it into a module (e.g. lambdas/...)"
        )
    if "<locals>" in qualname or "." in qualname:
        raise OrchestrationConfigError(
            f"{where}: {noun} {definition.name!r} ({qualname}) is not a module-level function; "
            "Lambda imports it as module:function, so define it at the top level of its module"
        )
    return f"{module}:{qualname}"


def python_function(
    scope: Construct,
    name: str,
    *,
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
        runtime=RUNTIME,
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
