"""ManagementApi synthesizes to an IAM-authorized REST API whose Lambda can touch only its machines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_stepfunctions as sfn
from cdk_nag import AwsSolutionsChecks

from durable_sfn.cdk import OrchestrationConfigError
from durable_sfn.cdk.management_api import HANDLER, ManagementApi

pytestmark = pytest.mark.slow  # one CDK synthesis (a Node.js process) for the module

MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:OrderProcessingOrchestration"


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    outdir = tmp_path_factory.mktemp("management-api")
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "Management", env=cdk.Environment(account="123456789012", region="us-east-1"))
    events = dynamodb.Table(
        stack,
        "Events",
        partition_key=dynamodb.Attribute(name="executionArn", type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name="eventName", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
    )
    machine = sfn.StateMachine.from_state_machine_arn(stack, "Orders", MACHINE_ARN)
    ManagementApi(stack, "Api", orchestrations={"OrderProcessingOrchestration": machine}, events_table=events)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()
    return json.loads((outdir / "Management.template.json").read_text()), outdir


def resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def test_every_route_requires_iam_signatures(synthesized: tuple[dict[str, Any], Path]) -> None:
    template, _ = synthesized
    methods = resources(template, "AWS::ApiGateway::Method")
    assert methods
    assert {m["Properties"]["AuthorizationType"] for m in methods} == {"AWS_IAM"}
    paths = {r["Properties"]["PathPart"] for r in resources(template, "AWS::ApiGateway::Resource")}
    assert {"runtime", "webhooks", "durabletask", "{proxy+}"} <= paths


def test_the_handler_may_only_manage_the_given_state_machine(
    synthesized: tuple[dict[str, Any], Path],
) -> None:
    template, _ = synthesized
    (function,) = [
        f for f in resources(template, "AWS::Lambda::Function") if f["Properties"]["Handler"] == HANDLER
    ]
    variables = function["Properties"]["Environment"]["Variables"]
    assert "DURABLE_SFN_EVENTS_TABLE" in variables
    assert "OrderProcessingOrchestration" in json.dumps(variables["DURABLE_SFN_STATE_MACHINES"])
    statements = [
        s
        for p in resources(template, "AWS::IAM::Policy")
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {"states:StartExecution", "states:StopExecution", "states:SendTaskSuccess"} <= actions
    assert {"dynamodb:GetItem", "dynamodb:PutItem"} <= actions
    assert "states:ListStateMachines" not in actions
    start = next(s for s in statements if "states:StartExecution" in s["Action"])
    assert start["Resource"] == MACHINE_ARN


def test_cdk_nag_has_no_unacknowledged_findings(synthesized: tuple[dict[str, Any], Path]) -> None:
    _, outdir = synthesized
    report = json.loads((outdir / "validation-report.json").read_text())
    violations = [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])]
    assert violations == []


def test_an_empty_api_is_a_construction_error() -> None:
    stack = cdk.Stack(cdk.App(), "Empty")
    table = dynamodb.Table(
        stack, "T", partition_key=dynamodb.Attribute(name="k", type=dynamodb.AttributeType.STRING)
    )
    with pytest.raises(OrchestrationConfigError, match="at least one orchestration"):
        ManagementApi(stack, "Api", orchestrations={}, events_table=table)
