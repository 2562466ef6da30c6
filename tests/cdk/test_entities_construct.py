"""EntityResources: what it provisions and exactly what it grants. One synthesis per module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from cdk_nag import AwsSolutionsChecks

from durable_sfn.cdk import OrchestrationConfigError
from durable_sfn.cdk._private import nag
from durable_sfn.cdk.entities import DISPATCHER, HANDLER, EntityResources
from durable_sfn.entities import EntityContext, entity
from durable_sfn.entities.contract import call_entity_task, signal_entity_task
from tests.cdk.conftest import _synth_once
from tests.entities.sample_entities import account, counter


def build_entities_app(outdir: str) -> App:
    app = App(outdir=outdir, builtin_cloud_formation_validation=False)
    stack = Stack(app, "EntitiesStack")
    code = lambda_.Code.from_asset(str(Path(__file__).parent / "entity_code"))
    resources = EntityResources(stack, "Entities", entities=[counter, account], code=code)
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Call",
        "States": {
            "Call": {**call_entity_task("Counter", '"k"', "add", "1").to_asl(), "Next": "Signal"},
            "Signal": {**signal_entity_task("Account", '"k"', "deposit", "5").to_asl(), "End": True},
        },
    }
    machine = sfn.StateMachine(
        stack,
        "Machine",
        definition_body=sfn.DefinitionBody.from_string(json.dumps(definition)),
        definition_substitutions=dict(resources.definition_substitutions()),
    )
    resources.grant_to(machine)
    # A second machine that only calls Counter gets only that, computed from its definition.
    calls_only = {
        "QueryLanguage": "JSONata",
        "StartAt": "Call",
        "States": {"Call": {**call_entity_task("Counter", '"k"', "get", "null").to_asl(), "End": True}},
    }
    narrow = sfn.StateMachine(
        stack,
        "CallsOnly",
        definition_body=sfn.DefinitionBody.from_string(json.dumps(calls_only)),
        definition_substitutions=dict(resources.definition_substitutions()),
    )
    resources.grant_for_definition(narrow, calls_only)
    # The sample machine is not under test; only the construct's own resources must pass cdk-nag.
    nag.acknowledge(machine, "AwsSolutions-SF1", "sample state machine: logging is not under test")
    nag.acknowledge(machine, "AwsSolutions-SF2", "sample state machine: tracing is not under test")
    nag.acknowledge(narrow, "AwsSolutions-SF1", "sample state machine: logging is not under test")
    nag.acknowledge(narrow, "AwsSolutions-SF2", "sample state machine: tracing is not under test")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


@pytest.fixture(scope="module")
def synthesized(shared_dir: Path) -> dict[str, Any]:
    """The stack's resources, synthesized once per session and shared by pytest workers."""
    resources: dict[str, Any] = _synth_once(shared_dir, "cdk-entities", build_entities_app).template(
        "EntitiesStack"
    )["Resources"]
    return resources


def _of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: v for k, v in resources.items() if v["Type"] == kind}


def _statements(resources: dict[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for policy in _of_type(resources, "AWS::IAM::Policy").values():
        roles = [r["Ref"] for r in policy["Properties"]["Roles"]]
        if any(r.startswith(role_prefix) for r in roles):
            out.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return out


def test_one_table_keyed_by_entity_id_with_ttl_for_tombstones(synthesized: Any) -> None:
    resources = synthesized
    (table,) = _of_type(resources, "AWS::DynamoDB::Table").values()
    props = table["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"


def test_fifo_signal_queue_with_dead_letters_encryption_and_ssl_only(synthesized: Any) -> None:
    resources = synthesized
    queues = _of_type(resources, "AWS::SQS::Queue")
    main = next(q for k, q in queues.items() if "RedrivePolicy" in q["Properties"])
    dlq_id = main["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert main["Properties"]["FifoQueue"] is True
    assert main["Properties"]["ContentBasedDeduplication"] is False
    assert main["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 5
    assert main["Properties"]["VisibilityTimeout"] == 360
    assert queues[dlq_id]["Properties"]["FifoQueue"] is True
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
    policies = _of_type(resources, "AWS::SQS::QueuePolicy").values()
    denied = [
        s
        for p in policies
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(denied) == 2


def test_one_function_per_entity_and_a_dispatcher_draining_the_queue(synthesized: Any) -> None:
    resources = synthesized
    functions = {k: v["Properties"] for k, v in _of_type(resources, "AWS::Lambda::Function").items()}
    by_entry = {f["Environment"]["Variables"]["DURABLE_SFN_ENTITY"]: f for f in functions.values()}
    assert set(by_entry) == {
        "tests.entities.sample_entities:counter",
        "tests.entities.sample_entities:account",
        "tests.entities.sample_entities:counter,tests.entities.sample_entities:account",
    }
    assert all(f["Handler"] == HANDLER and f["Runtime"] == "python3.12" for f in functions.values())
    assert all("DURABLE_SFN_ENTITIES_TABLE" in f["Environment"]["Variables"] for f in functions.values())
    (mapping,) = _of_type(resources, "AWS::Lambda::EventSourceMapping").values()
    assert mapping["Properties"]["FunctionName"]["Ref"].startswith(f"Entities{DISPATCHER}")
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_entity_functions_may_only_get_put_and_delete_items_of_the_table(synthesized: Any) -> None:
    resources = synthesized
    table_id = next(iter(_of_type(resources, "AWS::DynamoDB::Table")))
    for name in ("Counter", "Account", DISPATCHER):
        dynamo = [s for s in _statements(resources, f"Entities{name}Role") if "dynamodb" in str(s["Action"])]
        assert len(dynamo) == 1, name
        assert sorted(dynamo[0]["Action"]) == ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"]
        assert dynamo[0]["Resource"] == [{"Fn::GetAtt": [table_id, "Arn"]}] or dynamo[0]["Resource"] == {
            "Fn::GetAtt": [table_id, "Arn"]
        }


def test_the_state_machine_may_invoke_entity_functions_and_send_signals_only(synthesized: Any) -> None:
    resources = synthesized
    statements = _statements(resources, "MachineRole")
    assert sorted(s["Action"] for s in statements) == ["lambda:InvokeFunction", "sqs:SendMessage"]
    (invoke,) = [s for s in statements if s["Action"] == "lambda:InvokeFunction"]
    # Exactly the entity functions' unqualified ARNs: no dispatcher, no `:*` wildcard.
    assert sorted(r["Fn::GetAtt"][0] for r in invoke["Resource"]) == sorted(
        k
        for k in _of_type(resources, "AWS::Lambda::Function")
        if k.startswith(("EntitiesCounter", "EntitiesAccount"))
    )


def test_grants_computed_from_a_definition_cover_only_what_it_uses(synthesized: Any) -> None:
    statements = _statements(synthesized, "CallsOnlyRole")
    assert [s["Action"] for s in statements] == ["lambda:InvokeFunction"]
    (resource,) = (
        statements[0]["Resource"]
        if isinstance(statements[0]["Resource"], list)
        else [statements[0]["Resource"]]
    )
    assert resource["Fn::GetAtt"][0].startswith("EntitiesCounter")


def test_a_definition_calling_an_entity_not_hosted_fails_at_construction() -> None:
    stack = Stack(App(), "Missing")
    resources = EntityResources(stack, "E", entities=[counter], code=lambda_.Code.from_inline("x = 1"))
    role = iam.Role(stack, "R", assumed_by=iam.ServicePrincipal("states.amazonaws.com"))
    definition = {
        "StartAt": "C",
        "States": {"C": {**call_entity_task("Account", '"k"', "deposit", "null").to_asl(), "End": True}},
    }
    with pytest.raises(
        OrchestrationConfigError, match="calls entities Account that EntityResources does not host"
    ):
        resources.grant_for_definition(role, definition)


def test_the_definition_gets_function_arns_and_the_queue_url(synthesized: Any) -> None:
    resources = synthesized
    machine = next(
        v
        for k, v in _of_type(resources, "AWS::StepFunctions::StateMachine").items()
        if k.startswith("Machine")
    )
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    assert set(substitutions) == {"Counter", "Account", "DurableEntitiesQueueUrl"}
    assert substitutions["Counter"]["Fn::GetAtt"][1] == "Arn"
    assert "Ref" in substitutions["DurableEntitiesQueueUrl"]


def test_misdeclared_entities_fail_at_construction() -> None:
    stack = Stack(App(), "Bad")
    code = lambda_.Code.from_inline("x = 1")

    def plain(ctx: EntityContext) -> None: ...

    @entity(name="Counter")
    def local_counter(ctx: EntityContext) -> None: ...

    with pytest.raises(OrchestrationConfigError, match="needs at least one @entity"):
        EntityResources(stack, "A", entities=[], code=code)
    with pytest.raises(OrchestrationConfigError, match="is not an entity"):
        EntityResources(stack, "B", entities=[plain], code=code)
    with pytest.raises(
        OrchestrationConfigError,
        match=r"'Counter' is already used by tests\.entities\.sample_entities:counter",
    ):
        EntityResources(stack, "C", entities=[counter, local_counter], code=code)
    with pytest.raises(OrchestrationConfigError, match="not a module-level function"):
        EntityResources(stack, "D", entities=[local_counter], code=code)
