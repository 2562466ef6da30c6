"""An orchestration that waits for events needs no hand-made table: without `events_table=` the
stack's default `EventsTable` is created once, with the key schema the event store reads, and the
event waiter and the management API both use it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Stack

from durable_sfn.cdk import EventsTable, ManagementApi, Orchestration, OrchestrationConfigError
from durable_sfn.client.events import EVENTS_TABLE_ENV, TTL_ATTRIBUTE
from tests.cdk import sample_orchestrations as sample

pytestmark = pytest.mark.slow  # one CDK synthesis (a Node.js process) for the module


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    outdir = tmp_path_factory.mktemp("events-table")
    app = cdk.App(outdir=str(outdir), context={"aws:cdk:disable-stack-trace": True})
    stack = cdk.Stack(app, "Events", env=cdk.Environment(account="123456789012", region="us-east-1"))
    booking = Orchestration(stack, "Booking", orchestrator=sample.booking)
    ManagementApi(stack, "Api", orchestrations=[booking])
    app.synth()
    result: dict[str, Any] = json.loads((Path(outdir) / "Events.template.json").read_text())
    return result


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_one_default_table_with_the_event_store_schema(template: dict[str, Any]) -> None:
    tables = _of_type(template, "AWS::DynamoDB::Table")
    assert len(tables) == 1
    (props,) = [t["Properties"] for t in tables.values()]
    assert props["KeySchema"] == [
        {"AttributeName": "executionArn", "KeyType": "HASH"},
        {"AttributeName": "eventName", "KeyType": "RANGE"},
    ]
    assert props["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    outputs = [o for o in template["Outputs"].values() if "events-table" in o.get("Description", "")]
    assert [o["Value"] for o in outputs] == [{"Ref": next(iter(tables))}]


def test_the_waiter_and_the_management_api_use_it(template: dict[str, Any]) -> None:
    (table_id,) = _of_type(template, "AWS::DynamoDB::Table")
    users = [
        f["Properties"]["Handler"]
        for f in _of_type(template, "AWS::Lambda::Function").values()
        if f["Properties"].get("Environment", {}).get("Variables", {}).get(EVENTS_TABLE_ENV)
        == {"Ref": table_id}
    ]
    assert len(users) == 2 and "durable_sfn.server.management_lambda.handler" in users
    granted = json.dumps(_of_type(template, "AWS::IAM::Policy"))
    assert granted.count(f'"{table_id}"') >= 2


def test_the_default_is_one_per_stack_and_reusable(fresh_stack: Stack) -> None:
    first = EventsTable.of(fresh_stack)
    assert EventsTable.of(Orchestration(fresh_stack, "Quote", orchestrator=sample.quote)) is first


def test_a_foreign_construct_under_the_default_id_is_reported(fresh_stack: Stack) -> None:
    cdk.aws_sns.Topic(fresh_stack, "DurableSfnEventsTable")
    with pytest.raises(OrchestrationConfigError, match="is a Topic, not the default EventsTable"):
        Orchestration(fresh_stack, "Booking", orchestrator=sample.booking)
