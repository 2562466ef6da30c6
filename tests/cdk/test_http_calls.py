"""An orchestrator that calls `ctx.call_http` deploys with an EventBridge connection (given or
created) and a role allowed exactly the HTTP Task's permissions; cdk-nag stays clean."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_events as events
from cdk_nag import AwsSolutionsChecks

from durable_sfn import OrchestrationContext, orchestrator
from durable_sfn.cdk import Orchestration, OrchestrationConfigError
from tests.cdk.helpers import as_list, logical_id_of_ref, policy_statements

ENDPOINTS = ["https://api.example.com/*"]


@orchestrator(name="CdkHttpExport")
async def export(ctx: OrchestrationContext) -> Any:
    response = await ctx.call_http("POST", "https://api.example.com/exports", content=ctx.get_input())
    return response["content"]


def _synth(tmp_path: Path, **props: Any) -> tuple[dict[str, Any], list[Any], Orchestration]:
    app = App(outdir=str(tmp_path), context={"aws:cdk:bundling-stacks": []})
    stack = Stack(app, "HttpCalls")
    connection = props.pop("connection", None)
    if connection == "given":
        props["http_connection"] = events.Connection.from_connection_attributes(
            stack,
            "Api",
            connection_arn="arn:aws:events:us-east-1:123456789012:connection/api/1111",
            connection_name="api",
            connection_secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:events!connection/api/1111-AbCdEf",
        )
    built = Orchestration(stack, "Export", orchestrator=export, http_endpoints=ENDPOINTS, **props)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()
    template = json.loads((tmp_path / "HttpCalls.template.json").read_text())
    report = json.loads((tmp_path / "validation-report.json").read_text())
    violations = [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])]
    return template, violations, built


def _role_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    (machine,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"
    ]
    return policy_statements(template, logical_id_of_ref(machine["Properties"]["RoleArn"]))


def _statement(statements: list[dict[str, Any]], action: str) -> dict[str, Any]:
    (found,) = [s for s in statements if action in as_list(s["Action"])]
    return found


def test_a_created_connection_is_substituted_and_granted(tmp_path: Path) -> None:
    template, violations, _ = _synth(tmp_path)
    assert violations == []
    (connection_id,) = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::Events::Connection"]
    connection = template["Resources"][connection_id]["Properties"]
    assert connection["AuthorizationType"] == "API_KEY"
    (machine,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"
    ]
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    assert substitutions["DurableHttpConnection"] == {"Fn::GetAtt": [connection_id, "Arn"]}

    statements = _role_statements(template)
    invoke = _statement(statements, "states:InvokeHTTPEndpoint")
    assert invoke["Condition"] == {
        "StringEquals": {"states:HTTPMethod": ["GET", "POST"]},  # POST the call, GET the polls
        "StringLike": {"states:HTTPEndpoint": ENDPOINTS},
    }
    assert "stateMachine:CdkHttpExport" in json.dumps(invoke["Resource"])
    assert _statement(statements, "events:RetrieveConnectionCredentials")["Resource"] == {
        "Fn::GetAtt": [connection_id, "Arn"]
    }
    secret = _statement(statements, "secretsmanager:GetSecretValue")
    assert set(as_list(secret["Action"])) == {
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
    }
    assert secret["Resource"] == {"Fn::GetAtt": [connection_id, "SecretArn"]}


def test_a_given_connection_is_used_and_nothing_is_created(tmp_path: Path) -> None:
    template, violations, _ = _synth(tmp_path, connection="given")
    assert violations == []
    kinds = {r["Type"] for r in template["Resources"].values()}
    assert "AWS::Events::Connection" not in kinds and "AWS::SecretsManager::Secret" not in kinds
    statements = _role_statements(template)
    assert _statement(statements, "events:RetrieveConnectionCredentials")["Resource"].endswith(
        "connection/api/1111"
    )
    assert _statement(statements, "secretsmanager:DescribeSecret")["Resource"].endswith(
        "secret:events!connection/api/1111-AbCdEf"
    )


def test_http_calls_need_the_endpoints_they_may_reach() -> None:
    stack = Stack(App(context={"aws:cdk:bundling-stacks": []}), "NoEndpoints")
    with pytest.raises(OrchestrationConfigError, match="http_endpoints"):
        Orchestration(stack, "Export", orchestrator=export)
