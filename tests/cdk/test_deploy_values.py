"""What an orchestrator reads from os.environ is filled in at synth: from the construct's
`deploy_values=` prop or the environment of `cdk synth`, written exactly as the local engine fills
it; a CDK token is left to CloudFormation; a missing required variable fails construction."""

from __future__ import annotations

import json
import os
import re

import jsonata
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


# Text that would break or change the definition if written in as it is: quotes, backslashes and
# line breaks end or bend the JSONata string; `${CdkDvStore}` and `${env.CDK_DV_BUCKET}` are
# placeholders CloudFormation's DefinitionSubstitutions fill on deploy; `%}` ends an expression.
HOSTILE = 'x" & $states.input & "\\ \n\t${CdkDvStore} ${env.CDK_DV_BUCKET} %} {% \u2028 ü'


def _deployed_text(stack: Stack, built: Orchestration, token_value: str) -> str:
    """The definition text CloudFormation would create: DefinitionSubstitutions filled into the
    synthesized DefinitionString, each unresolved part (a Ref, a GetAtt) as `token_value`."""
    machine = built.state_machine.node.default_child
    assert isinstance(machine, sfn.CfnStateMachine)

    def text_of(value: object) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and "Fn::Join" in value:
            return "".join(text_of(part) for part in value["Fn::Join"][1])
        return token_value

    text = text_of(stack.resolve(machine.definition_string))
    for name, value in (stack.resolve(machine.definition_substitutions) or {}).items():
        text = text.replace("${" + name + "}", text_of(value))
    return text


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def test_a_hostile_value_is_one_string_in_the_deployed_definition(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: `${CdkDvStore}` in a value was written in as it is, so CloudFormation's
    # DefinitionSubstitutions replaced it with the activity's ARN on deploy.
    monkeypatch.delenv("CDK_DV_MODE", raising=False)
    built = Orchestration(
        stack, "Configured", orchestrator=configured, deploy_values={"CDK_DV_BUCKET": HOSTILE}
    )
    deployed = json.loads(_deployed_text(stack, built, "arn:aws:lambda:us-east-1:1:function:F"))
    arguments = json.dumps(deployed)
    assert "${CdkDvStore}" not in arguments and "${env." not in arguments
    bucket_reads = [s for s in _strings(deployed) if "\\u0024{CdkDvStore}" in s]
    assert bucket_reads, deployed
    # The JSONata string literal holds the value, whole: jsonata reads it back exactly.
    literal = re.search(r'"((?:[^"\\]|\\.)*\\u0024\{CdkDvStore\}(?:[^"\\]|\\.)*)"', bucket_reads[0])
    assert literal is not None, bucket_reads[0]
    assert jsonata.Jsonata('"' + literal.group(1) + '"').evaluate(None) == HOSTILE


def test_the_text_around_a_token_is_escaped(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: the literal text of a value holding a token went to DefinitionSubstitutions as it
    # is, so its quote ended the JSONata string and `${CdkDvStore}` became the activity's ARN.
    monkeypatch.delenv("CDK_DV_MODE", raising=False)
    bucket = s3.Bucket(stack, "Reports")
    value = 'pre"fix ${CdkDvStore} ' + bucket.bucket_name + " \\suffix"
    built = Orchestration(
        stack, "Configured", orchestrator=configured, deploy_values={"CDK_DV_BUCKET": value}
    )
    deployed_text = _deployed_text(stack, built, "reports-bucket-1")
    deployed = json.loads(deployed_text)
    assert "${CdkDvStore}" not in deployed_text
    reads = [s for s in _strings(deployed) if "reports-bucket-1" in s and s.startswith("{%")]
    literal = re.search(r'"((?:[^"\\]|\\.)*reports-bucket-1(?:[^"\\]|\\.)*)"', reads[0])
    assert literal is not None, reads[0]
    expected = 'pre"fix ${CdkDvStore} reports-bucket-1 \\suffix'
    assert jsonata.Jsonata('"' + literal.group(1) + '"').evaluate(None) == expected
