"""The Durable-style management API and OrchestrationClient, both against `durable-sfn serve`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import quote

import pytest

from durable_sfn.client import InstanceNotRunningError, OrchestrationClient
from tests.server.conftest import WAITER, Server, create_machine, wait_until

PREFIX = "/runtime/webhooks/durabletask"


def approval_states() -> dict[str, Any]:
    return {
        "Ask": {"Type": "Pass", "Assign": {"customStatus": "waiting for approval"}, "Next": "Wait"},
        "Wait": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Arguments": {
                "FunctionName": WAITER,
                "Payload": {
                    "executionArn": "{% $states.context.Execution.Id %}",
                    "eventName": "Approval",
                    "taskToken": "{% $states.context.Task.Token %}",
                },
            },
            "TimeoutSeconds": 3600,
            "Assign": {"customStatus": "approved"},
            "End": True,
        },
    }


@pytest.fixture(scope="module")
def machine(server: Server) -> str:
    name = f"Approval-{uuid.uuid4().hex[:6]}"
    create_machine(server.client(), name, approval_states(), "Ask")
    return name


def call(url: str, method: str = "GET", body: Any = None) -> tuple[int, dict[str, str], Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_start_status_raise_event_and_completion_over_http(server: Server, machine: str) -> None:
    status, headers, started = call(f"{server.url}{PREFIX}/orchestrators/{machine}", "POST", {"order": 1})
    assert status == 202
    assert headers["Location"] == started["statusQueryGetUri"]
    assert started["id"].endswith(f":execution:{machine}:" + started["id"].rsplit(":", 1)[-1])
    assert started["sendEventPostUri"].endswith("/raiseEvent/{eventName}")

    wait_until(lambda: call(started["statusQueryGetUri"])[2]["customStatus"] == "waiting for approval")
    status, _, running = call(started["statusQueryGetUri"])
    assert status == 202
    assert running["runtimeStatus"] == "Running"
    assert running["input"] == {"order": 1}

    event_url = started["sendEventPostUri"].replace("{eventName}", "Approval")
    status, _, raised = call(event_url, "POST", {"approved": True})
    assert status == 202 and raised["delivery"] in ("delivered", "buffered")

    wait_until(lambda: call(started["statusQueryGetUri"])[0] == 200)
    _, _, done = call(started["statusQueryGetUri"])
    assert done["runtimeStatus"] == "Completed"
    assert done["output"] == {"approved": True}
    assert done["customStatus"] == "approved"

    status, _, gone = call(event_url, "POST", {"again": True})
    assert status == 410 and "SUCCEEDED" in gone["error"]


def test_terminate_over_http_and_listing(server: Server, machine: str) -> None:
    status, _, started = call(
        f"{server.url}{PREFIX}/orchestrators/{machine}/fixed-{uuid.uuid4().hex[:6]}", "POST"
    )
    assert status == 202
    terminate = started["terminatePostUri"].replace("{text}", quote("changed my mind"))
    status, _, _ = call(terminate, "POST")
    assert status == 202
    _, _, stopped = call(started["statusQueryGetUri"])
    assert stopped["runtimeStatus"] == "Terminated"
    assert call(terminate, "POST")[0] == 410

    status, _, listed = call(f"{server.url}{PREFIX}/instances?runtimeStatus=Terminated")
    assert status == 200
    assert started["id"] in {item["instanceId"] for item in listed}


def test_management_errors_are_json_with_http_status(server: Server) -> None:
    missing = quote("arn:aws:states:us-east-1:123456789012:execution:Nope:none", safe="")
    assert call(f"{server.url}{PREFIX}/instances/{missing}")[0] == 404
    status, _, body = call(f"{server.url}{PREFIX}/orchestrators/NoSuchOrchestrator", "POST", {})
    assert status == 404 and "no state machine named" in body["error"]  # as Durable answers
    assert call(f"{server.url}{PREFIX}/whatever")[0] == 404
    status, _, body = call(f"{server.url}{PREFIX}/instances?createdTimeFrom=yesterday")
    assert status == 400 and "ISO 8601" in body["error"]


def test_orchestration_client_raises_events_through_the_same_endpoint(server: Server, machine: str) -> None:
    """The server also answers DynamoDB on its endpoint, so the client needs one endpoint_url."""
    client = OrchestrationClient(server.client(), dynamodb=server.client("dynamodb"))
    instance = client.start_new(machine, {"order": 2})
    wait_until(lambda: client.get_status(instance).custom_status == "waiting for approval")
    assert client.raise_event(instance, "Approval", "yes") == "delivered"
    final = client.wait_for_completion(instance, timeout=30, poll_interval=0.01)
    assert (final.runtime_status, final.output, final.custom_status) == ("Completed", "yes", "approved")
    with pytest.raises(InstanceNotRunningError):
        client.raise_event(instance, "Approval", "again")


def test_entities_are_signalled_and_read_over_http_as_in_durable(server: Server) -> None:
    assert "  entities: Likes\n" in "".join(server.log)  # the banner lists what the server hosts
    key = uuid.uuid4().hex[:8]
    entity_url = f"{server.url}{PREFIX}/entities/Likes/{key}"
    assert call(entity_url)[0] == 404  # nothing committed yet

    status, _, body = call(entity_url + "?op=add", "POST", 3)
    assert status == 202 and len(body["operationId"]) >= 1
    assert call(entity_url + "?op=add", "POST", 4)[0] == 202
    # The server delivers queued signals in the background, as the queue's consumer does on AWS.
    wait_until(lambda: call(entity_url)[0] == 200 and call(entity_url)[2] == {"count": 7})
    assert call(entity_url)[1]["ETag"] == '"2"'

    status, _, body = call(entity_url, "POST", 1)
    assert status == 400 and "?op=OPERATION" in body["error"]
    status, _, body = call(f"{server.url}{PREFIX}/entities/9bad/{key}")
    assert status == 400 and "is not valid" in body["error"]


def test_orchestration_client_reads_entity_state_through_the_server(server: Server) -> None:
    key = uuid.uuid4().hex[:8]
    call(f"{server.url}{PREFIX}/entities/Likes/{key}?op=add", "POST", 5)
    client = OrchestrationClient(
        server.client(), dynamodb=server.client("dynamodb"), entities_table="durable-sfn-entities"
    )
    wait_until(lambda: client.read_entity_state(f"Likes@{key}").exists)
    assert client.read_entity_state(f"Likes@{key}").state == {"count": 5}
    assert client.read_entity_state("Likes@never").exists is False
