"""`Orchestration`: one orchestrator, deployed as a state machine plus one Lambda per activity.

The construct compiles the orchestrator and deploys that exact definition (placeholders replaced
by CloudFormation through DefinitionSubstitutions), so what runs on AWS is what ran locally. IAM is
computed from the definition: the role may call exactly the functions and state machines the
definition names. Every change of the deployed state machine publishes a version and moves the
orchestration's alias to it (at once, or gradually with `deployment=`); clients start executions
through the alias, so an execution runs the version it started with to its end. What the definition refers to is resolved by one private module per kind: activity
functions (`_private.activity_wiring`), entities (`_private.entity_hosting`), the role's statements
(`_private.permissions`); each receives values, never this construct.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from aws_cdk import ArnFormat, CfnOutput, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from durable_sfn._aws import EVENT_WAITER
from durable_sfn.cdk._private import nag
from durable_sfn.cdk._private.activity_functions import ActivityOptions
from durable_sfn.cdk._private.activity_wiring import GrantSpec, provision_activities
from durable_sfn.cdk._private.analysis import DefinitionRequirements, analyse
from durable_sfn.cdk._private.checks import AppWideChecks, DeployedMachine
from durable_sfn.cdk._private.deploy_values import fill as fill_deploy_values
from durable_sfn.cdk._private.deployment import DEFAULT_ALIAS, AliasDeployment, publish_with_alias
from durable_sfn.cdk._private.distributed_maps import distributed_maps, grant_distributed_maps
from durable_sfn.cdk._private.entity_hosting import host_entities
from durable_sfn.cdk._private.errors import OrchestrationConfigError
from durable_sfn.cdk._private.facts import OrchestrationFacts
from durable_sfn.cdk._private.http_calls import provision_http
from durable_sfn.cdk._private.lint import depend_on_policy_only
from durable_sfn.cdk._private.monitoring import add_alarms, add_outputs
from durable_sfn.cdk._private.permissions import grant_state_machine_role
from durable_sfn.cdk.entities import EntityResources
from durable_sfn.compiler import compile_orchestrator
from durable_sfn.compiler.api import render_definition
from durable_sfn.dsl import OrchestratorDefinition, orchestrator_definition

EXPRESS_MAX_TIMEOUT = timedelta(minutes=5)


def compile_definition(orchestrator: Callable[..., Any]) -> dict[str, Any]:
    return dict(compile_orchestrator(orchestrator))


def definition_text(definition: Mapping[str, Any]) -> str:
    """The definition as deployed: the very text `durable-sfn compile` writes to `.asl.json`."""
    return render_definition(dict(definition))


class Orchestration(Construct):
    """A durable_sfn orchestrator on AWS: state machine, activity functions, IAM, logs, alarms.

    >>> Orchestration(stack, "OrderProcessing", orchestrator=order_processing,
    ...               activity_grants={"ValidateOrderActivity": ActivityGrant.read_table(orders)})

    Sub-orchestrations are found by name among the app's other Orchestrations (declare them in any
    order) or passed explicitly with `sub_orchestrations=`. State machines are named after their
    orchestrator, so clients can address them by name.

    Versions: each deployment that changes the state machine publishes a version, and the alias
    `alias_name` (default "live"; `alias_arn`) routes new executions to it, at once or as
    `deployment=AliasDeployment.canary(...)` / `.linear(...)` describe. `grant_start_execution`
    lets a principal start executions through the alias only.

    Fan-outs over items in S3 (`ctx.s3_items`, `ctx.s3_objects`; Distributed Maps): the role may
    read exactly the object, manifest or prefix each reads, write its `results_to` prefix, and
    start, describe and stop its child executions. A bucket the orchestrator takes from its input
    is named in `s3_buckets` ({Map Run label: bucket}) and granted for that Map.

    Deploy-time values: what the orchestrator reads from `os.environ` is part of the definition,
    taken from `deploy_values` (variable -> value; a CDK token such as `table.table_name` works)
    and otherwise from the environment of `cdk synth`. A required variable (`os.environ["X"]`)
    that has neither is an error naming it.

    HTTP calls (`ctx.call_http`): `http_endpoints` lists the URL patterns the state machine may
    call (`"https://api.example.com/*"`; the role's `states:InvokeHTTPEndpoint` is limited to
    them and to the methods the definition uses), and `http_connection` is the EventBridge
    connection holding the API's credentials (without it, one with a generated API key is created).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        orchestrator: Callable[..., Any],
        activities: Iterable[Callable[..., Any]] | None = None,
        sub_orchestrations: Sequence[Orchestration] | Mapping[str, sfn.IStateMachine] | None = None,
        state_machine_type: sfn.StateMachineType = sfn.StateMachineType.STANDARD,
        state_machine_name: str | None = None,
        log_level: sfn.LogLevel = sfn.LogLevel.ALL,
        include_execution_data: bool = False,
        tracing: bool = True,
        timeout: Duration | timedelta | None = None,
        activity_grants: Mapping[str | Callable[..., Any], GrantSpec] | None = None,
        activity_options: Mapping[str | Callable[..., Any], ActivityOptions] | None = None,
        default_activity_options: ActivityOptions | None = None,
        environment: Mapping[str, str] | None = None,
        events_table: dynamodb.ITable | None = None,
        code_path: str | Path | None = None,
        layer: lambda_.ILayerVersion | None = None,
        requirements: str | Path | None = None,
        alarm_topic: sns.ITopic | None = None,
        service_name: str | None = None,
        entities: EntityResources | None = None,
        alias_name: str = DEFAULT_ALIAS,
        deployment: AliasDeployment | None = None,
        s3_buckets: Mapping[str, s3.IBucket] | None = None,
        deploy_values: Mapping[str, str] | None = None,
        http_connection: events.IConnection | None = None,
        http_endpoints: Sequence[str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        orch = orchestrator_definition(orchestrator)
        if orch is None:
            raise OrchestrationConfigError(
                f"Orchestration {id!r}: orchestrator= must be an @orchestrator-decorated async function, "
                f"got {orchestrator!r}"
            )
        self.orchestrator: OrchestratorDefinition = orch
        self.where = f"{orch.source_file}:{orch.line}"
        # What the orchestrator reads from os.environ, written in now (tokens: by CloudFormation).
        self.definition, deploy_substitutions = fill_deploy_values(
            compile_definition(orchestrator), deploy_values, machine=orch.name, construct=id
        )
        self.requirements: DefinitionRequirements = analyse(self.definition)
        self.state_machine_name = state_machine_name or orch.name
        self.state_machine_type = state_machine_type
        self.explicit_sub_orchestrations: dict[str, tuple[str, str]] = {}
        # The entities' table, queue and functions, when the orchestrator uses entities.
        self.entities: EntityResources | None = None
        self._check_express(state_machine_type, timeout)

        stack = Stack.of(self)
        self.state_machine_arn = stack.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=self.state_machine_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        path = Path(code_path).resolve() if code_path is not None else None
        facts = OrchestrationFacts(id, orch, self.requirements, self.state_machine_arn)
        self.functions, self.event_waiter = provision_activities(
            self,
            facts,
            activities=activities,
            activity_grants=activity_grants,
            activity_options=activity_options,
            default_activity_options=default_activity_options,
            environment=environment,
            events_table=events_table,
            code_path=path,
            layer=layer,
            requirements=requirements,
            service=service_name or stack.stack_name,
        )

        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=f"Execution role of state machine {self.state_machine_name}",
        )
        substitutions = {name: fn.function_arn for name, fn in self.functions.items()}
        if self.event_waiter is not None:
            substitutions[EVENT_WAITER] = self.event_waiter.function_arn
        substitutions.update(self._sub_orchestrations(sub_orchestrations))
        self.entities, entity_values = host_entities(
            self, facts, entities, role=self.role, definition=self.definition, code_path=path, layer=layer
        )
        substitutions.update(entity_values)
        substitutions.update(deploy_substitutions)
        substitutions.update(
            provision_http(
                self,
                self.definition,
                role=self.role,
                state_machine_arn=self.state_machine_arn,
                connection=http_connection,
                endpoints=http_endpoints,
                where=self.where,
            )
        )
        self._grant_role()
        grant_distributed_maps(
            self.role,
            distributed_maps(self.definition),
            s3_buckets or {},
            machine_arn=self.state_machine_arn,
            machine_name=self.state_machine_name,
            log_level=log_level,
            where=self.where,
        )

        self.log_group = logs.LogGroup(self, "Logs", retention=logs.RetentionDays.ONE_MONTH)
        self.definition_string = definition_text(self.definition)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=self.state_machine_name,
            state_machine_type=state_machine_type,
            definition_body=sfn.DefinitionBody.from_string(self.definition_string),
            definition_substitutions=substitutions,
            role=self.role,
            tracing_enabled=tracing,
            timeout=_duration(timeout),
            logs=sfn.LogOptions(
                destination=self.log_group, level=log_level, include_execution_data=include_execution_data
            ),
            comment=f"durable_sfn orchestrator {orch.name} ({Path(orch.source_file).name}:{orch.line})",
        )
        depend_on_policy_only(self.state_machine, self.role)
        nag.acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "CloudWatch Logs delivery (logs:CreateLogDelivery, ...) and X-Ray (xray:PutTraceSegments, "
            "...) support no resource-level permissions; AWS documents Resource '*' for both",
        )
        self.alarms = add_alarms(self, self.state_machine, self.state_machine_name, alarm_topic)
        add_outputs(self, self.state_machine, self.state_machine_name)
        published = publish_with_alias(
            self,
            self.state_machine,
            definition_text=self.definition_string,
            alias_name=alias_name,
            deployment=deployment,
            default_alarms=self.alarms,
            where=self.where,
        )
        self.version = published.version
        self.alias = published.alias
        self.alias_name = alias_name
        # Where clients start executions: the alias (a version ARN is the state machine ARN + ":N").
        self.alias_arn: str = published.alias.attr_arn
        CfnOutput(
            self,
            "AliasArn",
            value=self.alias_arn,
            description=f"Start executions of {self.state_machine_name} here",
        )
        self.node.add_validation(AppWideChecks(self._deployed_machine(), lambda: _deployed_machines(self)))

    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let `grantee` start executions through the alias (and only through it).

        Step Functions authorizes a qualified ARN against the state machine's ARN and exposes the
        qualifier as the `states:StateMachineQualifier` condition key ("Authorization for
        versions and aliases"); the grant is conditioned on the alias name.
        """
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["states:StartExecution"],
            resource_arns=[self.state_machine_arn],
            conditions={"StringEquals": {"states:StateMachineQualifier": self.alias_name}},
        )

    # -- construction helpers ------------------------------------------------------------------

    def _grant_role(self) -> None:
        """Exactly what the definition calls: its functions, its children, the `.sync` rule."""
        invoked = list(self.functions.values()) + ([self.event_waiter] if self.event_waiter else [])
        started = list(dict.fromkeys(self.sub_orchestration_arns.values()))
        if self.requirements.starts_itself and self.state_machine_arn not in started:
            started.append(self.state_machine_arn)
        sync_children = [
            self.explicit_sub_orchestrations[name][1]
            if name in self.explicit_sub_orchestrations
            else self._machine_name(name)
            for name in sorted(self.requirements.sync_sub_orchestrations)
        ]
        grant_state_machine_role(self.role, invoked=invoked, started=started, sync_children=sync_children)

    def _machine_name(self, orchestrator_name: str) -> str:
        """The state machine of a child resolved by name (this orchestration's own, for itself)."""
        return self.state_machine_name if orchestrator_name == self.orchestrator.name else orchestrator_name

    def _deployed_machine(self) -> DeployedMachine:
        return DeployedMachine(
            construct=self,
            orchestrator=self.orchestrator.name,
            where=self.where,
            state_machine_name=self.state_machine_name,
            calls=self.requirements.sub_orchestrations,
            given=frozenset(self.explicit_sub_orchestrations),
        )

    def _check_express(self, kind: sfn.StateMachineType, timeout: Duration | timedelta | None) -> None:
        if kind != sfn.StateMachineType.EXPRESS:
            return
        reasons = [
            f"state {s!r} runs a nested execution synchronously (.sync)"
            for s in self.requirements.sync_states
        ]
        reasons += [
            f"state {s!r} waits for a task token (.waitForTaskToken)"
            for s in self.requirements.task_token_states
        ]
        if reasons:
            raise OrchestrationConfigError(
                f"{self.where}: orchestrator {self.orchestrator.name!r} cannot be an EXPRESS state machine: "
                + "; ".join(reasons)
                + ". Express workflows support neither '.sync' nor '.waitForTaskToken' integrations "
                "(call_sub_orchestrator, wait_for_external_event): use StateMachineType.STANDARD."
            )
        seconds = _seconds(timeout)
        if seconds is not None and seconds > EXPRESS_MAX_TIMEOUT.total_seconds():
            raise OrchestrationConfigError(
                f"{self.where}: an EXPRESS state machine runs at most 5 minutes, timeout is {seconds:.0f} s"
            )

    def _sub_orchestrations(
        self, explicit: Sequence[Orchestration] | Mapping[str, sfn.IStateMachine] | None
    ) -> dict[str, str]:
        given: dict[str, tuple[str, str]] = {}
        if isinstance(explicit, Mapping):
            for name, machine in explicit.items():
                given[name] = (machine.state_machine_arn, _state_machine_name(machine))
        elif explicit is not None:
            for item in explicit:
                if not isinstance(item, Orchestration):
                    raise OrchestrationConfigError(
                        f"Orchestration {self.node.id!r}: sub_orchestrations= takes Orchestration constructs "
                        f"or a mapping {{name: IStateMachine}}, got {item!r}"
                    )
                given[item.orchestrator.name] = (item.state_machine_arn, item.state_machine_name)
        unused = sorted(set(given) - set(self.requirements.sub_orchestrations))
        if unused:
            raise OrchestrationConfigError(
                f"Orchestration {self.node.id!r}: sub_orchestrations= names {', '.join(unused)}, which "
                f"orchestrator {self.orchestrator.name!r} never calls"
            )
        stack = Stack.of(self)
        resolved: dict[str, str] = {}
        for name in self.requirements.sub_orchestrations:
            if name in given:
                resolved[name] = given[name][0]
                self.explicit_sub_orchestrations[name] = given[name]
                continue
            resolved[name] = stack.format_arn(
                service="states",
                resource="stateMachine",
                resource_name=self._machine_name(name),
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
        self.sub_orchestration_arns = resolved
        return resolved


def _deployed_machines(scope: Construct) -> list[DeployedMachine]:
    """Every Orchestration of the app `scope` belongs to."""
    return [c._deployed_machine() for c in scope.node.root.node.find_all() if isinstance(c, Orchestration)]


def _state_machine_name(machine: sfn.IStateMachine) -> str:
    name = getattr(machine, "state_machine_name", None)
    if not name:
        raise OrchestrationConfigError(f"cannot tell the name of state machine {machine.node.path}")
    return str(name)


def _seconds(value: Duration | timedelta | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value.to_seconds())


def _duration(value: Duration | timedelta | None) -> Duration | None:
    if isinstance(value, timedelta):
        return Duration.seconds(int(value.total_seconds()))
    return value
