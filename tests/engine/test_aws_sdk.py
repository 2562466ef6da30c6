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
