"""The Orchestration construct, on the small sample app of tests/cdk (synthesized once)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from durable_sfn.compiler import compile_orchestrator
from durable_sfn.dsl import orchestrator_definition
from tests.cdk import sample_orchestrations as sample
from tests.cdk.conftest import Assembly
from tests.cdk.helpers import (
    RESOURCELESS_ACTIONS,
    as_list,
    cfn_lint,
    grants_by_action,
    logical_id_of_ref,
    policy_statements,
    render,
)
from tests.cdk.sample_app import STACK

pytestmark = pytest.mark.slow


def _machine(assembly: Assembly, name: str) -> tuple[str, dict[str, Any]]:
    machines = assembly.resources(STACK, "AWS::StepFunctions::StateMachine")
    matches = [(k, v) for k, v in machines.items() if v["Properties"]["StateMachineName"] == name]
    assert len(matches) == 1, f"state machine {name} not found among {list(machines)}"
    return matches[0]


def _function_entry(assembly: Assembly, logical_id: str) -> str:
    function = assembly.template(STACK)["Resources"][logical_id]
    assert function["Type"] == "AWS::Lambda::Function"
    entry: str = function["Properties"]["Environment"]["Variables"]["DURABLE_SFN_ACTIVITY"]
    return entry


def test_deploys_exactly_the_compiled_definition(sample_assembly: Assembly) -> None:
    for orch in (sample.booking, sample.trip, sample.quote):
        compiled = compile_orchestrator(orch)
        _, machine = _machine(sample_assembly, compiled_name(orch))
        assert json.loads(machine["Properties"]["DefinitionString"]) == compiled


def compiled_name(orch: object) -> str:
    definition = orchestrator_definition(orch)
    assert definition is not None
    return definition.name


def test_placeholders_are_substituted_with_the_right_functions(sample_assembly: Assembly) -> None:
    _, machine = _machine(sample_assembly, "CdkSampleBooking")
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    assert set(substitutions) == {"ReserveSeat", "ChargeCard", "DurableEventWaiter"}
    assert _function_entry(sample_assembly, logical_id_of_ref(substitutions["ReserveSeat"])) == (
        "tests.cdk.sample_orchestrations:reserve_seat"
    )
    assert _function_entry(sample_assembly, logical_id_of_ref(substitutions["ChargeCard"])) == (
        "tests.cdk.sample_orchestrations:charge_card"
    )
    waiter = logical_id_of_ref(substitutions["DurableEventWaiter"])
    assert _function_entry(sample_assembly, waiter).startswith("durable_sfn.client.events:")


def test_sub_orchestration_is_addressed_by_name_in_the_same_account_and_region(
    sample_assembly: Assembly,
) -> None:
    _, machine = _machine(sample_assembly, "CdkSampleTrip")
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    assert render(substitutions["CdkSampleBooking"]) == (
        "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:CdkSampleBooking"
    )


def test_state_machine_role_may_invoke_exactly_its_functions(sample_assembly: Assembly) -> None:
    template = sample_assembly.template(STACK)
    _, machine = _machine(sample_assembly, "CdkSampleBooking")
    role = logical_id_of_ref(machine["Properties"]["RoleArn"])
    granted = grants_by_action(policy_statements(template, role))
    functions = {logical_id_of_ref(v) for v in machine["Properties"]["DefinitionSubstitutions"].values()}
    assert granted["lambda:InvokeFunction"] == {f"<{f}.Arn>" for f in functions} | {
        f"<{f}.Arn>:*" for f in functions
    }
    assert not any(action.startswith("states:") for action in granted)
    assert set(granted) - {"lambda:InvokeFunction"} <= RESOURCELESS_ACTIONS


def test_parent_may_start_describe_and_stop_only_its_child(sample_assembly: Assembly) -> None:
    template = sample_assembly.template(STACK)
    _, machine = _machine(sample_assembly, "CdkSampleTrip")
    granted = grants_by_action(
        policy_statements(template, logical_id_of_ref(machine["Properties"]["RoleArn"]))
    )
    prefix = "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>"
    assert granted["states:StartExecution"] == {f"{prefix}:stateMachine:CdkSampleBooking"}
    assert granted["states:DescribeExecution"] == {f"{prefix}:execution:CdkSampleBooking:*"}
    assert granted["states:StopExecution"] == {f"{prefix}:execution:CdkSampleBooking:*"}
    rule = "arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
    for action in ("events:PutTargets", "events:PutRule", "events:DescribeRule"):
        assert granted[action] == {rule}
    assert "lambda:InvokeFunction" not in granted


def test_activity_roles_get_only_their_grants(sample_assembly: Assembly) -> None:
    template = sample_assembly.template(STACK)
    functions = sample_assembly.resources(STACK, "AWS::Lambda::Function")
    by_entry = {
        f["Properties"]["Environment"]["Variables"]["DURABLE_SFN_ACTIVITY"]: f for f in functions.values()
    }

    def granted(entry: str) -> dict[str, set[str]]:
        role = logical_id_of_ref(by_entry[entry]["Properties"]["Role"])
        return grants_by_action(policy_statements(template, role))

    baseline = {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    reserve = granted("tests.cdk.sample_orchestrations:reserve_seat")
    seats = [
        k for k, v in template["Resources"].items() if v["Type"] == "AWS::DynamoDB::Table" and "Seats" in k
    ]
    assert reserve["dynamodb:PutItem"] == {f"<{seats[0]}.Arn>"}
    assert "dynamodb:Scan" not in reserve
    assert set(granted("tests.cdk.sample_orchestrations:charge_card")) == baseline
    assert set(granted("tests.cdk.sample_orchestrations:price_seat")) == baseline
    charge_env = by_entry["tests.cdk.sample_orchestrations:charge_card"]["Properties"]["Environment"][
        "Variables"
    ]
    assert charge_env["CURRENCY"] == "EUR" and "SEATS_TABLE" not in charge_env
    waiter = next(e for e in by_entry if e.startswith("durable_sfn.client.events:"))
    waiter_grants = granted(waiter)
    events = [
        k for k, v in template["Resources"].items() if v["Type"] == "AWS::DynamoDB::Table" and "Events" in k
    ]
    assert waiter_grants["dynamodb:PutItem"] == {f"<{events[0]}.Arn>"}
    assert waiter_grants["states:SendTaskSuccess"] == {
        "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:CdkSampleBooking"
    }
    waiter_env = by_entry[waiter]["Properties"]["Environment"]["Variables"]
    assert waiter_env["DURABLE_SFN_EVENTS_TABLE"] == {"Ref": events[0]}


def test_no_wildcard_resource_or_action_outside_what_aws_requires(sample_assembly: Assembly) -> None:
    template = sample_assembly.template(STACK)
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            actions = as_list(statement["Action"])
            assert not any("*" in action for action in actions), (logical_id, actions)
            if "*" in as_list(statement["Resource"]):
                assert set(actions) <= RESOURCELESS_ACTIONS, (logical_id, actions)


def test_functions_are_python_312_with_layer_tracing_and_powertools(sample_assembly: Assembly) -> None:
    layers = sample_assembly.resources(STACK, "AWS::Lambda::LayerVersion")
    assert len(layers) == 1, "one dependency layer shared by every function of the stack"
    (layer_id,) = layers
    for function in sample_assembly.resources(STACK, "AWS::Lambda::Function").values():
        props = function["Properties"]
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["x86_64"]
        assert props["Handler"] == "durable_sfn.lambda_entry.handler"
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["Layers"] == [{"Ref": layer_id}]
        variables = props["Environment"]["Variables"]
        assert variables["POWERTOOLS_SERVICE_NAME"] == STACK
        assert ":" in variables["DURABLE_SFN_ACTIVITY"]


def test_tracing_logging_alarms_and_outputs(sample_assembly: Assembly) -> None:
    template = sample_assembly.template(STACK)
    alarms = sample_assembly.resources(STACK, "AWS::CloudWatch::Alarm").values()
    outputs = template["Outputs"]
    for name in ("CdkSampleBooking", "CdkSampleTrip", "CdkSampleQuote"):
        logical_id, machine = _machine(sample_assembly, name)
        props = machine["Properties"]
        assert props["TracingConfiguration"] == {"Enabled": True}
        assert props["LoggingConfiguration"]["Level"] == "ALL"
        assert props["LoggingConfiguration"]["IncludeExecutionData"] is False
        metrics = {
            a["Properties"]["MetricName"]
            for a in alarms
            if a["Properties"]["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": logical_id}}]
        }
        assert metrics == {"ExecutionsFailed", "ExecutionsTimedOut"}
        values = [render(o["Value"]) for o in outputs.values()]
        assert f"<{logical_id}>" in values
        assert (
            "https://<AWS::Region>.console.aws.amazon.com/states/home?region=<AWS::Region>"
            f"#/statemachines/view/<{logical_id}>" in values
        )


def test_express_is_allowed_for_plain_activity_chains(sample_assembly: Assembly) -> None:
    _, machine = _machine(sample_assembly, "CdkSampleQuote")
    assert machine["Properties"]["StateMachineType"] == "EXPRESS"


def test_cdk_nag_findings_are_all_acknowledged_with_specific_reasons(sample_assembly: Assembly) -> None:
    report = json.loads((sample_assembly.outdir / "validation-report.json").read_text())
    violations = [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])]
    assert violations == []
    acknowledged = _acknowledgements(sample_assembly.outdir)
    assert "AwsSolutions-L1" in {rule for rule, _ in acknowledged}
    for rule, reason in acknowledged:
        assert len(reason) >= 40, f"{rule}: reason too vague: {reason!r}"


def _acknowledgements(outdir: Path) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in outdir.glob("*.metadata.json"):
        for entries in json.loads(path.read_text()).values():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    found += [(rule.split("::", 1)[-1], reason) for rule, reason in entry["data"].items()]
    return found


def test_cfn_lint_reports_nothing(sample_assembly: Assembly) -> None:
    templates = sorted(sample_assembly.outdir.glob("*.template.json"))
    result = cfn_lint(templates)
    assert result.returncode == 0, result.stdout + result.stderr


def test_bundles_hold_lambda_platform_wheels_and_the_code(sample_assembly: Assembly) -> None:
    template = sample_assembly.template(STACK)
    (layer,) = sample_assembly.resources(STACK, "AWS::Lambda::LayerVersion").values()
    layer_dir = sample_assembly.asset_dir(layer["Properties"]["Content"]["S3Key"])
    (binary,) = (layer_dir / "python" / "pydantic_core").glob("_pydantic_core.*.so")
    assert binary.name == "_pydantic_core.cpython-312-x86_64-linux-gnu.so"
    header = binary.read_bytes()[:20]
    assert header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == 0x3E  # EM_X86_64
    dist_info = next((layer_dir / "python").glob("pydantic_core-*.dist-info"))
    assert "manylinux" in (dist_info / "WHEEL").read_text() and "cp312" in (dist_info / "WHEEL").read_text()

    function = next(
        f
        for f in template["Resources"].values()
        if f["Type"] == "AWS::Lambda::Function"
        and f["Properties"]["Environment"]["Variables"]["DURABLE_SFN_ACTIVITY"].endswith(":reserve_seat")
    )
    code_dir = sample_assembly.asset_dir(function["Properties"]["Code"]["S3Key"])
    assert (code_dir / "durable_sfn" / "lambda_entry.py").is_file()
    assert (code_dir / "durable_sfn" / "client" / "events.py").is_file()
    assert (code_dir / "tests" / "cdk" / "sample_orchestrations.py").is_file()
    assert not (code_dir / "durable_sfn" / "cdk").exists(), "the construct library is not shipped to Lambda"
    assert not list(code_dir.rglob("__pycache__"))
