"""AWS SDK and optimized integrations through boto3, against moto."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from tests.engine.support import jsonata, new_client, output, run


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="Orders",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield


def task(resource: str, arguments: object, **extra: object) -> dict[str, object]:
    return {"Type": "Task", "Resource": resource, "Arguments": arguments, **extra}


def test_optimized_dynamodb_put_and_get(aws: None) -> None:
    sfn = new_client()
    definition = jsonata(
        {
            "Put": {
                **task(
                    "arn:aws:states:::dynamodb:putItem",
                    {"TableName": "Orders", "Item": {"id": {"S": "o1"}, "total": {"N": "5"}}},
                ),
                "Next": "Get",
            },
            "Get": {
                **task(
                    "arn:aws:states:::dynamodb:getItem", {"TableName": "Orders", "Key": {"id": {"S": "o1"}}}
                ),
                "Output": "{% $states.result.Item.total.N %}",
                "End": True,
            },
        }
    )
    assert output(run(sfn, definition)) == "5"


def test_conditional_failure_is_named_like_aws(aws: None) -> None:
    sfn = new_client()
    definition = jsonata(
        {
            "Put": {
                **task(
                    "arn:aws:states:::dynamodb:putItem",
                    {
                        "TableName": "Orders",
                        "Item": {"id": {"S": "o1"}},
                        "ConditionExpression": "attribute_exists(id)",
                    },
                ),
                "End": True,
            }
        }
    )
    result = run(sfn, definition)
    assert result["error"] == "DynamoDB.ConditionalCheckFailedException"


def test_aws_sdk_integration_and_error_prefix(aws: None) -> None:
    sfn = new_client()
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="docs")
    definition = jsonata(
        {
            "Put": {
                **task(
                    "arn:aws:states:::aws-sdk:s3:putObject",
                    {"Bucket": "docs", "Key": "a.json", "Body": "hello"},
                ),
                "Next": "Get",
            },
            "Get": {
                **task("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": "docs", "Key": "a.json"}),
                "Output": "{% $states.result.Body %}",
                "Next": "Missing",
            },
            "Missing": {
                **task("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": "docs", "Key": "nope"}),
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Output": {"got": "{% $states.input %}", "error": "{% $states.errorOutput.Error %}"},
                        "Next": "Done",
                    }
                ],
                "End": True,
            },
            "Done": {"Type": "Succeed"},
        }
    )
    assert output(run(sfn, definition)) == {"got": "hello", "error": "S3.NoSuchKeyException"}


def test_sqs_send_message_serialises_json_body(aws: None) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sfn = new_client()
    definition = jsonata(
        {
            "Send": {
                **task("arn:aws:states:::sqs:sendMessage", {"QueueUrl": url, "MessageBody": {"k": 1}}),
                "End": True,
            }
        }
    )
    assert "MessageId" in output(run(sfn, definition))
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert json.loads(message["Body"]) == {"k": 1}


@pytest.mark.parametrize(
    ("resource", "arguments"),
    [
        # Client internals: a definition's action name never reaches getattr on the client.
        ("arn:aws:states:::aws-sdk:s3:_make_api_call", {"operation_name": "ListBuckets", "api_params": {}}),
        ("arn:aws:states:::aws-sdk:s3:__init__", {}),
        ("arn:aws:states:::aws-sdk:s3:getPaginator", {"operation_name": "list_buckets"}),
        ("arn:aws:states:::aws-sdk:s3:generatePresignedUrl", {"ClientMethod": "list_buckets"}),
        ("arn:aws:states:::sqs:_make_api_call", {"operation_name": "ListQueues", "api_params": {}}),
        # Service names outside botocore's models.
        ("arn:aws:states:::aws-sdk:__init__:listBuckets", {}),
    ],
)
def test_actions_outside_the_service_model_are_refused(aws: None, resource: str, arguments: object) -> None:
    sfn = new_client()
    result = run(sfn, jsonata({"Call": {**task(resource, arguments), "End": True}}))
    assert result["status"] == "FAILED"
    assert result["error"] == "States.Runtime", result


def test_aws_sdk_action_is_looked_up_in_the_model(aws: None) -> None:
    # `listObjectsV2`: the operation keeps an upper-case run (ListObjectsV2).
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="docs")
    sfn = new_client()
    definition = jsonata(
        {
            "List": {
                **task("arn:aws:states:::aws-sdk:s3:listObjectsV2", {"Bucket": "docs"}),
                "Output": "{% $states.result.KeyCount %}",
                "End": True,
            }
        }
    )
    assert output(run(sfn, definition)) == 0


def test_engine_without_clients_refuses_aws_sdk_tasks_outside_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: boto3 went to real AWS with whatever credentials the environment had (here an
    # endpoint nobody listens on, so the probe stays offline and quick).
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    sfn = new_client()
    definition = jsonata({"List": {**task("arn:aws:states:::aws-sdk:s3:listBuckets", {}), "End": True}})
    result = run(sfn, definition)
    assert result["error"] == "States.Runtime"
    assert "aws_client_factory" in result["cause"]


def test_a_cached_client_stops_working_when_moto_stops() -> None:
    sfn = new_client()
    definition = jsonata({"List": {**task("arn:aws:states:::aws-sdk:s3:listBuckets", {}), "End": True}})
    with mock_aws():
        assert run(sfn, definition)["status"] == "SUCCEEDED"
    assert run(sfn, definition)["error"] == "States.Runtime"


def test_explicit_clients_are_used_without_moto_checks() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="given")
        sfn = new_client(aws_client_factory=lambda service: s3)
        definition = jsonata(
            {
                "List": {
                    **task("arn:aws:states:::aws-sdk:s3:listBuckets", {}),
                    "Output": "{% $states.result.Buckets[0].Name %}",
                    "End": True,
                }
            }
        )
        assert output(run(sfn, definition)) == "given"
