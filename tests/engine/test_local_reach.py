"""The local world reaches nothing outside the process unless the operator asks.

Probes: a definition that subscribes an http endpoint to an SNS topic and publishes made moto
POST the message to that URL; a Lambda created and invoked through moto ran in Docker.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import boto3
import pytest

from durable_sfn.local.runtime import LocalRuntime

ROLE = "arn:aws:iam::123456789012:role/local"


@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """An HTTP endpoint on loopback that records what reaches it."""
    hits: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hits.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", hits
    finally:
        server.shutdown()
        server.server_close()


def run(runtime: LocalRuntime, states: dict[str, Any], name: str = "reach") -> dict[str, Any]:
    definition = {"QueryLanguage": "JSONata", "StartAt": next(iter(states)), "States": states}
    arn = runtime.engine.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    started = runtime.engine.start_execution(stateMachineArn=arn, input="{}")
    result: dict[str, Any] = runtime.engine.wait_for_execution(started["executionArn"], timeout=30)
    return result


def test_sns_http_subscription_is_kept_in_process(listener: tuple[str, list[bytes]]) -> None:
    url, hits = listener
    states = {
        "Topic": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sns:createTopic",
            "Arguments": {"Name": "alerts"},
            "Assign": {"topic": "{% $states.result.TopicArn %}"},
            "Next": "Subscribe",
        },
        "Subscribe": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sns:subscribe",
            "Arguments": {"TopicArn": "{% $topic %}", "Protocol": "http", "Endpoint": url},
            "Next": "Publish",
        },
        "Publish": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Arguments": {"TopicArn": "{% $topic %}", "Message": "attacker-chosen body"},
            "End": True,
        },
    }
    with LocalRuntime(real_time=False) as runtime:
        assert run(runtime, states)["status"] == "SUCCEEDED"
        assert hits == []  # before: moto POSTed the message to the subscribed URL
        kept = runtime.outbound.requests
    assert [(r.method, r.url) for r in kept] == [("POST", url)]
    assert b"attacker-chosen body" in kept[0].body


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 'ran'\n")
    return buffer.getvalue()


def test_lambda_functions_created_in_moto_are_not_run_in_docker(monkeypatch: pytest.MonkeyPatch) -> None:
    import moto.awslambda.models as lambda_models

    def no_docker(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("moto tried to run a Lambda function in Docker")

    monkeypatch.setattr(lambda_models.LambdaFunction, "_invoke_lambda", no_docker)
    with LocalRuntime(real_time=False):
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        aws_lambda = boto3.client("lambda", region_name="us-east-1")
        aws_lambda.create_function(
            FunctionName="f",
            Runtime="python3.12",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": _zip()},
        )
        answer = aws_lambda.invoke(FunctionName="f", Payload=b"{}")
    assert answer["StatusCode"] == 200
    assert "FunctionError" not in answer


def test_real_services_are_moto_passthrough_only_when_named() -> None:
    from moto.core.config import passthrough_service

    with LocalRuntime(real_time=False):
        assert not passthrough_service("sns")
    with LocalRuntime(real_time=False, real_services=["sns"]) as runtime:
        assert passthrough_service("sns") and not passthrough_service("s3")
        assert runtime.real_services == ("sns",)


def test_a_task_reaches_real_aws_only_for_a_service_the_operator_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `serve --real-aws sns`: the engine's aws-sdk Tasks on sns leave the process (here they reach
    # a stand-in for the network that records the request), every other service stays on moto.
    import botocore.exceptions
    import botocore.httpsession

    sent: list[str] = []

    def network(self: Any, request: Any) -> Any:
        sent.append(request.url)
        raise botocore.exceptions.EndpointConnectionError(endpoint_url=request.url)

    monkeypatch.setattr(botocore.httpsession.URLLib3Session, "send", network)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    topics = {"List": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sns:listTopics", "End": True}}
    with LocalRuntime(real_time=False) as runtime:
        assert run(runtime, topics)["status"] == "SUCCEEDED"
    assert sent == []
    with LocalRuntime(real_time=False, real_services=["sns"]) as runtime:
        real = run(runtime, topics)
        buckets = {
            "List": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listBuckets", "End": True}
        }
        assert run(runtime, buckets, "buckets")["status"] == "SUCCEEDED"
    assert (real["status"], real["error"]) == ("FAILED", "Sns.EndpointConnectionError"), real
    assert len(sent) == 1 and "sns.us-east-1.amazonaws.com" in sent[0]
