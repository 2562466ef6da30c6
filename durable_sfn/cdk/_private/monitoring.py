"""What operators get with every orchestration: two alarms and the outputs to find it."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Fn, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct


def add_alarms(
    scope: Construct, machine: sfn.StateMachine, name: str, topic: sns.ITopic | None
) -> list[cloudwatch.Alarm]:
    """Alarm on any failed or timed-out execution in 5 minutes (notifying `topic` when given)."""
    alarms = []
    for label, metric in (
        ("ExecutionsFailed", machine.metric_failed),
        ("ExecutionsTimedOut", machine.metric_timed_out),
    ):
        alarm = cloudwatch.Alarm(
            scope,
            f"{label}Alarm",
            metric=metric(period=Duration.minutes(5), statistic="Sum"),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            # No executions is not a problem: quiet periods must not page anyone.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"{name}: at least one execution {label[10:].lower()} in 5 minutes",
        )
        if topic is not None:
            alarm.add_alarm_action(cw_actions.SnsAction(topic))
        alarms.append(alarm)
    return alarms


def add_outputs(scope: Construct, machine: sfn.StateMachine, name: str) -> None:
    """The state machine's ARN and its Step Functions console page."""
    arn = machine.state_machine_arn
    CfnOutput(scope, "StateMachineArn", value=arn, description=f"ARN of {name}")
    region = Stack.of(scope).region
    url = [
        "https://",
        region,
        ".console.aws.amazon.com/states/home?region=",
        region,
        "#/statemachines/view/",
        arn,
    ]
    CfnOutput(
        scope,
        "ConsoleUrl",
        value=Fn.join("", url),
        description=f"Step Functions console page of {name}",
    )
