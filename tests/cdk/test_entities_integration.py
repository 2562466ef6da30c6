"""Orchestrations calling durable entities: substitutions and grants come from EntityResources."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from durable_sfn.cdk import Orchestration, OrchestrationConfigError
from durable_sfn.cdk import orchestration as orchestration_module
from durable_sfn.cdk.entities import EntityResources
from durable_sfn.entities.contract import call_entity_task, signal_entity_task
from tests.cdk import sample_orchestrations as sample
from tests.cdk.helpers import grants_by_action, logical_id_of_ref, policy_statements, render
from tests.entities.sample_entities import counter


def _entity_definition() -> dict[str, Any]:
    call = {**call_entity_task("Counter", '"c1"', "add", "1"), "Next": "Signal"}
    signal = {**signal_entity_task("Counter", '"c1"', "add", "2"), "End": True}
    return {"QueryLanguage": "JSONata", "StartAt": "Call", "States": {"Call": call, "Signal": signal}}


@pytest.fixture()
def entity_definition(monkeypatch: pytest.MonkeyPatch) -> None:
    # The compiler does not emit entity states yet; deploy the contract's own states instead.
    monkeypatch.setattr(orchestration_module, "compile_definition", lambda orch: _entity_definition())


@pytest.mark.usefixtures("entity_definition")
def test_entity_calls_and_signals_are_substituted_and_granted_exactly() -> None:
    stack = Stack(App(), "Entities")
    entities = EntityResources(
        stack, "Entities", entities=[counter], code=lambda_.Code.from_inline("def handler(e, c): pass")
    )
    Orchestration(stack, "Counting", orchestrator=sample.quote, entities=entities)
    template = Template.from_stack(stack).to_json()
    (machine,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"
    ]
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    assert set(substitutions) == {"Counter", "DurableEntitiesQueueUrl"}
    counter_fn = logical_id_of_ref(substitutions["Counter"])
    granted = grants_by_action(
        policy_statements(template, logical_id_of_ref(machine["Properties"]["RoleArn"]))
    )
    assert granted["lambda:InvokeFunction"] == {f"<{counter_fn}.Arn>"}
    (queue,) = [
        k
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::SQS::Queue" and "DeadLetters" not in k
    ]
    assert granted["sqs:SendMessage"] == {f"<{queue}.Arn>"}
    assert render(substitutions["DurableEntitiesQueueUrl"]) == f"<{queue}>"


@pytest.mark.usefixtures("entity_definition")
def test_entity_use_without_entity_resources_is_a_construction_error() -> None:
    with pytest.raises(
        OrchestrationConfigError, match=r"uses durable entities \(Counter\).*entities=EntityResources"
    ):
        Orchestration(Stack(App(), "S"), "Counting", orchestrator=sample.quote)
