"""Activities the test server loads with `--activities tests/server/server_activities.py`."""

from __future__ import annotations

from typing import Any

from durable_sfn.dsl import activity
from durable_sfn.entities import EntityContext, entity


class OutOfStock(Exception):
    pass


@activity(name="Greet")
def greet(name: str) -> dict[str, Any]:
    return {"greeting": f"hello {name}"}


@entity(name="Likes", operations=("add", "get"))
def likes(ctx: EntityContext) -> None:
    """An entity the server hosts because it sits beside the activities."""
    count = ctx.get_state(lambda: {"count": 0})
    if ctx.operation_name == "add":
        count = {"count": count["count"] + ctx.get_input()}
        ctx.set_state(count)
    ctx.set_result(count)


def create_stock_table() -> None:
    """`--setup` hook: runs in the server with moto active, before any request."""
    import boto3

    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    dynamodb.create_table(
        TableName="stock",
        AttributeDefinitions=[{"AttributeName": "item", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "item", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="stock", Item={"item": {"S": "socks"}, "count": {"N": "3"}})


@activity(name="CountStock")
def count_stock(item: str) -> int:
    """Reads the table the setup hook created: activities reach moto through plain boto3."""
    import boto3

    found = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName="stock", Key={"item": {"S": item}}
    )
    return int(found["Item"]["count"]["N"]) if "Item" in found else 0


@activity(name="Reserve")
def reserve(item: str) -> str:
    raise OutOfStock(f"{item} is out of stock")


@activity(name="Pick")
def pick(item: str) -> str:
    """Fails while the stock table has none of `item`: a fault that is fixed outside the workflow.

    Tests put stock in through the server's DynamoDB endpoint, then redrive the failed execution.
    """
    import boto3

    found = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName="stock", Key={"item": {"S": item}}
    )
    if "Item" not in found or int(found["Item"]["count"]["N"]) <= 0:
        raise OutOfStock(f"{item} is out of stock")
    return f"picked {item}"
