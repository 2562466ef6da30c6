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
from tests.cdk.conftest import Assembly
from tests.cdk.helpers import grants_by_action, logical_id_of_ref, policy_statements, render
from tests.cdk.sample_app import ENTITIES_STACK
from tests.entities.sample_entities import counter


def _entity_definition() -> dict[str, Any]:
    call = {**call_entity_task("Counter", '"c1"', "add", "1").to_asl(), "Next": "Signal"}
    signal = {**signal_entity_task("Counter", '"c1"', "add", "2").to_asl(), "End": True}
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
        OrchestrationConfigError,
        match=r"sample_orchestrations.py:\d+: orchestrator 'CdkSampleQuote' uses entities Counter, but no @entity "
        r"with that name is visible in its module.*entities=EntityResources",
    ):
        Orchestration(Stack(App(), "S"), "Counting", orchestrator=sample.quote)


def _entities_stack(assembly: Assembly) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    template = assembly.template(ENTITIES_STACK)
    machines = {
        r["Properties"]["StateMachineName"]: r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::StepFunctions::StateMachine"
    }
    return template, machines


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


@pytest.mark.slow
def test_orchestrations_without_entity_resources_share_one_provisioned_set(sample_assembly: Assembly) -> None:
    template, machines = _entities_stack(sample_assembly)
    assert set(machines) == {"CdkSampleMilesCheck", "CdkSampleMilesCredit"}
    assert len(_of_type(template, "AWS::DynamoDB::Table")) == 1
    queues = _of_type(template, "AWS::SQS::Queue")
    assert len(queues) == 2 and all(q["Properties"]["FifoQueue"] for q in queues.values())
    functions = _of_type(template, "AWS::Lambda::Function")
    entity_functions = {
        k: f["Properties"]
        for k, f in functions.items()
        if "DURABLE_SFN_ENTITY" in f["Properties"]["Environment"]["Variables"]
    }
    # The entity's own function and the dispatcher, both hosting the one entity both orchestrators use.
    assert (
        sorted(f["Environment"]["Variables"]["DURABLE_SFN_ENTITY"] for f in entity_functions.values())
        == ["tests.cdk.sample_orchestrations:miles"] * 2
    )
    # Same code asset and dependency layer as the activities: entities add no packaging.
    (activity,) = [f["Properties"] for k, f in functions.items() if k not in entity_functions]
    for function in entity_functions.values():
        assert function["Handler"] == "durable_sfn.entities.lambda_entry.handler"
        assert function["Code"] == activity["Code"] and function["Layers"] == activity["Layers"]
    (mapping,) = _of_type(template, "AWS::Lambda::EventSourceMapping").values()
    assert logical_id_of_ref(mapping["Properties"]["FunctionName"]) in entity_functions


@pytest.mark.slow
def test_calls_and_orchestration_signals_get_invoke_on_exactly_their_entity(
    sample_assembly: Assembly,
) -> None:
    """An orchestration's signal invokes the entity in place (in order with its calls), so both
    roles may invoke the entity function, and neither sends to the queue."""
    template, machines = _entities_stack(sample_assembly)
    check, credit = (
        machines["CdkSampleMilesCheck"]["Properties"],
        machines["CdkSampleMilesCredit"]["Properties"],
    )
    assert set(check["DefinitionSubstitutions"]) == {"CdkSampleMiles"}
    assert set(credit["DefinitionSubstitutions"]) == {"PriceSeat", "CdkSampleMiles"}
    entity_fn = logical_id_of_ref(check["DefinitionSubstitutions"]["CdkSampleMiles"])
    checks = grants_by_action(policy_statements(template, logical_id_of_ref(check["RoleArn"])))
    credits = grants_by_action(policy_statements(template, logical_id_of_ref(credit["RoleArn"])))
    assert checks["lambda:InvokeFunction"] == {f"<{entity_fn}.Arn>"}
    assert "sqs:SendMessage" not in checks and "sqs:SendMessage" not in credits
    price = logical_id_of_ref(credit["DefinitionSubstitutions"]["PriceSeat"])
    assert credits["lambda:InvokeFunction"] == {f"<{price}.Arn>", f"<{price}.Arn>:*", f"<{entity_fn}.Arn>"}


def test_entities_of_another_package_cannot_join_the_stack_wide_dispatcher(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stack = Stack(App(), "Entities")
    Orchestration(stack, "Check", orchestrator=sample.miles_check)
    # An orchestrator whose module sees an entity from another top-level package (the reference app).
    from lambdas.orders.loyalty import loyalty_balance

    monkeypatch.setitem(sample.miles_credit.__globals__, "loyalty_balance", loyalty_balance)
    with pytest.raises(
        OrchestrationConfigError, match=r"loyalty.py:\d+: entity 'LoyaltyBalance' lives outside"
    ):
        Orchestration(stack, "Credit", orchestrator=sample.miles_credit)


def test_signals_without_a_visible_entity_are_a_construction_error(monkeypatch: pytest.MonkeyPatch) -> None:
    signal_only = {
        "QueryLanguage": "JSONata",
        "StartAt": "Signal",
        "States": {"Signal": {**signal_entity_task("Counter", '"c1"', "add", "2").to_asl(), "End": True}},
    }
    monkeypatch.setattr(orchestration_module, "compile_definition", lambda orch: signal_only)
    # A module that imports no entity (the sample module defines one, so it would be hosted).
    from statemachines.long_workflow import long_workflow

    with pytest.raises(OrchestrationConfigError, match=r"'LongWorkflow' signals entities, but no @entity"):
        Orchestration(Stack(App(), "S"), "Signalling", orchestrator=long_workflow)
