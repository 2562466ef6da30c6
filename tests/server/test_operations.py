"""Operating orchestrations against `durable-sfn serve`, the way Step Functions users do with boto3:
redrive, versions and aliases, paging; and the same through OrchestrationClient and the
Durable-style management API (rewind, top + continuation token, purge)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections import Counter
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from durable_sfn.client import InstanceNotRedrivableError, OrchestrationClient
from tests.engine.support import all_events
from tests.server.conftest import Server, create_machine, wait_until, wait_until_done

PREFIX = "/runtime/webhooks/durabletask"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def lambda_task(function: str, **extra: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": function, "Payload": "{% $states.input %}"},
        "Output": "{% $states.result.Payload %}",
        **extra,
    }


def stock(server: Server, item: str, count: int) -> None:
    """Put stock in the table the Pick activity reads, through the server's DynamoDB endpoint."""
    server.client("dynamodb").put_item(
        TableName="stock", Item={"item": {"S": item}, "count": {"N": str(count)}}
    )


def picking_machine(server: Server) -> tuple[str, str]:
    """A machine greeting first, then picking an item that is out of stock; returns (arn, item)."""
    item = unique("gloves")
    states = {
        "Greet": lambda_task("Greet", Next="Pick", Output="{% $states.input %}"),
        "Pick": lambda_task("Pick", End=True),
    }
    return create_machine(server.client(), unique("Picker"), states, "Greet"), item


def http(
    url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


# -- redrive ----------------------------------------------------------------------------------


def test_boto3_redrives_a_failed_execution_from_its_failed_step(server: Server) -> None:
    sfn = server.client()
    machine, item = picking_machine(server)
    run = sfn.start_execution(stateMachineArn=machine, name="first", input=json.dumps(item))["executionArn"]
    failed = wait_until_done(sfn, run)
    assert failed["status"] == "FAILED" and failed["error"] == "OutOfStock"
    assert failed["redriveCount"] == 0 and failed["redriveStatus"] == "REDRIVABLE"

    stock(server, item, 1)
    redriven = sfn.redrive_execution(executionArn=run)
    assert redriven["redriveDate"] >= failed["stopDate"]  # a timestamp, parsed by boto3
    done = wait_until_done(sfn, run)

    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == f"picked {item}"
    assert done["redriveCount"] == 1 and done["redriveStatus"] == "NOT_REDRIVABLE"
    assert done["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"
    events = all_events(sfn, run)
    types = [e["type"] for e in events]
    redrive_at = types.index("ExecutionRedriven")
    assert events[redrive_at]["executionRedrivenEventDetails"] == {"redriveCount": 1}
    entered = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
    assert entered == ["Greet", "Pick", "Pick"]  # Greet ran once, Pick again after the redrive
    assert types[-1] == "ExecutionSucceeded"

    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable) as info:
        sfn.redrive_execution(executionArn=run)
    assert "SUCCEEDED" in info.value.response["Error"]["Message"]
    listed = sfn.list_executions(stateMachineArn=machine, redriveFilter="REDRIVEN")["executions"]
    assert [(e["name"], e["redriveCount"]) for e in listed] == [("first", 1)]


def test_the_client_and_the_management_api_rewind_a_failed_instance(server: Server) -> None:
    client = OrchestrationClient(server.client(), dynamodb=server.client("dynamodb"))
    machine, item = picking_machine(server)
    name = machine.rsplit(":", 1)[-1]

    instance = client.start_new(name, item, instance_id="by-client")
    assert client.wait_for_completion(instance, timeout=30, poll_interval=0.05).runtime_status == "Failed"
    stock(server, item, 2)
    client.rewind(instance, "stock arrived")
    assert client.wait_for_completion(instance, timeout=30, poll_interval=0.05).runtime_status == "Completed"
    with pytest.raises(InstanceNotRedrivableError, match="SUCCEEDED"):
        client.redrive(instance)

    other = unique("mittens")
    status, _, started = http(f"{server.url}{PREFIX}/orchestrators/{name}/by-http", "POST", other)
    assert status == 202 and started["rewindPostUri"].endswith("/rewind?reason={text}")
    wait_until(lambda: http(started["statusQueryGetUri"])[0] == 200)
    stock(server, other, 1)
    status, _, _body = http(started["rewindPostUri"].replace("{text}", "restocked"), "POST")
    assert status == 202
    wait_until(lambda: http(started["statusQueryGetUri"])[2]["runtimeStatus"] == "Completed")
    assert http(started["rewindPostUri"].replace("{text}", "again"), "POST")[0] == 410  # not failed
    unknown = quote(started["id"] + "-none", safe="")
    assert http(f"{server.url}{PREFIX}/instances/{unknown}/rewind", "POST")[0] == 404


# -- versions and aliases ---------------------------------------------------------------------


def test_boto3_publishes_versions_and_routes_an_alias_between_two(server: Server) -> None:
    sfn = server.client()
    name = unique("Versioned")

    def says(word: str) -> str:
        return json.dumps(
            {
                "QueryLanguage": "JSONata",
                "StartAt": "S",
                "States": {"S": {"Type": "Pass", "Output": word, "End": True}},
            }
        )

    created = sfn.create_state_machine(
        name=name, definition=says("blue"), roleArn="arn:aws:iam::123456789012:role/r", publish=True
    )
    machine = created["stateMachineArn"]
    assert created["stateMachineVersionArn"] == f"{machine}:1"
    updated = sfn.update_state_machine(
        stateMachineArn=machine, definition=says("green"), publish=True, versionDescription="green"
    )
    assert updated["stateMachineVersionArn"] == f"{machine}:2"
    versions = sfn.list_state_machine_versions(stateMachineArn=machine)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in versions] == [f"{machine}:2", f"{machine}:1"]

    alias = sfn.create_state_machine_alias(
        name="prod",
        routingConfiguration=[
            {"stateMachineVersionArn": f"{machine}:1", "weight": 50},
            {"stateMachineVersionArn": f"{machine}:2", "weight": 50},
        ],
    )["stateMachineAliasArn"]
    words: Counter[str] = Counter()
    for n in range(40):
        run = sfn.start_execution(stateMachineArn=alias, name=f"r{n}")["executionArn"]
        done = wait_until_done(sfn, run)
        word = json.loads(done["output"])
        words[word] += 1
        assert done["stateMachineAliasArn"] == alias
        assert done["stateMachineVersionArn"] == f"{machine}:{1 if word == 'blue' else 2}"
    assert set(words) == {"blue", "green"}  # 40 draws at 50/50: both versions ran

    sfn.update_state_machine_alias(
        stateMachineAliasArn=alias,
        routingConfiguration=[{"stateMachineVersionArn": f"{machine}:2", "weight": 100}],
    )
    described = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert described["routingConfiguration"] == [{"stateMachineVersionArn": f"{machine}:2", "weight": 100}]
    assert sfn.describe_state_machine(stateMachineArn=f"{machine}:2")["description"] == "green"

    def code(call: Any) -> str:
        with pytest.raises(ClientError) as info:
            call()
        return str(info.value.response["Error"]["Code"])

    assert (
        code(lambda: sfn.delete_state_machine_version(stateMachineVersionArn=f"{machine}:2"))
        == "ConflictException"
    )
    assert (
        code(lambda: sfn.describe_state_machine_alias(stateMachineAliasArn=f"{machine}:nope"))
        == "ResourceNotFound"
    )
    assert (
        code(
            lambda: sfn.create_state_machine_alias(
                name="half", routingConfiguration=[{"stateMachineVersionArn": f"{machine}:1", "weight": 50}]
            )
        )
        == "ValidationException"
    )
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    sfn.delete_state_machine_version(stateMachineVersionArn=f"{machine}:2")
    assert code(lambda: sfn.start_execution(stateMachineArn=f"{machine}:2")) == "StateMachineDoesNotExist"


# -- paging -----------------------------------------------------------------------------------


def test_boto3_pages_executions_and_state_machines_with_next_token(server: Server) -> None:
    sfn = server.client()
    machine = create_machine(sfn, unique("Paged"), {"P": {"Type": "Pass", "End": True}}, "P")
    runs = [sfn.start_execution(stateMachineArn=machine, name=f"p{n}")["executionArn"] for n in range(7)]
    first = sfn.list_executions(stateMachineArn=machine, maxResults=3)
    assert [e["name"] for e in first["executions"]] == ["p6", "p5", "p4"]
    second = sfn.list_executions(stateMachineArn=machine, maxResults=3, nextToken=first["nextToken"])
    assert [e["name"] for e in second["executions"]] == ["p3", "p2", "p1"]
    pages = list(
        sfn.get_paginator("list_executions").paginate(
            stateMachineArn=machine, PaginationConfig={"PageSize": 2}
        )
    )
    assert len(pages) == 4 and sorted(e["executionArn"] for p in pages for e in p["executions"]) == sorted(
        runs
    )
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.list_executions(stateMachineArn=machine, nextToken="not-a-token")
    machines = [
        m
        for p in sfn.get_paginator("list_state_machines").paginate(PaginationConfig={"PageSize": 1})
        for m in p["stateMachines"]
    ]
    assert machine in {m["stateMachineArn"] for m in machines}


def test_the_client_and_the_management_api_page_instances(server: Server) -> None:
    sfn = server.client()
    name = unique("Listed")
    machine = create_machine(sfn, name, {"P": {"Type": "Pass", "End": True}}, "P")
    for n in range(5):
        wait_until_done(sfn, sfn.start_execution(stateMachineArn=machine, name=f"l{n}")["executionArn"])
    client = OrchestrationClient(sfn, dynamodb=server.client("dynamodb"))

    page = client.list_instances(orchestrator=name, page_size=2)
    assert [s.name for s in page] == ["l4", "l3"] and page.continuation_token
    rest = client.list_instances(orchestrator=name, page_size=10, continuation_token=page.continuation_token)
    assert [s.name for s in rest] == ["l2", "l1", "l0"] and rest.continuation_token is None
    assert [s.name for s in client.iter_instances(orchestrator=name)] == ["l4", "l3", "l2", "l1", "l0"]

    url = f"{server.url}{PREFIX}/instances?top=2"
    seen: list[str] = []
    token: str | None = None
    while True:
        status, headers, body = http(url, headers={"x-ms-continuation-token": token} if token else None)
        assert status == 200
        seen += [item["name"] for item in body if item["name"].startswith("l") and name in item["instanceId"]]
        token = {k.lower(): v for k, v in headers.items()}.get("x-ms-continuation-token")
        assert len(body) <= 2
        if token is None:
            break
    assert seen == ["l4", "l3", "l2", "l1", "l0"]
    bad = http(url, headers={"x-ms-continuation-token": "bogus"})
    assert bad[0] == 400 and "continuation token" in bad[2]["error"]
    assert http(f"{server.url}{PREFIX}/instances?top=zero")[0] == 400


# -- purge ------------------------------------------------------------------------------------


def test_purge_deletes_the_event_rows_of_ended_instances(server: Server) -> None:
    sfn = server.client()
    dynamodb = server.client("dynamodb")
    client = OrchestrationClient(sfn, dynamodb=dynamodb)
    name = unique("Purged")
    create_machine(sfn, name, {"W": {"Type": "Wait", "Seconds": 30, "End": True}}, "W")
    instance = client.start_new(name, None, instance_id="to-purge")
    assert client.raise_event(instance, "Unused", {"n": 1}) == "buffered"

    def rows() -> int:
        found = dynamodb.query(
            TableName=client.events_table,
            KeyConditionExpression="executionArn = :a",
            ExpressionAttributeValues={":a": {"S": instance}},
        )
        return int(found["Count"])

    assert rows() == 1
    with pytest.raises(Exception, match="RUNNING"):
        client.purge_instance_history(instance)
    client.terminate(instance, "done")
    assert client.purge_instance_history(instance).instances_deleted == 1
    assert rows() == 0
    assert client.get_status(instance).runtime_status == "Terminated"  # Step Functions keeps its own

    other = client.start_new(name, None, instance_id="purged-over-http")
    client.raise_event(other, "Unused", 2)
    client.terminate(other)
    status, _, started = http(f"{server.url}{PREFIX}/instances/{quote(other, safe='')}", "DELETE")
    assert (status, started) == (200, {"instancesDeleted": 1})
    missing = quote(other + "-none", safe="")
    assert http(f"{server.url}{PREFIX}/instances/{missing}", "DELETE")[0] == 404
    status, _, body = http(
        f"{server.url}{PREFIX}/instances?createdTimeFrom=2000-01-01T00:00:00Z&runtimeStatus=Terminated",
        "DELETE",
    )
    assert status == 200 and body["instancesDeleted"] >= 2
    assert http(f"{server.url}{PREFIX}/instances", "DELETE")[0] == 400  # createdTimeFrom is required
    assert http(f"{server.url}{PREFIX}/instances?createdTimeFrom=2999-01-01T00:00:00Z", "DELETE")[0] == 404


def test_the_local_world_updates_existing_machines_beyond_the_first_list_page() -> None:
    from durable_sfn.local.definitions import LoadedDefinition
    from durable_sfn.local.runtime import LocalRuntime

    definition: dict[str, Any] = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    with LocalRuntime(real_time=False) as runtime:
        runtime.create_machines([LoadedDefinition(f"m{n:03d}", definition, "test") for n in range(120)])
        changed = {**definition, "Comment": "second revision"}
        # m119 is on the second ListStateMachines page (pages of 100): it is updated, not re-created.
        arns = runtime.create_machines([LoadedDefinition("m119", changed, "test")])
        described = runtime.engine.describe_state_machine(stateMachineArn=arns["m119"])
        assert json.loads(described["definition"])["Comment"] == "second revision"
