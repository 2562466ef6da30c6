"""The reference application's CDK app (app.py / stacks/), synthesized once per session."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from durable_sfn.compiler import compile_orchestrator
from durable_sfn.dsl import activity_definition, orchestrator_definition
from durable_sfn.entities.model import entity_definition
from stacks.app import DATA_STACK, PROJECT_ROOT, WORKFLOWS_STACK
from stacks.workflows import reference_orchestrators
from tests.cdk.conftest import Assembly
from tests.cdk.helpers import (
    RESOURCELESS_ACTIONS,
    as_list,
    cfn_lint,
    grants_by_action,
    logical_id_of_ref,
    policy_statements,
)

pytestmark = pytest.mark.slow

ORCHESTRATORS = reference_orchestrators()


def _name(orch: Any) -> str:
    return orchestrator_definition(orch).name  # type: ignore[union-attr]


def _machines(assembly: Assembly) -> dict[str, tuple[str, dict[str, Any]]]:
    machines = assembly.resources(WORKFLOWS_STACK, "AWS::StepFunctions::StateMachine")
    return {m["Properties"]["StateMachineName"]: (k, m) for k, m in machines.items()}


def _committed_definition(orch: Any) -> str | None:
    """The `.asl.json` text `make compile` wrote next to the orchestrator, if there is one."""
    source = Path(orch.__code__.co_filename)
    for stem in (orch.__name__, source.stem, _name(orch)):
        candidate = source.parent / f"{stem}.asl.json"
        if candidate.is_file():
            return candidate.read_text()
    return None


def test_every_reference_orchestrator_is_deployed(reference_assembly: Assembly) -> None:
    assert ORCHESTRATORS, "statemachines/ defines no orchestrator"
    assert set(_machines(reference_assembly)) == {_name(o) for o in ORCHESTRATORS}


@pytest.mark.parametrize("orch", ORCHESTRATORS, ids=_name)
def test_deployed_definition_is_what_the_local_engine_runs(reference_assembly: Assembly, orch: Any) -> None:
    _, machine = _machines(reference_assembly)[_name(orch)]
    deployed = json.loads(machine["Properties"]["DefinitionString"])
    assert deployed == compile_orchestrator(orch)
    committed = _committed_definition(orch)
    if committed is not None:
        # Byte for byte: the template holds the very text the local engine and the tests load.
        assert machine["Properties"]["DefinitionString"] == committed, (
            "the committed .asl.json is stale: run `make compile`"
        )


@pytest.mark.parametrize("orch", ORCHESTRATORS, ids=_name)
def test_placeholders_resolve_to_the_named_activity_or_state_machine(
    reference_assembly: Assembly, orch: Any
) -> None:
    template = reference_assembly.template(WORKFLOWS_STACK)
    _, machine = _machines(reference_assembly)[_name(orch)]
    props = machine["Properties"]
    placeholders = {p for p in _placeholders(props["DefinitionString"])}
    assert set(props["DefinitionSubstitutions"]) == placeholders
    role = logical_id_of_ref(props["RoleArn"])
    granted = grants_by_action(policy_statements(template, role))
    invoked: set[str] = set()
    for name, value in props["DefinitionSubstitutions"].items():
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            function = template["Resources"][logical_id_of_ref(value)]
            variables = function["Properties"]["Environment"]["Variables"]
            if "DURABLE_SFN_ENTITY" in variables:
                # An entity the orchestration calls or signals (invoked in place, in order).
                module, _, attribute = variables["DURABLE_SFN_ENTITY"].partition(":")
                found = entity_definition(getattr(importlib.import_module(module), attribute))
                assert found is not None and found.name == name
                invoked |= {f"<{logical_id_of_ref(value)}.Arn>"}
                continue
            module, _, attribute = variables["DURABLE_SFN_ACTIVITY"].partition(":")
            definition = activity_definition(getattr(importlib.import_module(module), attribute))
            assert definition is not None and definition.name == name
            invoked |= {f"<{logical_id_of_ref(value)}.Arn>", f"<{logical_id_of_ref(value)}.Arn>:*"}
        elif name == "DurableEntitiesQueueUrl":
            # Signals to entities: SendMessage on exactly the stack's entity signal queue.
            assert granted["sqs:SendMessage"] == {f"<{logical_id_of_ref(value)}.Arn>"}
        else:
            assert name in _machines(reference_assembly), f"{name} is not deployed by this app"
            assert granted["states:StartExecution"] >= {
                f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:{name}"
            }
    assert granted.get("lambda:InvokeFunction", set()) == invoked


def _activity_functions(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Properties of the activity functions (the management API's handler is not one)."""
    return [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
        and "DURABLE_SFN_ACTIVITY" in r["Properties"].get("Environment", {}).get("Variables", {})
    ]


def _entity_functions(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
        and "DURABLE_SFN_ENTITY" in r["Properties"].get("Environment", {}).get("Variables", {})
    ]


def test_the_loyalty_entity_is_hosted_and_only_signalled(reference_assembly: Assembly) -> None:
    """OrderProcessingOrchestration signals LoyaltyBalance: the signal invokes the entity in place
    (in order with any call), so the role may invoke it and sends nothing to the queue; the queue
    and its dispatcher remain for clients' signals."""
    template = reference_assembly.template(WORKFLOWS_STACK)
    functions = _entity_functions(template)
    entries = sorted(f["Environment"]["Variables"]["DURABLE_SFN_ENTITY"] for f in functions)
    # The entity's own function (for calls) and the signal dispatcher, both hosting it.
    assert entries == ["lambdas.orders.loyalty:loyalty_balance"] * 2
    (layer_id,) = reference_assembly.resources(WORKFLOWS_STACK, "AWS::Lambda::LayerVersion")
    assert all(f["Layers"] == [{"Ref": layer_id}] for f in functions)
    mappings = reference_assembly.resources(WORKFLOWS_STACK, "AWS::Lambda::EventSourceMapping")
    (mapping,) = mappings.values()
    queue = logical_id_of_ref(mapping["Properties"]["EventSourceArn"])
    assert template["Resources"][queue]["Properties"]["FifoQueue"] is True
    _, machine = _machines(reference_assembly)["OrderProcessingOrchestration"]
    granted = grants_by_action(
        policy_statements(template, logical_id_of_ref(machine["Properties"]["RoleArn"]))
    )
    assert "sqs:SendMessage" not in granted
    # Clients reading balances or signalling on AWS find the table and queue in the outputs.
    (table,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::DynamoDB::Table"]
    outputs = [o["Value"] for o in template["Outputs"].values()]
    assert {"Ref": table} in outputs and {"Ref": queue} in outputs
    entity_arns = {
        f"<{k}.Arn>"
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function" and "DURABLE_SFN_ENTITY" in str(r["Properties"])
    }
    # Its signal invokes the entity's own function (not the queue's dispatcher).
    dispatcher = {a for a in entity_arns if "Dispatcher" in a}
    assert granted["lambda:InvokeFunction"] & entity_arns == entity_arns - dispatcher
    for name, (_, other) in _machines(reference_assembly).items():
        if name != "OrderProcessingOrchestration":
            role = logical_id_of_ref(other["Properties"]["RoleArn"])
            assert "sqs:SendMessage" not in grants_by_action(policy_statements(template, role)), name


def _placeholders(definition: str) -> set[str]:
    import re

    return set(re.findall(r"\$\{([A-Za-z][A-Za-z0-9_-]*)\}", definition))


def test_iam_names_exact_resources_everywhere(reference_assembly: Assembly) -> None:
    for stack, template in reference_assembly.templates().items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] != "AWS::IAM::Policy":
                continue
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                actions = as_list(statement["Action"])
                assert not any("*" in action for action in actions), (stack, logical_id, actions)
                if "*" in as_list(statement["Resource"]):
                    assert set(actions) <= RESOURCELESS_ACTIONS, (stack, logical_id, actions)


def test_activity_environment_names_the_resources_it_was_granted(reference_assembly: Assembly) -> None:
    template = reference_assembly.template(WORKFLOWS_STACK)
    data = reference_assembly.template(DATA_STACK)
    by_activity = {
        f["Environment"]["Variables"]["DURABLE_SFN_ACTIVITY"].split(":")[1]: f
        for f in _activity_functions(template)
    }
    validate = by_activity["validate_order"]["Environment"]["Variables"]
    assert set(validate) >= {"ORDERS_TABLE", "INVENTORY_TABLE", "APPROVAL_THRESHOLD"}
    assert "PAYMENTS_TABLE" not in validate
    orders_export = validate["ORDERS_TABLE"]["Fn::ImportValue"]
    assert "OrdersTable" in orders_export
    granted = grants_by_action(
        policy_statements(template, logical_id_of_ref(by_activity["validate_order"]["Role"]))
    )
    assert "dynamodb:PutItem" not in granted and "dynamodb:GetItem" in granted
    assert any(r.startswith("<import") or "OrdersTable" in r for r in granted["dynamodb:GetItem"])
    assert "OrdersTable" in " ".join(k for k in data["Resources"])


def test_data_stack_is_encrypted_recoverable_and_private(reference_assembly: Assembly) -> None:
    template = reference_assembly.template(DATA_STACK)
    resources = template["Resources"]
    tables = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::DynamoDB::Table"]
    assert len(tables) == 9  # eight application tables plus the event table
    for table in tables:
        assert table["SSESpecification"]["SSEEnabled"] is True
        assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    buckets = {k: r["Properties"] for k, r in resources.items() if r["Type"] == "AWS::S3::Bucket"}
    assert len(buckets) == 3  # invoices, reports, and their access logs
    for bucket in buckets.values():
        assert bucket["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    policies = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::S3::BucketPolicy"]
    ssl_only = [p for p in policies if _denies_insecure_transport(p["PolicyDocument"])]
    assert {logical_id_of_ref(p["Bucket"]) for p in ssl_only} == set(buckets)
    (topic,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::SNS::Topic"]
    assert topic["KmsMasterKeyId"]
    topic_policies = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::SNS::TopicPolicy"]
    assert any(_denies_insecure_transport(p["PolicyDocument"]) for p in topic_policies)


def _denies_insecure_transport(document: dict[str, Any]) -> bool:
    return any(
        s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        for s in document["Statement"]
    )


def test_table_keys_match_the_local_resources() -> None:
    """The stack and lambdas.common.resources (the local twin) must create the same key schemas."""
    from lambdas.common.resources import TABLE_KEYS as LOCAL_KEYS
    from stacks.data import EVENTS_TABLE_KEYS, TABLE_KEYS

    assert TABLE_KEYS == LOCAL_KEYS
    import boto3
    from moto import mock_aws

    from durable_sfn.client.events import create_events_table

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        name = create_events_table(client, "events")
        schema = client.describe_table(TableName=name)["Table"]["KeySchema"]
    assert tuple(k["AttributeName"] for k in schema) == EVENTS_TABLE_KEYS


def test_cfn_lint_and_cdk_nag_report_nothing(reference_assembly: Assembly) -> None:
    report = json.loads((reference_assembly.outdir / "validation-report.json").read_text())
    assert [v for p in report["pluginReports"] for v in p.get("violations", [])] == []
    templates = sorted(reference_assembly.outdir.glob("*.template.json"))
    assert len(templates) == 2
    result = cfn_lint(templates)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cdk_json_runs_the_app_from_the_project_root() -> None:
    config = json.loads((PROJECT_ROOT / "cdk.json").read_text())
    assert config["app"].split()[-1] == "app.py" and (PROJECT_ROOT / "app.py").is_file()
    assert {"approvalThreshold", "senderEmail", "operationsApiUrl"} <= set(config["context"])


# What the Lambda Python runtime provides besides the standard library.
LAMBDA_RUNTIME_PACKAGES = {
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "dateutil",
    "urllib3",
    "six",
    "awslambdaric",
}

_IMPORT_CHECK = """
import importlib, importlib.abc, json, sys
allowed = set(json.loads(sys.argv[1])) | set(sys.stdlib_module_names)
code_dir = sys.argv[2]

class LambdaOnly(importlib.abc.MetaPathFinder):
    # Imports of packages that neither the runtime, the layer nor the bundle provide fail here as
    # they would in Lambda; optional imports (try/except ImportError) then take their fallback.
    def find_spec(self, name, path, target=None):
        top = name.split(".")[0]
        if top not in allowed and not top.startswith("_"):
            raise ModuleNotFoundError(f"No module named {name!r} (not in the layer or the Lambda runtime)")
        return None

sys.meta_path.insert(0, LambdaOnly())
sys.path.insert(0, code_dir)
import durable_sfn.lambda_entry
assert durable_sfn.lambda_entry.__file__.startswith(code_dir), durable_sfn.lambda_entry.__file__
for entry in sys.argv[3:]:
    module, _, name = entry.partition(":")
    getattr(importlib.import_module(module), name)
    assert sys.modules[module].__file__.startswith(code_dir), sys.modules[module].__file__
"""


def test_every_activity_imports_with_only_the_bundle_layer_and_lambda_runtime(
    reference_assembly: Assembly, tmp_path: Path
) -> None:
    template = reference_assembly.template(WORKFLOWS_STACK)
    (layer,) = reference_assembly.resources(WORKFLOWS_STACK, "AWS::Lambda::LayerVersion").values()
    layer_dir = reference_assembly.asset_dir(layer["Properties"]["Content"]["S3Key"]) / "python"
    layer_packages = {
        p.name.split(".")[0].split("-")[0] for p in layer_dir.iterdir() if not p.name.endswith("-info")
    }
    functions = _activity_functions(template)
    code_dirs = {str(reference_assembly.asset_dir(f["Code"]["S3Key"])) for f in functions}
    assert len(code_dirs) == 1, "one code asset shared by every activity"
    (code_dir,) = code_dirs
    bundled = {p.name.removesuffix(".py") for p in Path(code_dir).iterdir()}
    entries = sorted(f["Environment"]["Variables"]["DURABLE_SFN_ACTIVITY"] for f in functions)
    # Entity functions share the bundle and the layer; the dispatcher imports every entity.
    entity_functions = _entity_functions(template)
    assert {str(reference_assembly.asset_dir(f["Code"]["S3Key"])) for f in entity_functions} == code_dirs
    hosted = {
        e for f in entity_functions for e in f["Environment"]["Variables"]["DURABLE_SFN_ENTITY"].split(",")
    }
    entries += ["durable_sfn.entities.lambda_entry:handler", *sorted(hosted)]
    allowed = sorted(LAMBDA_RUNTIME_PACKAGES | layer_packages | bundled)
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_CHECK, json.dumps(allowed), code_dir, *entries],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_management_api_is_iam_authorized_and_scoped_to_the_reference_state_machines(
    reference_assembly: Assembly,
) -> None:
    template = reference_assembly.template(WORKFLOWS_STACK)
    methods = [
        r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Method"
    ]
    assert methods and all(m["AuthorizationType"] == "AWS_IAM" for m in methods)
    handler = next(
        r["Properties"]
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function" and k.startswith("ManagementApiHandler")
    )
    granted = grants_by_action(policy_statements(template, logical_id_of_ref(handler["Role"])))
    machines = {f"<{logical_id}>" for logical_id, _ in _machines(reference_assembly).values()}
    assert granted["states:StartExecution"] == machines
    assert "states:ListStateMachines" not in granted
    # The /entities routes: read the loyalty balances, send signals, purge, nothing more.
    variables = handler["Environment"]["Variables"]
    table = logical_id_of_ref(variables["DURABLE_SFN_ENTITIES_TABLE"])
    queue = logical_id_of_ref(variables["DURABLE_SFN_ENTITIES_QUEUE_URL"])
    assert template["Resources"][table]["Type"] == "AWS::DynamoDB::Table"
    assert granted["sqs:SendMessage"] == {f"<{queue}.Arn>"}
    # Purging an entity (DELETE /instances/@name@key) deletes its item.
    assert {a for a, r in granted.items() if f"<{table}.Arn>" in r} == {
        "dynamodb:GetItem",
        "dynamodb:DeleteItem",
    }


def test_activity_grants_name_exact_resources_and_actions(reference_assembly: Assembly) -> None:
    template = reference_assembly.template(WORKFLOWS_STACK)

    def granted(attribute: str) -> dict[str, set[str]]:
        function = next(
            f
            for f in _activity_functions(template)
            if f["Environment"]["Variables"]["DURABLE_SFN_ACTIVITY"].endswith(f":{attribute}")
        )
        return grants_by_action(policy_statements(template, logical_id_of_ref(function["Role"])))

    fetch = granted("fetch_invoice_document")
    (objects,) = fetch["s3:GetObject"]
    (bucket,) = fetch["s3:ListBucket"]
    assert "InvoiceBucket" in bucket and objects == f"{bucket}/invoices/*"
    assert "s3:PutObject" not in fetch and not any(a.startswith("dynamodb:") for a in fetch)
    assert "s3:PutObject" in granted("extract_text_from_pdf")

    email = granted("send_order_confirmation")
    assert email["ses:SendEmail"] == {
        "arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/orders@example.com"
    }
    assert "dynamodb:PutItem" in email  # the idempotency record
    publish = granted("notify_payment_failure")["sns:Publish"]
    assert len(publish) == 1 and "NotificationsTopic" in next(iter(publish))

    assert "dynamodb:Scan" in granted("collect_order_snapshot")
    assert "dynamodb:Scan" not in granted("validate_order")
    assert set(granted("parse_invoice_data")) - {"s3:GetObject", "s3:ListBucket"} == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
