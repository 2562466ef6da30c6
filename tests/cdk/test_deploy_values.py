"""What an orchestrator reads from os.environ is filled in at synth: from the construct's
`deploy_values=` prop or the environment of `cdk synth`, written exactly as the local engine fills
it; a CDK token is left to CloudFormation; a missing required variable fails construction."""

from __future__ import annotations

import os

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.asl import substitute_placeholders
from durable_sfn.cdk import Orchestration, OrchestrationConfigError
from durable_sfn.compiler import compile_orchestrator
from durable_sfn.deploy_values import deploy_value_fills


@pytest.fixture
def stack() -> Stack:
    """A stack whose assets are not bundled (what is checked here is the definition)."""
    return Stack(App(context={"aws:cdk:bundling-stacks": []}), "DeployValues")


@activity(name="CdkDvStore")
def store(request: dict[str, JsonValue]) -> str:
    return f"{request['bucket']}/{request['key']}"


@orchestrator(name="CdkDeployValues")
async def configured(ctx: OrchestrationContext) -> JsonValue:
    bucket = os.environ["CDK_DV_BUCKET"]
    mode = os.environ.get("CDK_DV_MODE", "standard")
    return await ctx.call_activity(store, {"bucket": bucket, "key": ctx.get_input(), "mode": mode})


def test_values_are_written_in_as_the_local_engine_fills_them(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDK_DV_MODE", 'fast "and" \\ loose')
    monkeypatch.setenv("CDK_DV_BUCKET", "ignored: the prop wins")
    given = {"CDK_DV_BUCKET": "reports-ünïcode\n"}
    built = Orchestration(stack, "Configured", orchestrator=configured, deploy_values=given)
    compiled = compile_orchestrator(configured)
    values = {"CDK_DV_MODE": 'fast "and" \\ loose', **given}
    fills = deploy_value_fills(compiled, values, machine="CdkDeployValues")
    assert built.definition == substitute_placeholders(compiled, {"CdkDvStore": "${CdkDvStore}", **fills})
    assert "${env." not in built.definition_string


def test_a_missing_required_variable_fails_construction_naming_it(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CDK_DV_BUCKET", raising=False)
    with pytest.raises(OrchestrationConfigError) as error:
        Orchestration(stack, "Configured", orchestrator=configured)
    message = str(error.value)
    assert "'CDK_DV_BUCKET' is not set" in message and "'CdkDeployValues'" in message
    assert "deploy_values=" in message and "Orchestration 'Configured'" in message


def test_a_token_is_left_to_cloudformation(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDK_DV_MODE", raising=False)
    bucket = s3.Bucket(stack, "Reports")
    built = Orchestration(
        stack, "Configured", orchestrator=configured, deploy_values={"CDK_DV_BUCKET": bucket.bucket_name}
    )
    machine = built.state_machine.node.default_child
    assert isinstance(machine, sfn.CfnStateMachine)
    substitutions = stack.resolve(machine.definition_substitutions)
    resource = bucket.node.default_child
    assert isinstance(resource, s3.CfnBucket)
    assert substitutions["env.CDK_DV_BUCKET"] == {"Ref": stack.get_logical_id(resource)}
    assert "env.optional.CDK_DV_MODE" not in substitutions  # a plain value (unset): written in
    assert '\\"${env.CDK_DV_BUCKET}\\"' in built.definition_string  # in a JSONata string
