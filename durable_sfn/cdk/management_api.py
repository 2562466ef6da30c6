"""ManagementApi: the Durable-style management HTTP API on AWS, behind API Gateway with IAM auth.

The same routes `durable-sfn serve` offers locally (start -> 202 with statusQueryGetUri,
sendEventPostUri, terminatePostUri; status; raise event; terminate; rewind; list with `top`;
purge), served by one Lambda function that uses `OrchestrationClient`. Callers sign requests with
SigV4 (IAM authorization); `grant_invoke` gives a role the right to call it. Executions of an
`Orchestration` start through its alias, so they run the version the alias routes to.

>>> ManagementApi(stack, "Management", orchestrations=[order_processing])

The function may only touch the orchestrations it is given: it starts their executions (through
the alias, for an `Orchestration`), lists, reads, stops and redrives those executions, completes
their task tokens, reads, writes and purges the external-event table, and reads and purges entity
items and sends signals when there are entities. It never lists the account's state machines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Arn, ArnFormat, AssetHashType, BundlingOptions, CfnOutput, DockerImage, Duration, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from durable_sfn.cdk._private import nag
from durable_sfn.cdk._private.bundling import LIBRARY_EXCLUDED_FROM_CODE, LIBRARY_SOURCE, CodeBundler
from durable_sfn.cdk._private.errors import OrchestrationConfigError
from durable_sfn.cdk._private.functions import RUNTIME
from durable_sfn.cdk.entities import EntityResources
from durable_sfn.cdk.events_table import EventsTable
from durable_sfn.cdk.orchestration import Orchestration
from durable_sfn.client.events import EVENTS_TABLE_ENV
from durable_sfn.entities.signals import QUEUE_URL_ENV as ENTITIES_QUEUE_ENV
from durable_sfn.entities.store import TABLE_ENV as ENTITIES_TABLE_ENV

HANDLER = "durable_sfn.server.management_lambda.handler"
STATE_MACHINES_ENV = "DURABLE_SFN_STATE_MACHINES"
PREFIX = "runtime/webhooks/durabletask"


class ManagementApi(Construct):
    """A REST API (IAM-authorized) and its Lambda for managing the given orchestrations.

    `orchestrations`: `Orchestration` constructs, or a mapping orchestrator name -> state machine.
    `events_table`: the external-event table the orchestrations' `DurableEventWaiter` uses
    (default: the stack's `EventsTable.of(stack)`, which orchestrations use when given none).
    `entities`: the entities' table and queue for the `/entities/...` routes (default: those of
    the given orchestrations, if they use entities).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        orchestrations: Sequence[Orchestration] | Mapping[str, sfn.IStateMachine],
        events_table: dynamodb.ITable | None = None,
        api_name: str | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        entities: EntityResources | None = None,
        throttling_rate_limit: float = 50,
        throttling_burst_limit: int = 100,
    ) -> None:
        super().__init__(scope, id)
        self.machines = _machines(id, orchestrations)
        # Where each orchestration's executions start: its alias (Orchestration), else the machine.
        managed = [] if isinstance(orchestrations, Mapping) else list(orchestrations)
        self.aliases: dict[str, str] = {o.state_machine_name: o.alias_name for o in managed}
        start_arns = {name: machine.state_machine_arn for name, machine in self.machines.items()}
        start_arns.update({o.state_machine_name: o.alias_arn for o in managed})
        # The /entities routes need the entities' table and queue: the ones passed, else the ones
        # the managed orchestrations use (provisioned per stack when none were passed).
        self.entities = entities or _entities_of(orchestrations)
        stack = Stack.of(self)
        if events_table is None:
            events_table = EventsTable.of(self).table

        bundler = CodeBundler([LIBRARY_SOURCE], excluded=LIBRARY_EXCLUDED_FROM_CODE)
        self.handler = lambda_.Function(
            self,
            "Handler",
            runtime=RUNTIME,
            handler=HANDLER,
            code=lambda_.Code.from_asset(
                str(LIBRARY_SOURCE.path),
                asset_hash=bundler.fingerprint(),
                asset_hash_type=AssetHashType.CUSTOM,
                bundling=BundlingOptions(image=DockerImage.from_registry("scratch"), local=bundler),
            ),
            memory_size=256,
            timeout=Duration.seconds(29),  # API Gateway's own integration limit
            tracing=lambda_.Tracing.ACTIVE,
            log_group=logs.LogGroup(self, "HandlerLogs", retention=log_retention),
            environment={
                STATE_MACHINES_ENV: stack.to_json_string(start_arns),
                EVENTS_TABLE_ENV: events_table.table_name,
            },
            description="durable_sfn management API: start, status, raise event, terminate, rewind, purge",
        )
        self._grant(events_table)
        if self.entities is not None:
            self.handler.add_environment(ENTITIES_TABLE_ENV, self.entities.table.table_name)
            self.handler.add_environment(ENTITIES_QUEUE_ENV, self.entities.queue.queue_url)
            # read_entity_state is one consistent GetItem; signal_entity one SendMessage; purging an
            # entity one DeleteItem.
            self.entities.table.grant(self.handler, "dynamodb:GetItem", "dynamodb:DeleteItem")
            self.entities.queue.grant(self.handler, "sqs:SendMessage")

        access_logs = logs.LogGroup(self, "AccessLogs", retention=log_retention)
        self.api = apigateway.RestApi(
            self,
            "Api",
            rest_api_name=api_name,
            description="Durable Functions-style management API for durable_sfn orchestrations",
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            cloud_watch_role=False,
            deploy_options=apigateway.StageOptions(
                stage_name="api",
                tracing_enabled=True,
                # Steady requests per second and burst for the whole stage: a runaway caller
                # meets 429s before it meets the account's Step Functions quotas.
                throttling_rate_limit=throttling_rate_limit,
                throttling_burst_limit=throttling_burst_limit,
                access_log_destination=apigateway.LogGroupLogDestination(access_logs),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
            ),
            default_method_options=apigateway.MethodOptions(
                authorization_type=apigateway.AuthorizationType.IAM
            ),
        )
        self.api.root.resource_for_path(PREFIX).add_proxy(
            default_integration=apigateway.LambdaIntegration(self.handler), any_method=True
        )
        self.url = f"{self.api.url}{PREFIX}"
        CfnOutput(self, "Url", value=self.url, description="Management API base URL (SigV4-signed requests)")
        self._acknowledge()

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let `grantee` call every route of the API (execute-api:Invoke)."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["execute-api:Invoke"],
            resource_arns=[self.api.arn_for_execute_api(path=f"/{PREFIX}/*")],
        )

    def _grant(self, events_table: dynamodb.ITable) -> None:
        stack = Stack.of(self)
        for name, machine in self.machines.items():
            # The real state machine name (a mapping key is only the orchestrator's name).
            machine_name = Arn.split(machine.state_machine_arn, ArnFormat.COLON_RESOURCE_NAME).resource_name
            executions = stack.format_arn(
                service="states",
                resource="execution",
                resource_name=f"{machine_name}:*",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            self.handler.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["states:ListExecutions", "states:SendTaskSuccess"],
                    resources=[machine.state_machine_arn],
                )
            )
            # Starting goes through the alias: Step Functions authorizes a qualified ARN against the
            # state machine's ARN, with the alias name in states:StateMachineQualifier.
            alias = self.aliases.get(name)
            self.handler.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["states:StartExecution"],
                    resources=[machine.state_machine_arn],
                    conditions={"StringEquals": {"states:StateMachineQualifier": alias}} if alias else None,
                )
            )
            self.handler.add_to_role_policy(
                iam.PolicyStatement(
                    actions=[
                        "states:DescribeExecution",
                        "states:GetExecutionHistory",
                        "states:StopExecution",
                        "states:RedriveExecution",
                    ],
                    resources=[executions],
                )
            )
            nag.acknowledge_wildcard(
                self.handler,
                executions,
                f"executions of {name} have generated names; the wildcard is scoped to that state machine",
            )
        # Raising reads and writes an item; purging queries an execution's items and deletes them.
        events_table.grant(
            self.handler, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"
        )

    def _acknowledge(self) -> None:
        nag.acknowledge(
            self.api,
            "AwsSolutions-APIG2",
            "request bodies are free-form orchestration inputs and event data, validated by the orchestrations",
        )
        nag.acknowledge(
            self.api,
            "AwsSolutions-APIG3",
            "an IAM-authorized internal API: only AWS principals granted execute-api:Invoke can call it",
        )
        nag.acknowledge(
            self.api,
            "AwsSolutions-APIG6",
            "execution logging needs the account-wide API Gateway CloudWatch role; access logging is enabled",
        )
        nag.acknowledge(
            self.api,
            "AwsSolutions-COG4",
            "callers authenticate with IAM (SigV4) instead of a Cognito user pool, like the AWS APIs themselves",
        )
        nag.acknowledge(
            self.handler,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "AWSLambdaBasicExecutionRole allows logs:CreateLogGroup, CreateLogStream and PutLogEvents "
            "on every log group of the account (Resource *), not only the function's own; accepted "
            "because it grants log writes only, no reads or deletes",
        )
        nag.acknowledge(
            self.handler,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions",
        )
        nag.acknowledge(
            self.handler,
            "AwsSolutions-L1",
            "Python 3.12 is pinned to match the runtime the activity functions and their layers are built for",
        )


def _entities_of(
    orchestrations: Sequence[Orchestration] | Mapping[str, sfn.IStateMachine],
) -> EntityResources | None:
    if isinstance(orchestrations, Mapping):
        return None
    for orchestration in orchestrations:
        if isinstance(orchestration, Orchestration) and orchestration.entities is not None:
            return orchestration.entities
    return None


def _machines(
    id: str, orchestrations: Sequence[Orchestration] | Mapping[str, sfn.IStateMachine]
) -> dict[str, sfn.IStateMachine]:
    if isinstance(orchestrations, Mapping):
        machines = dict(orchestrations)
    else:
        machines = {}
        for orchestration in orchestrations:
            if not isinstance(orchestration, Orchestration):
                raise OrchestrationConfigError(
                    f"ManagementApi {id!r}: orchestrations= takes Orchestration constructs or a mapping "
                    f"name -> state machine, got {orchestration!r}"
                )
            machines[orchestration.state_machine_name] = orchestration.state_machine
    if not machines:
        raise OrchestrationConfigError(f"ManagementApi {id!r}: give at least one orchestration to manage")
    return machines
