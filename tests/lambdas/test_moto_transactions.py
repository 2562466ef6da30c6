"""moto's TransactWriteItems with per-item rollback stays all-or-nothing, exactly like moto's own.

Each case runs twice on the same requests: with moto's original implementation (which copies whole
tables) and with the replacement that `create_resources` installs (which copies only the items a
transaction touches), and both must leave the same items, errors and stream records.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend

from lambdas.common import moto_support

ORDERS = "tx-orders"  # partition key only, with a stream
LINES = "tx-lines"  # partition and sort key


@pytest.fixture(params=["moto", "per-item"])
def dynamodb(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    moto_support.snapshot_only_touched_items_in_moto_transactions()
    if request.param == "moto":
        monkeypatch.setattr(DynamoDBBackend, "transact_write_items", moto_support.moto_transact_write_items)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=ORDERS,
            KeySchema=[{"AttributeName": "Id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "Id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        client.create_table(
            TableName=LINES,
            KeySchema=[
                {"AttributeName": "Order", "KeyType": "HASH"},
                {"AttributeName": "Line", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "Order", "AttributeType": "S"},
                {"AttributeName": "Line", "AttributeType": "N"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for order in ("o-1", "o-2", "o-3"):
            client.put_item(TableName=ORDERS, Item={"Id": {"S": order}, "Stock": {"N": "5"}})
            client.put_item(
                TableName=LINES, Item={"Order": {"S": order}, "Line": {"N": "1"}, "Qty": {"N": "2"}}
            )
        yield client


def _everything(client: Any) -> dict[str, Any]:
    """Every item of both tables, and the number of stream records of the orders table."""
    items = {
        name: sorted((str(item) for item in client.scan(TableName=name)["Items"]), key=str)
        for name in (ORDERS, LINES)
    }
    streams = boto3.client("dynamodbstreams", region_name="us-east-1")
    arn = client.describe_table(TableName=ORDERS)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return {"items": items, "stream_records": len(records)}


def _writes_then(last: dict[str, Any]) -> list[dict[str, Any]]:
    """A put, an update and a delete on both kinds of table (all valid), then `last`."""
    return [
        {"Put": {"TableName": ORDERS, "Item": {"Id": {"S": "o-new"}, "Stock": {"N": "1"}}}},
        {
            "Update": {
                "TableName": ORDERS,
                "Key": {"Id": {"S": "o-1"}},
                "UpdateExpression": "SET Stock = Stock - :one",
                "ConditionExpression": "Stock >= :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
        {"Delete": {"TableName": ORDERS, "Key": {"Id": {"S": "o-2"}}}},
        {"Put": {"TableName": LINES, "Item": {"Order": {"S": "o-1"}, "Line": {"N": "2"}, "Qty": {"N": "7"}}}},
        {
            "Update": {
                "TableName": LINES,
                "Key": {"Order": {"S": "o-3"}, "Line": {"N": "1"}},
                "UpdateExpression": "SET Qty = :nine",
                "ExpressionAttributeValues": {":nine": {"N": "9"}},
            }
        },
        {"Delete": {"TableName": LINES, "Key": {"Order": {"S": "o-2"}, "Line": {"N": "1"}}}},
        last,
    ]


def test_a_failing_condition_check_leaves_every_item_and_stream_unchanged(dynamodb: Any) -> None:
    before = _everything(dynamodb)
    failing = {
        "ConditionCheck": {
            "TableName": ORDERS,
            "Key": {"Id": {"S": "o-3"}},
            "ConditionExpression": "Stock > :many",
            "ExpressionAttributeValues": {":many": {"N": "100"}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(TransactItems=_writes_then(failing))
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = raised.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None"] * 6 + ["ConditionalCheckFailed"]
    assert reasons[-1]["Item"] == {"Id": {"S": "o-3"}, "Stock": {"N": "5"}}
    assert _everything(dynamodb) == before


def test_a_failing_update_condition_in_the_middle_rolls_back_the_writes_before_it(dynamodb: Any) -> None:
    before = _everything(dynamodb)
    oversell = {
        "Update": {
            "TableName": ORDERS,
            "Key": {"Id": {"S": "o-3"}},
            "UpdateExpression": "SET Stock = Stock - :n",
            "ConditionExpression": "Stock >= :n",
            "ExpressionAttributeValues": {":n": {"N": "6"}},
        }
    }
    with pytest.raises(ClientError, match="TransactionCanceled"):
        dynamodb.transact_write_items(TransactItems=_writes_then(oversell))
    assert _everything(dynamodb) == before


def test_two_operations_on_one_item_are_refused_and_change_nothing(dynamodb: Any) -> None:
    before = _everything(dynamodb)
    again = {"Delete": {"TableName": ORDERS, "Key": {"Id": {"S": "o-1"}}}}
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(TransactItems=_writes_then(again))
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert _everything(dynamodb) == before


def test_a_transaction_that_passes_applies_every_write(dynamodb: Any) -> None:
    check = {
        "ConditionCheck": {
            "TableName": ORDERS,
            "Key": {"Id": {"S": "o-3"}},
            "ConditionExpression": "Stock = :five",
            "ExpressionAttributeValues": {":five": {"N": "5"}},
        }
    }
    dynamodb.transact_write_items(TransactItems=_writes_then(check))
    after = _everything(dynamodb)
    orders = {item["Id"]["S"]: item["Stock"]["N"] for item in dynamodb.scan(TableName=ORDERS)["Items"]}
    lines = {
        (item["Order"]["S"], item["Line"]["N"]): item["Qty"]["N"]
        for item in dynamodb.scan(TableName=LINES)["Items"]
    }
    assert orders == {"o-1": "4", "o-3": "5", "o-new": "1"}
    assert lines == {("o-1", "1"): "2", ("o-1", "2"): "7", ("o-3", "1"): "9"}
    assert after["stream_records"] == 3 + 3  # the seeded puts, then the put, update and delete
