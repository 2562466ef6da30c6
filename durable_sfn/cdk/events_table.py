"""`EventsTable`: the DynamoDB table of task tokens and buffered external events.

Orchestrators that wait for external events need it: the event waiter stores the task token
there, and clients (`OrchestrationClient.raise_event`, `durable-sfn events raise`, the
management API) find the token, or buffer the event until the orchestrator waits. Its key schema
is what `durable_sfn.client.events` reads and writes, so users never copy it: an `Orchestration`
that waits for events and gets no `events_table=` uses the stack's default one
(`EventsTable.of(stack)`), shared by every orchestration and management API of the stack.

>>> events = EventsTable(stack, "Events")
>>> Orchestration(stack, "Booking", orchestrator=booking, events_table=events.table)
"""

from __future__ import annotations

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from durable_sfn.cdk._private.errors import OrchestrationConfigError
from durable_sfn.client.events import TTL_ATTRIBUTE

PARTITION_KEY = "executionArn"
SORT_KEY = "eventName"
DEFAULT_ID = "DurableSfnEventsTable"


class EventsTable(Construct):
    """The table `durable_sfn.client.events` expects: executionArn + eventName, TTL on expiresAt.

    On-demand billing, AWS-managed encryption and point-in-time recovery. `removal_policy`
    defaults to RETAIN, as for any table that may hold work in flight. The table's name is a
    stack output (`EventsTableName` under this construct), for `--events-table` and
    `OrchestrationClient(events_table=...)`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        table_name: str | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, id)
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=table_name,
            partition_key=dynamodb.Attribute(name=PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=SORT_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=TTL_ATTRIBUTE,
            removal_policy=removal_policy,
        )
        CfnOutput(
            self,
            "EventsTableName",
            value=self.table.table_name,
            description="Task tokens and buffered external events: pass to --events-table or "
            "OrchestrationClient(events_table=...)",
        )

    @property
    def table_name(self) -> str:
        return self.table.table_name

    @staticmethod
    def of(scope: Construct) -> EventsTable:
        """The stack's default events table, created on first use (id `DurableSfnEventsTable`)."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(DEFAULT_ID)
        if existing is None:
            return EventsTable(stack, DEFAULT_ID)
        if not isinstance(existing, EventsTable):
            raise OrchestrationConfigError(
                f"the stack's construct {DEFAULT_ID!r} is a {type(existing).__name__}, not the default "
                "EventsTable: give it another id"
            )
        return existing
