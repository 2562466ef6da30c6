"""The deployed app tells someone when it fails, limits callers, and grants S3 by prefix."""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from stacks.app import WORKFLOWS_STACK
from stacks.workflows import _alarm_topic
from tests.cdk.conftest import Assembly
from tests.cdk.helpers import grants_by_action, logical_id_of_ref, policy_statements


def _topic_id(template: dict[str, Any]) -> str:
    topics = [
        k for k, v in template["Resources"].items() if v["Type"] == "AWS::SNS::Topic" and "AlarmsTopic" in k
    ]
    assert len(topics) == 1, topics
    return str(topics[0])


def test_every_alarm_notifies_the_alarm_topic(reference_assembly: Assembly) -> None:
    template = reference_assembly.template(WORKFLOWS_STACK)
    topic = _topic_id(template)
    alarms = reference_assembly.resources(WORKFLOWS_STACK, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 16
    silent = [
        name for name, alarm in alarms.items() if alarm["Properties"].get("AlarmActions") != [{"Ref": topic}]
    ]
    assert silent == []  # before: no alarm had an action
    key = template["Resources"][topic]["Properties"]["KmsMasterKeyId"]
    key_resource = template["Resources"][key["Fn::GetAtt"][0]]
    assert key_resource["Properties"]["EnableKeyRotation"] is True
    principals = [
        s.get("Principal", {}).get("Service") for s in key_resource["Properties"]["KeyPolicy"]["Statement"]
    ]
    assert "cloudwatch.amazonaws.com" in principals  # CloudWatch can encrypt for this topic


def test_the_entity_dead_letter_queue_has_an_alarm(reference_assembly: Assembly) -> None:
    template = reference_assembly.template(WORKFLOWS_STACK)
    queues = [
        k
        for k, v in template["Resources"].items()
        if v["Type"] == "AWS::SQS::Queue" and "SignalsDeadLetters" in k
    ]
    assert queues
    alarms = reference_assembly.resources(WORKFLOWS_STACK, "AWS::CloudWatch::Alarm").values()
    watched = {
        d["Value"]["Fn::GetAtt"][0]
        for alarm in alarms
        for d in alarm["Properties"].get("Dimensions", [])
        if d["Name"] == "QueueName" and isinstance(d["Value"], dict) and "Fn::GetAtt" in d["Value"]
    }
    assert set(queues) <= watched


def test_the_management_api_stage_is_throttled(reference_assembly: Assembly) -> None:
    (stage,) = reference_assembly.resources(WORKFLOWS_STACK, "AWS::ApiGateway::Stage").values()
    settings = stage["Properties"]["MethodSettings"]
    throttled = [s for s in settings if s.get("HttpMethod") == "*" and s.get("ResourcePath") == "/*"]
    assert throttled and throttled[0]["ThrottlingRateLimit"] > 0 and throttled[0]["ThrottlingBurstLimit"] > 0


def _activity_grants(template: dict[str, Any], activity: str) -> dict[str, set[str]]:
    function = next(
        f["Properties"]
        for f in template["Resources"].values()
        if f["Type"] == "AWS::Lambda::Function"
        and str(
            f["Properties"].get("Environment", {}).get("Variables", {}).get("DURABLE_SFN_ACTIVITY", "")
        ).endswith(f":{activity}")
    )
    return grants_by_action(policy_statements(template, logical_id_of_ref(function["Role"])))


def test_s3_grants_cover_only_the_prefixes_each_activity_uses(reference_assembly: Assembly) -> None:
    template = reference_assembly.template(WORKFLOWS_STACK)
    for resources in (
        resource
        for name in (
            "fetch_invoice_document",
            "extract_text_from_pdf",
            "parse_invoice_data",
            "collect_order_snapshot",
            "summarize_order_snapshot",
            "publish_order_report",
        )
        for action, resource in _activity_grants(template, name).items()
        if action in ("s3:GetObject", "s3:PutObject")
    ):
        assert not any(r.endswith("Bucket.Arn>/*") for r in resources), resources  # before: bucket/*
    fetch = _activity_grants(template, "fetch_invoice_document")
    assert {r.rsplit("/", 2)[-2] for r in fetch["s3:GetObject"]} == {"invoices"}
    extract = _activity_grants(template, "extract_text_from_pdf")
    assert {r.rsplit("/", 2)[-2] for r in extract["s3:PutObject"]} == {"extracted"}  # never the PDFs
    assert {r.rsplit("/", 2)[-2] for r in extract["s3:GetObject"]} == {"invoices", "extracted"}
    parse = _activity_grants(template, "parse_invoice_data")
    assert {r.rsplit("/", 2)[-2] for r in parse["s3:GetObject"]} == {"extracted"}
    assert "s3:PutObject" not in parse
    publish = _activity_grants(template, "publish_order_report")
    assert "s3:PutObject" not in publish  # it only reads the summary
    assert {r.rsplit("/", 2)[-2] for r in publish["s3:GetObject"]} == {"reports"}


def test_an_alarm_email_from_context_is_subscribed() -> None:
    stack = Stack(App(), "AlarmsOnly")
    _alarm_topic(stack, "ops@example.com")
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )
    bare = Stack(App(), "AlarmsOnlyQuiet")
    _alarm_topic(bare, None)
    Template.from_stack(bare).resource_count_is("AWS::SNS::Subscription", 0)


def test_the_basic_execution_role_acknowledgement_states_what_the_policy_allows() -> None:
    import inspect

    from durable_sfn.cdk import management_api

    source = inspect.getsource(management_api)
    assert "only lets the function write its own CloudWatch logs" not in source
    assert "every log group of the account" in source
