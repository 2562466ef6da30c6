"""The CDK app the construct tests synthesize: the sample orchestrations plus a table to grant."""

from __future__ import annotations

from datetime import timedelta

from aws_cdk import App, RemovalPolicy, Stack, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks

from durable_sfn.cdk import ActivityGrant, AliasDeployment, Orchestration, StateMachineType
from tests.cdk import sample_orchestrations as sample

STACK = "CdkSample"
ENTITIES_STACK = "CdkSampleEntities"


def events_table(stack: Stack) -> dynamodb.Table:
    return dynamodb.Table(
        stack,
        "Events",
        partition_key=dynamodb.Attribute(name="executionArn", type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name="eventName", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        removal_policy=RemovalPolicy.DESTROY,
    )


def build_sample_app(outdir: str) -> App:
    # Templates are checked by cfn-lint and cdk-nag here; the built-in validation only slows synth.
    app = App(
        outdir=outdir,
        context={"aws:cdk:disable-stack-trace": True},
        builtin_cloud_formation_validation=False,
    )
    stack = Stack(app, STACK)
    events = events_table(stack)
    seats = dynamodb.Table(
        stack,
        "Seats",
        partition_key=dynamodb.Attribute(name="Flight", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        removal_policy=RemovalPolicy.DESTROY,
    )
    # The parent is declared before its child on purpose: sub-orchestrations resolve by name.
    # Trip's new versions take over gradually: 10% of new executions for 15 minutes, then all.
    Orchestration(
        stack,
        "Trip",
        orchestrator=sample.trip,
        deployment=AliasDeployment.canary(10, after=timedelta(minutes=15)),
    )
    booking = Orchestration(
        stack,
        "Booking",
        orchestrator=sample.booking,
        events_table=events,
        activity_grants={
            "ReserveSeat": ActivityGrant.read_write_table(seats, env="SEATS_TABLE"),
            sample.charge_card: [ActivityGrant.environment_variables(CURRENCY="EUR")],
        },
    )
    Orchestration(stack, "Quote", orchestrator=sample.quote, state_machine_type=StateMachineType.EXPRESS)
    # An operator who may start bookings, through the alias only.
    operator = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    booking.grant_start_execution(operator)
    # Both use the CdkSampleMiles entity, passing no EntityResources: one stack-wide table, queue
    # and dispatcher is provisioned and shared. A stack of its own keeps the one above unchanged.
    entities_stack = Stack(app, ENTITIES_STACK)
    Orchestration(entities_stack, "MilesCheck", orchestrator=sample.miles_check)
    Orchestration(entities_stack, "MilesCredit", orchestrator=sample.miles_credit)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app
