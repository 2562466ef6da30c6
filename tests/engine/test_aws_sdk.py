"""AWS SDK and optimized integrations through boto3, against moto."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from durable_sfn.engine import LocalStepFunctions, MotoClients
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


def moto_engine() -> LocalStepFunctions:
    """An engine given moto's clients, as the local runtime and run_local make theirs."""
    return new_client(aws_client_factory=MotoClients())


def task(resource: str, arguments: object, **extra: object) -> dict[str, object]:
    return {"Type": "Task", "Resource": resource, "Arguments": arguments, **extra}


def test_optimized_dynamodb_put_and_get(aws: None) -> None:
    sfn = moto_engine()
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
    sfn = moto_engine()
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
    sfn = moto_engine()
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
    sfn = moto_engine()
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
    sfn = moto_engine()
    result = run(sfn, jsonata({"Call": {**task(resource, arguments), "End": True}}))
    assert result["status"] == "FAILED"
    assert result["error"] == "States.Runtime", result


def test_aws_sdk_action_is_looked_up_in_the_model(aws: None) -> None:
    # `listObjectsV2`: the operation keeps an upper-case run (ListObjectsV2).
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="docs")
    sfn = moto_engine()
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


LIST_BUCKETS = jsonata({"List": {**task("arn:aws:states:::aws-sdk:s3:listBuckets", {}), "End": True}})


def test_engine_without_clients_refuses_aws_sdk_tasks_outside_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: boto3 went to real AWS with whatever credentials the environment had (here an
    # endpoint nobody listens on, so the probe stays offline and quick).
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    result = run(new_client(), LIST_BUCKETS)
    assert result["error"] == "States.Runtime"
    assert "aws_client_factory" in result["cause"]


@pytest.mark.parametrize(
    ("resource", "arguments", "service"),
    [
        ("arn:aws:states:::aws-sdk:s3:listBuckets", {}, "s3"),
        ("arn:aws:states:::sqs:sendMessage", {"QueueUrl": "q", "MessageBody": "m"}, "sqs"),
        ("arn:aws:states:::dynamodb:getItem", {"TableName": "Orders", "Key": {}}, "dynamodb"),
    ],
)
def test_engine_without_clients_refuses_aws_tasks_even_while_moto_is_active(
    aws: None, resource: str, arguments: object, service: str
) -> None:
    # Before: an engine nobody gave clients used boto3 whenever moto happened to be active in
    # the process (moto patches every boto3 client, not this engine's).
    result = run(new_client(), jsonata({"Call": {**task(resource, arguments), "End": True}}))
    assert result["status"] == "FAILED"
    assert result["error"] == "States.Runtime"
    cause = result["cause"]
    assert f"State 'Call' calls AWS service '{service}'" in cause
    assert "given no AWS clients" in cause
    assert "aws_client_factory=MotoClients()" in cause and "aws_client_factory=boto3.client" in cause


def test_engine_without_clients_refuses_an_s3_item_reader_naming_the_map(aws: None) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="items")
    s3.put_object(Bucket="items", Key="items.json", Body=json.dumps([1, 2]))
    definition = jsonata(
        {
            "Each": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Arguments": {"Bucket": "items", "Key": "items.json"},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Echo",
                    "States": {"Echo": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        }
    )
    refused = run(new_client(), definition)
    assert refused["error"] == "States.Runtime"
    assert "State 'Each' calls AWS service 's3'" in refused["cause"]
    assert output(run(moto_engine(), definition)) == [1, 2]


def test_moto_clients_stop_working_when_moto_stops() -> None:
    sfn = moto_engine()
    with mock_aws():
        assert run(sfn, LIST_BUCKETS)["status"] == "SUCCEEDED"
    result = run(sfn, LIST_BUCKETS)
    assert result["error"] == "States.Runtime"
    assert "moto is not active" in result["cause"]


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
