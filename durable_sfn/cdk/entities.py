"""The AWS side of entities: one table, one FIFO signal queue, one function per entity.

    resources = EntityResources(stack, "Entities", entities=[counter], code=code, layer=layer)
    machine = sfn.StateMachine(..., definition_substitutions=resources.definition_substitutions())
    resources.grant_to(machine)

Calls (`ctx.call_entity`) invoke the entity's own function (`${EntityName}`), so each entity scales
and is permitted on its own. Signals (`ctx.signal_entity`) go to one FIFO queue; a single
dispatcher function hosting every entity drains it, because an SQS queue hands each message to
whichever consumer polls it and every consumer must therefore understand every message. Both
paths write through the same conditional, versioned item, so they stay serialised per entity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from durable_sfn._aws import ENTITIES_QUEUE_URL
from durable_sfn.cdk._private import nag
from durable_sfn.cdk._private.bundling import CodeSource
from durable_sfn.cdk._private.errors import OrchestrationConfigError
from durable_sfn.cdk._private.functions import entry_point, handler_path, python_function
from durable_sfn.entities import lambda_entry
from durable_sfn.entities.contract import entity_usage
from durable_sfn.entities.lambda_entry import ENTITY_ENV
from durable_sfn.entities.model import EntityDefinition, entity_definition
from durable_sfn.entities.store import TABLE_ENV, TTL_ATTRIBUTE

HANDLER = handler_path(lambda_entry.handler)
DISPATCHER = "DurableEntityDispatcher"
# Exactly what EntityStore does: a consistent read and conditional put/delete of one item.
_ITEM_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem")
_MAX_RECEIVE_COUNT = 5


def _definitions(entities: Iterable[Callable[..., Any] | EntityDefinition]) -> list[EntityDefinition]:
    found: dict[str, EntityDefinition] = {}
    for obj in entities:
        definition = obj if isinstance(obj, EntityDefinition) else entity_definition(obj)
        if definition is None:
            raise OrchestrationConfigError(
                f"EntityResources(entities=...): {obj!r} is not an entity; decorate it with @entity(name=...)"
            )
        other = found.get(definition.name)
        if other is not None and other.function is not definition.function:
            raise OrchestrationConfigError(
                f"{definition.source_file}:{definition.line}: entity name {definition.name!r} is already "
                f"used by {entry_point(other)}; rename one with @entity(name=...)"
            )
        found[definition.name] = definition
    if not found:
        raise OrchestrationConfigError("EntityResources(entities=...) needs at least one @entity function")
    return list(found.values())


class EntityResources(Construct):
    """The entities table, the signal queue (+ DLQ) and the entity functions of a stack.

    `definition_substitutions()` gives the `${...}` values a compiled definition refers to;
    `grant_to(state_machine)` lets it call the entity functions and send signals, nothing more.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        entities: Iterable[Callable[..., Any] | EntityDefinition],
        code: lambda_.Code,
        layer: lambda_.ILayerVersion | None = None,
        memory_size: int = 256,
        timeout: timedelta = timedelta(seconds=60),
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, id)
        self.definitions = _definitions(entities)
        entries = {d.name: entry_point(d) for d in self.definitions}
        if DISPATCHER in entries:
            raise OrchestrationConfigError(
                f"entity name {DISPATCHER!r} is reserved for the signal dispatcher"
            )
        if timeout.total_seconds() < 1:
            raise OrchestrationConfigError("EntityResources timeout must be at least one second")
        function_timeout = Duration.seconds(int(timeout.total_seconds()))

        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=TTL_ATTRIBUTE,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=removal_policy,
        )
        self.dead_letter_queue = sqs.Queue(
            self,
            "SignalsDeadLetters",
            fifo=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.queue = sqs.Queue(
            self,
            "Signals",
            fifo=True,
            content_based_deduplication=False,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            # Lambda's guidance for SQS event sources: at least six times the function timeout.
            visibility_timeout=Duration.seconds(6 * int(timeout.total_seconds())),
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=_MAX_RECEIVE_COUNT, queue=self.dead_letter_queue
            ),
        )
        nag.acknowledge(
            self.dead_letter_queue,
            "AwsSolutions-SQS3",
            "this queue is the dead-letter queue of the signal queue",
        )
        # A signal lands here after failing every delivery: an operation was lost for an entity.
        self.dead_letter_alarm = cloudwatch.Alarm(
            self,
            "SignalsDeadLettersAlarm",
            metric=self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(5), statistic="Maximum"
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description="entity signals failed every delivery and wait in the dead-letter queue",
        )

        self._code, self._layer = code, layer
        # The packages `code` was bundled from, when known (stack-wide provisioning checks them).
        self.code_sources: tuple[CodeSource, ...] | None = None
        self._memory_size, self._function_timeout = memory_size, function_timeout
        self.functions: dict[str, lambda_.Function] = {}
        self._entries: dict[str, str] = {}
        self.dispatcher = self._function(
            DISPATCHER, ",".join(entries.values()), "durable_sfn entity signal dispatcher"
        )
        self.dispatcher.add_event_source(
            event_sources.SqsEventSource(self.queue, batch_size=10, report_batch_item_failures=True)
        )
        self.add_entities(self.definitions)
        # What OrchestrationClient(entities_table=..., entities_queue_url=...) needs on AWS.
        CfnOutput(self, "TableName", value=self.table.table_name, description="Entities table")
        CfnOutput(self, "QueueUrl", value=self.queue.queue_url, description="Entity signal queue URL")

    def add_entities(self, entities: Iterable[Callable[..., Any] | EntityDefinition]) -> None:
        """Host more entities: one function each, and the dispatcher learns to apply their signals.

        Lets one stack-wide instance serve every orchestration that uses entities."""
        for definition in _definitions(entities):
            entry = entry_point(definition)
            if definition.name == DISPATCHER:
                raise OrchestrationConfigError(
                    f"entity name {DISPATCHER!r} is reserved for the signal dispatcher"
                )
            known = self._entries.get(definition.name)
            if known is not None:
                if known != entry:
                    raise OrchestrationConfigError(
                        f"{definition.source_file}:{definition.line}: entity name {definition.name!r} is "
                        f"already hosted for {known}; rename one with @entity(name=...)"
                    )
                continue
            self._entries[definition.name] = entry
            if definition not in self.definitions:
                self.definitions.append(definition)
            self.functions[definition.name] = self._function(
                definition.name, entry, f"durable_sfn entity {definition.name} ({entry})"
            )
        # The dispatcher imports every hosted entity (a queue hands any message to any consumer).
        self.dispatcher.add_environment(ENTITY_ENV, ",".join(self._entries.values()))

    def _function(self, name: str, entry: str, description: str) -> lambda_.Function:
        function = python_function(
            self,
            name,
            handler=HANDLER,
            code=self._code,
            layer=self._layer,
            memory_size=self._memory_size,
            timeout=self._function_timeout,
            description=description,
            role_description=f"Role of {description}: its log group, X-Ray and its entity items",
            environment={ENTITY_ENV: entry, TABLE_ENV: self.table.table_name},
            runtime_reason="Python 3.12 is pinned on purpose: the dependency layer holds cp312 wheels built for it",
        )
        self.table.grant(function, *_ITEM_ACTIONS)
        return function

    def definition_substitutions(self) -> Mapping[str, str]:
        """`{EntityName: function ARN, "DurableEntitiesQueueUrl": queue URL}` for a state machine."""
        values = {name: function.function_arn for name, function in self.functions.items()}
        values[ENTITIES_QUEUE_URL] = self.queue.queue_url
        return values

    def grant_to(self, grantee: iam.IGrantable, entity_names: Iterable[str] | None = None) -> None:
        """Let `grantee` call `entity_names` (default: all) and send signals to the queue."""
        names = list(self.functions) if entity_names is None else list(entity_names)
        unknown = sorted(set(names) - set(self.functions))
        if unknown:
            raise OrchestrationConfigError(
                f"EntityResources.grant_to: no entity named {', '.join(unknown)}; "
                f"this construct hosts {', '.join(sorted(self.functions))}"
            )
        # The definition invokes the unqualified ARN, so no version/alias wildcard (`:*`) is needed.
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["lambda:InvokeFunction"],
            resource_arns=[self.functions[name].function_arn for name in names],
        )
        # Step Functions' sqs:sendMessage needs only this (grant_send_messages adds queue reads).
        self.queue.grant(grantee, "sqs:SendMessage")

    def grant_for_definition(self, grantee: iam.IGrantable, definition: Mapping[str, Any]) -> None:
        """Grant exactly what `definition` (a compiled ASL dict) uses: invoke on the entities it
        calls, SendMessage only if it signals. Fails at construction if it calls an entity that
        this construct does not host."""
        usage = entity_usage(dict(definition))
        missing = sorted(usage.called - set(self.functions))
        if missing:
            raise OrchestrationConfigError(
                f"the definition calls entities {', '.join(missing)} that EntityResources does not host "
                f"(it hosts {', '.join(sorted(self.functions))}); add them to entities=[...]"
            )
        if usage.called:
            iam.Grant.add_to_principal(
                grantee=grantee,
                actions=["lambda:InvokeFunction"],
                resource_arns=[self.functions[name].function_arn for name in sorted(usage.called)],
            )
        if usage.signals:
            self.queue.grant(grantee, "sqs:SendMessage")
