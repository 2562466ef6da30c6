"""The management API answers as Durable's HTTP API does: 404, 409, showHistory."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import quote

from tests.server.conftest import Server, create_machine, server, wait_until  # noqa: F401

PREFIX = "/runtime/webhooks/durabletask"


def call(url: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_unknown_orchestrator_is_404_and_a_duplicate_instance_id_is_409(server: Server) -> None:  # noqa: F811
    status, body = call(f"{server.url}{PREFIX}/orchestrators/NoSuchOrchestrator/i-1", "POST", 1)
    assert status == 404 and "no state machine named 'NoSuchOrchestrator'" in body["error"]

    name = f"Echo-{uuid.uuid4().hex[:6]}"
    create_machine(server.client(), name, {"Echo": {"Type": "Pass", "End": True}}, "Echo")
    first, _ = call(f"{server.url}{PREFIX}/orchestrators/{name}/dup-1", "POST", {"n": 1})
    assert first == 202
    status, body = call(f"{server.url}{PREFIX}/orchestrators/{name}/dup-1", "POST", {"n": 2})
    assert status == 409 and "already exists" in body["error"]


def test_show_history_adds_the_history_events_and_bad_flags_are_400(server: Server) -> None:  # noqa: F811
    name = f"Echo-{uuid.uuid4().hex[:6]}"
    create_machine(server.client(), name, {"Echo": {"Type": "Pass", "End": True}}, "Echo")
    status, started = call(f"{server.url}{PREFIX}/orchestrators/{name}", "POST", {"n": 1})
    assert status == 202
    url = started["statusQueryGetUri"]
    wait_until(lambda: call(url)[0] == 200)

    status, document = call(url + "?showHistory=true")
    assert status == 200
    types = [event["type"] for event in document["historyEvents"]]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    assert "historyEvents" not in call(url)[1]
    assert (
        "input" not in call(url + "?showInput=false")[1] or call(url + "?showInput=false")[1]["input"] is None
    )

    status, body = call(url + "?showHistory=yes")
    assert status == 400 and "showHistory must be true or false" in body["error"]
    missing = quote("arn:aws:states:us-east-1:123456789012:execution:Nope:none", safe="")
    assert call(f"{server.url}{PREFIX}/instances/{missing}?showHistory=true")[0] == 404
