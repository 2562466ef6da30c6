"""Every Orchestration publishes a version per state machine revision and routes an alias to it;
clients, the management API and the reference stacks start executions through the alias."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from durable_sfn.cdk import AliasDeployment, Orchestration, OrchestrationConfigError
from stacks.app import WORKFLOWS_STACK
from tests.cdk import sample_orchestrations as sample
from tests.cdk.conftest import Assembly
from tests.cdk.helpers import logical_id_of_ref, policy_statements, render
from tests.cdk.sample_app import STACK

pytestmark = pytest.mark.slow


def _by_machine(assembly: Assembly, stack: str) -> dict[str, dict[str, Any]]:
    """State machine name -> its logical id, version and alias resources."""
    template = assembly.template(stack)
    resources = template["Resources"]
    found: dict[str, dict[str, Any]] = {}
    for logical_id, machine in resources.items():
        if machine["Type"] != "AWS::StepFunctions::StateMachine":
            continue
        (version_id,) = [
            k
            for k, r in resources.items()
            if r["Type"] == "AWS::StepFunctions::StateMachineVersion"
            and r["Properties"]["StateMachineArn"] == {"Ref": logical_id}
        ]
        aliases = [
            (k, r)
            for k, r in resources.items()
            if r["Type"] == "AWS::StepFunctions::StateMachineAlias" and version_id in render(r["Properties"])
        ]
        ((alias_id, alias),) = aliases
        found[machine["Properties"]["StateMachineName"]] = {
            "id": logical_id,
            "version_id": version_id,
            "version": resources[version_id],
            "alias_id": alias_id,
            "alias": alias,
        }
    return found


def test_each_state_machine_publishes_a_version_of_its_revision_and_retains_old_ones(
    sample_assembly: Assembly,
) -> None:
    machines = _by_machine(sample_assembly, STACK)
    assert set(machines) == {"CdkSampleBooking", "CdkSampleTrip", "CdkSampleQuote"}
    for found in machines.values():
        version = found["version"]
        # A new revision (new definition, role, ...) replaces the version resource: a new version.
        assert version["Properties"]["StateMachineRevisionId"] == {
            "Fn::GetAtt": [found["id"], "StateMachineRevisionId"]
        }
        assert version["Properties"]["Description"].startswith("definition sha256 ")
        assert version["UpdateReplacePolicy"] == "Retain" and version["DeletionPolicy"] == "Retain"


def test_the_alias_routes_all_new_executions_to_the_new_version(sample_assembly: Assembly) -> None:
    booking = _by_machine(sample_assembly, STACK)["CdkSampleBooking"]
    props = booking["alias"]["Properties"]
    assert props["Name"] == "live"
    assert props["RoutingConfiguration"] == [
        {"StateMachineVersionArn": {"Fn::GetAtt": [booking["version_id"], "Arn"]}, "Weight": 100}
    ]
    outputs = sample_assembly.template(STACK)["Outputs"]
    assert f"<{booking['alias_id']}.Arn>" in [render(o["Value"]) for o in outputs.values()]


def test_a_canary_deployment_shifts_gradually_and_rolls_back_on_the_orchestration_alarms(
    sample_assembly: Assembly,
) -> None:
    trip = _by_machine(sample_assembly, STACK)["CdkSampleTrip"]
    preference = trip["alias"]["Properties"]["DeploymentPreference"]
    assert "RoutingConfiguration" not in trip["alias"]["Properties"]
    assert {k: preference[k] for k in ("Type", "Percentage", "Interval")} == {
        "Type": "CANARY",
        "Percentage": 10,
        "Interval": 15,
    }
    assert preference["StateMachineVersionArn"] == {"Fn::GetAtt": [trip["version_id"], "Arn"]}
    alarms = sample_assembly.resources(STACK, "AWS::CloudWatch::Alarm")
    watched = {logical_id_of_ref(a) for a in preference["Alarms"]}
    assert watched and all(
        alarms[a]["Properties"]["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": trip["id"]}}]
        for a in watched
    )


def test_grant_start_execution_allows_the_alias_only(sample_assembly: Assembly) -> None:
    template = sample_assembly.template(STACK)
    booking = _by_machine(sample_assembly, STACK)["CdkSampleBooking"]
    (operator,) = [
        k
        for k, r in template["Resources"].items()
        if k.startswith("Operator") and r["Type"] == "AWS::IAM::Role"
    ]
    (statement,) = [
        s for s in policy_statements(template, operator) if s["Action"] == "states:StartExecution"
    ]
    assert render(statement["Resource"]).endswith(":stateMachine:CdkSampleBooking")
    assert statement["Condition"] == {"StringEquals": {"states:StateMachineQualifier": "live"}}
    assert booking["alias"]["Properties"]["Name"] == "live"


def test_the_reference_management_api_starts_executions_through_the_aliases(
    reference_assembly: Assembly,
) -> None:
    template = reference_assembly.template(WORKFLOWS_STACK)
    machines = _by_machine(reference_assembly, WORKFLOWS_STACK)
    handler = next(
        r["Properties"]
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function" and k.startswith("ManagementApiHandler")
    )
    configured = render(handler["Environment"]["Variables"]["DURABLE_SFN_STATE_MACHINES"])
    for name, found in machines.items():
        assert f'"{name}":"<{found["alias_id"]}.Arn>"' in configured
    statements = policy_statements(template, logical_id_of_ref(handler["Role"]))
    starts = [s for s in statements if s["Action"] == "states:StartExecution"]
    assert len(starts) == len(machines)
    assert all(s["Condition"] == {"StringEquals": {"states:StateMachineQualifier": "live"}} for s in starts)
    redrives = [s for s in statements if "states:RedriveExecution" in s["Action"]]
    assert len(redrives) == len(machines)
    assert all(":execution:" in render(s["Resource"]) for s in redrives)


@pytest.mark.parametrize(
    "deployment, message",
    [
        (AliasDeployment.linear(0, every=timedelta(minutes=5)), "1 to 99 percent"),
        (AliasDeployment.canary(10, after=timedelta(seconds=30)), "whole minutes"),
        (AliasDeployment("BLUE_GREEN"), "is not ALL_AT_ONCE, CANARY or LINEAR"),
    ],
)
def test_bad_deployments_fail_at_construction(
    fresh_stack: Any, deployment: AliasDeployment, message: str
) -> None:
    with pytest.raises(OrchestrationConfigError, match=message):
        Orchestration(fresh_stack, "Quote", orchestrator=sample.quote, deployment=deployment)


def test_an_alias_name_cannot_read_as_a_version(fresh_stack: Any) -> None:
    with pytest.raises(OrchestrationConfigError, match="not all digits"):
        Orchestration(fresh_stack, "Quote", orchestrator=sample.quote, alias_name="2")
