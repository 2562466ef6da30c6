"""Fan-outs over items in S3 deploy with exactly the grants their Distributed Maps need: reads of the
object, prefix or manifest, writes under the results prefix, their child executions; nag-clean."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import RemovalPolicy, Validations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from cdk_nag import AwsSolutionsChecks

from durable_sfn.cdk import Orchestration, OrchestrationConfigError
from tests.cdk import fanout_orchestrations as fanout
from tests.cdk.helpers import grants_by_action, logical_id_of_ref, policy_statements

pytestmark = pytest.mark.slow  # one CDK synthesis (a Node.js process) for the module

STACK = "Fanout"


def _bucket(stack: cdk.Stack) -> s3.Bucket:
    return s3.Bucket(
        stack,
        "Inventory",
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        server_access_logs_prefix="access/",
        removal_policy=RemovalPolicy.DESTROY,
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    outdir = tmp_path_factory.mktemp("fanout")
    app = cdk.App(outdir=str(outdir), context={"aws:cdk:disable-stack-trace": True})
    stack = cdk.Stack(app, STACK, env=cdk.Environment(account="123456789012", region="us-east-1"))
    Orchestration(stack, "Orders", orchestrator=fanout.orders)
    Orchestration(stack, "Documents", orchestrator=fanout.documents, s3_buckets={"Inventory": _bucket(stack)})
    # Findings are errors: a synthesis with any unacknowledged AwsSolutions finding fails.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()
    result: dict[str, Any] = json.loads((Path(outdir) / f"{STACK}.template.json").read_text())
    return result


def _grants(template: dict[str, Any], machine_name: str) -> tuple[dict[str, set[str]], list[dict[str, Any]]]:
    (machine,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::StepFunctions::StateMachine"
        and r["Properties"]["StateMachineName"] == machine_name
    ]
    role = logical_id_of_ref(machine["Properties"]["RoleArn"])
    statements = policy_statements(template, role)
    return grants_by_action(statements), statements


def test_a_literal_object_and_results_prefix_are_granted_alone(template: dict[str, Any]) -> None:
    grants, _ = _grants(template, "CdkFanoutOrders")
    assert grants["s3:GetObject"] == {
        "arn:<AWS::Partition>:s3:::cdk-orders/exports/orders.jsonl",
        "arn:<AWS::Partition>:s3:::cdk-results/orders/*",
    }
    for action in ("s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"):
        assert grants[action] == {"arn:<AWS::Partition>:s3:::cdk-results/orders/*"}
    assert "s3:ListBucket" not in grants
    machine = "arn:<AWS::Partition>:states:us-east-1:123456789012:stateMachine:CdkFanoutOrders"
    assert grants["states:StartExecution"] == {machine, f"{machine}:*"}
    children = "arn:<AWS::Partition>:states:us-east-1:123456789012:execution:CdkFanoutOrders/*"
    assert grants["states:DescribeExecution"] == grants["states:StopExecution"] == {children}


def test_a_listing_is_limited_to_its_prefix_and_an_input_bucket_to_the_given_one(
    template: dict[str, Any],
) -> None:
    grants, statements = _grants(template, "CdkFanoutDocuments")
    (listing,) = [s for s in statements if s["Action"] == "s3:ListBucket"]
    assert listing["Resource"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::cdk-documents"]]
    }
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["invoices/2026/*"]}}
    (inventory,) = grants["s3:GetObject"]
    assert inventory.startswith("<Inventory") and inventory.endswith(".Arn>/inventory/src/cfg/*")
    assert "s3:PutObject" not in grants


def test_express_children_are_logged(template: dict[str, Any]) -> None:
    machines = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::StepFunctions::StateMachine"
    ]
    for props in machines:
        assert props["LoggingConfiguration"]["Level"] == "ALL"


def test_a_bucket_from_the_input_must_be_named(tmp_path: Path) -> None:
    stack = cdk.Stack(cdk.App(), "Missing")
    with pytest.raises(OrchestrationConfigError, match=r"pass s3_buckets=\{'Inventory': bucket\}"):
        Orchestration(stack, "Documents", orchestrator=fanout.documents)


def test_express_children_without_a_log_are_refused() -> None:
    stack = cdk.Stack(cdk.App(), "Unlogged")
    with pytest.raises(OrchestrationConfigError, match="keep no execution history"):
        Orchestration(stack, "Orders", orchestrator=fanout.orders, log_level=sfn.LogLevel.OFF)


def test_a_deploy_time_bucket_counts_as_named_in_the_definition() -> None:
    from durable_sfn.cdk._private.distributed_maps import distributed_maps

    reader = {"Resource": "arn:aws:states:::s3:listObjectsV2", "Arguments": {"Bucket": "", "Prefix": "in/"}}
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
        "StartAt": "P",
        "States": {},
    }
    found = []
    for bucket in ('{% "filled-at-synth" %}', "{% $states.input.bucket %}", '{% "${Token[TOKEN.1]}" %}'):
        state = {"Type": "Map", "ItemReader": {**reader, "Arguments": {"Bucket": bucket, "Prefix": "in/"}}}
        definition = {"StartAt": "M", "States": {"M": {**state, "ItemProcessor": processor, "End": True}}}
        (m,) = distributed_maps(definition)
        found.append(m.bucket)
    assert found == ["filled-at-synth", None, None]
