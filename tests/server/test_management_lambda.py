"""The management Lambda turns API Gateway proxy events into the same answers `serve` gives."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from durable_sfn.client import OrchestrationClient
from durable_sfn.engine.api.client import LocalStepFunctions
from durable_sfn.entities import LocalEntityHost
from durable_sfn.server.management_lambda import base_url, handler
from tests.server.server_activities import likes

ROLE = "arn:aws:iam::123456789012:role/test"
SLEEPER = {"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 3600, "End": True}}}


def proxy_event(
    method: str, path: str, body: Any = None, query: dict[str, str] | None = None
) -> dict[str, Any]:
    text = None if body is None else base64.b64encode(json.dumps(body).encode()).decode()
    return {
        "httpMethod": method,
        "path": path,
        "queryStringParameters": query,
        "headers": {"Host": "abc123.execute-api.eu-west-1.amazonaws.com"},
        "requestContext": {"stage": "api", "domainName": "abc123.execute-api.eu-west-1.amazonaws.com"},
        "body": text,
        "isBase64Encoded": text is not None,
    }


def test_start_status_and_terminate_through_proxy_events() -> None:
    sfn = LocalStepFunctions()
    arn = sfn.create_state_machine(name="Sleeper", definition=json.dumps(SLEEPER), roleArn=ROLE)[
        "stateMachineArn"
    ]
    # A mapping limits the client to these machines, as the deployed function is limited.
    client = OrchestrationClient(sfn, name_to_arn={"Sleeper": arn})
    with sfn.clock.participating():  # the one-hour wait must not pass while we look at it
        started = handler(
            proxy_event("POST", "/runtime/webhooks/durabletask/orchestrators/Sleeper", {"a": 1}), None, client
        )
        assert started["statusCode"] == 202
        urls = json.loads(started["body"])
        assert started["headers"]["Location"] == urls["statusQueryGetUri"]
        assert urls["statusQueryGetUri"].startswith(
            "https://abc123.execute-api.eu-west-1.amazonaws.com/api/runtime/webhooks/durabletask/instances/arn%3Aaws%3Astates"
        )

        status_path = "/" + urls["statusQueryGetUri"].split("/api/", 1)[1]
        status = handler(proxy_event("GET", status_path), None, client)
        assert status["statusCode"] == 202
        assert json.loads(status["body"])["input"] == {"a": 1}

        stopped = handler(
            proxy_event("POST", status_path + "/terminate", query={"reason": "done"}), None, client
        )
        assert stopped["statusCode"] == 202
    assert (
        json.loads(handler(proxy_event("GET", status_path), None, client)["body"])["runtimeStatus"]
        == "Terminated"
    )

    unknown = handler(
        proxy_event("POST", "/runtime/webhooks/durabletask/orchestrators/Other", {}), None, client
    )
    assert unknown["statusCode"] == 404  # not among the machines this function manages


def test_uris_use_the_custom_domain_without_the_stage() -> None:
    event = proxy_event("GET", "/x")
    event["headers"] = {"host": "ops.example.com"}
    assert base_url(event) == "https://ops.example.com"
    assert base_url(proxy_event("GET", "/x")) == "https://abc123.execute-api.eu-west-1.amazonaws.com/api"


def test_entity_routes_use_the_table_and_queue_the_function_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        host = LocalEntityHost(
            [likes], dynamodb_client=dynamodb, sqs_client=sqs, table_name="lambda-entities"
        )
        client = OrchestrationClient(boto3.client("stepfunctions", region_name="us-east-1"), name_to_arn={})
        path = "/runtime/webhooks/durabletask/entities/Likes/post-1"

        unconfigured = handler(proxy_event("GET", path), None, client)
        assert unconfigured["statusCode"] == 400
        assert "DURABLE_SFN_ENTITIES_TABLE" in json.loads(unconfigured["body"])["error"]

        monkeypatch.setenv("DURABLE_SFN_ENTITIES_TABLE", "lambda-entities")
        monkeypatch.setenv("DURABLE_SFN_ENTITIES_QUEUE_URL", host.queue_url)
        assert handler(proxy_event("GET", path), None, client)["statusCode"] == 404
        signalled = handler(proxy_event("POST", path, 2, query={"op": "add"}), None, client)
        assert signalled["statusCode"] == 202
        assert host.drain().received == 1  # what the entity dispatcher's SQS event source does
        state = handler(proxy_event("GET", path), None, client)
        assert (state["statusCode"], json.loads(state["body"])) == (200, {"count": 2})
