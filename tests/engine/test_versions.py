"""Versions, aliases and paging of the boto3-shaped client, with AWS's errors."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from durable_sfn.engine import LocalStepFunctions
from tests.engine.support import ROLE, jsonata, new_client

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:orders"


def says(word: str) -> dict[str, Any]:
    return jsonata({"Say": {"Type": "Pass", "Output": word, "End": True}})


def create(sfn: LocalStepFunctions, word: str = "one", **kwargs: Any) -> str:
    return str(
        sfn.create_state_machine(name="orders", definition=json.dumps(says(word)), roleArn=ROLE, **kwargs)[
            "stateMachineArn"
        ]
    )


def update(sfn: LocalStepFunctions, word: str, **kwargs: Any) -> dict[str, Any]:
    return dict(sfn.update_state_machine(stateMachineArn=ARN, definition=json.dumps(says(word)), **kwargs))


def said(sfn: LocalStepFunctions, target: str, name: str | None = None) -> tuple[str, dict[str, Any]]:
    kwargs = {"name": name} if name else {}
    execution = sfn.start_execution(stateMachineArn=target, **kwargs)["executionArn"]
    described = sfn.wait_for_execution(execution, timeout=10)
    return json.loads(described["output"]), described


def test_publishing_numbers_versions_and_each_runs_its_own_definition() -> None:
    sfn = new_client()
    created = create(sfn, "one", publish=True, versionDescription="first")
    v1 = sfn.list_state_machine_versions(stateMachineArn=created)["stateMachineVersions"][0][
        "stateMachineVersionArn"
    ]
    assert v1 == f"{ARN}:1"
    updated = update(sfn, "two", publish=True, versionDescription="second")
    assert updated["stateMachineVersionArn"] == f"{ARN}:2" and updated["revisionId"]

    assert said(sfn, f"{ARN}:1")[0] == "one"
    word, described = said(sfn, f"{ARN}:2")
    assert word == "two"
    assert described["stateMachineArn"] == ARN
    assert described["stateMachineVersionArn"] == f"{ARN}:2" and "stateMachineAliasArn" not in described
    assert said(sfn, ARN)[1].get("stateMachineVersionArn") is None  # unqualified: no version

    version = sfn.describe_state_machine(stateMachineArn=f"{ARN}:1")
    assert version["stateMachineArn"] == f"{ARN}:1" and version["description"] == "first"
    assert json.loads(version["definition"]) == says("one")
    assert sfn.describe_state_machine(stateMachineArn=ARN)["revisionId"] == updated["revisionId"]


def test_publishing_is_idempotent_per_revision_and_checks_the_revision() -> None:
    sfn = new_client()
    create(sfn)
    first = sfn.publish_state_machine_version(stateMachineArn=ARN, description="d")
    again = sfn.publish_state_machine_version(stateMachineArn=ARN, description="d")
    assert again["stateMachineVersionArn"] == first["stateMachineVersionArn"] == f"{ARN}:1"
    with pytest.raises(sfn.exceptions.ConflictException):
        sfn.publish_state_machine_version(stateMachineArn=ARN, description="another")
    revision = sfn.describe_state_machine(stateMachineArn=ARN)["revisionId"]
    update(sfn, "two")
    with pytest.raises(sfn.exceptions.ConflictException):
        sfn.publish_state_machine_version(stateMachineArn=ARN, revisionId=revision)
    second = sfn.publish_state_machine_version(stateMachineArn=ARN)
    assert second["stateMachineVersionArn"] == f"{ARN}:2"
    with pytest.raises(sfn.exceptions.ValidationException):
        sfn.update_state_machine(stateMachineArn=ARN, versionDescription="needs publish")


def test_deleted_version_numbers_are_not_reused_and_running_executions_keep_theirs() -> None:
    sfn = new_client()
    create(sfn, "one", publish=True)
    pausing = jsonata(
        {
            "Pause": {"Type": "Wait", "Seconds": 60, "Next": "Say"},
            "Say": {"Type": "Pass", "Output": "two", "End": True},
        }
    )
    published = sfn.update_state_machine(stateMachineArn=ARN, definition=json.dumps(pausing), publish=True)
    assert published["stateMachineVersionArn"] == f"{ARN}:2"
    with sfn.clock.participating():
        running = sfn.start_execution(stateMachineArn=f"{ARN}:2")["executionArn"]
        sfn.delete_state_machine_version(stateMachineVersionArn=f"{ARN}:2")
        update(sfn, "three")  # the state machine changes under the running execution too
    assert json.loads(sfn.wait_for_execution(running, timeout=10)["output"]) == "two"
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.start_execution(stateMachineArn=f"{ARN}:2")
    third = sfn.publish_state_machine_version(stateMachineArn=ARN)
    assert third["stateMachineVersionArn"] == f"{ARN}:3"
    listed = sfn.list_state_machine_versions(stateMachineArn=ARN)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in listed] == [f"{ARN}:3", f"{ARN}:1"]  # newest first


def test_an_alias_routes_by_weight_and_executions_report_alias_and_version() -> None:
    sfn = new_client(routing_seed=7)
    create(sfn, "one", publish=True)
    update(sfn, "two", publish=True)
    alias = sfn.create_state_machine_alias(
        name="live",
        description="production",
        routingConfiguration=[
            {"stateMachineVersionArn": f"{ARN}:1", "weight": 80},
            {"stateMachineVersionArn": f"{ARN}:2", "weight": 20},
        ],
    )["stateMachineAliasArn"]
    assert alias == f"{ARN}:live"
    words: Counter[str] = Counter()
    for n in range(200):
        word, described = said(sfn, alias, f"run-{n}")
        words[word] += 1
        assert described["stateMachineAliasArn"] == alias
        assert described["stateMachineVersionArn"] == f"{ARN}:{1 if word == 'one' else 2}"
    assert 130 <= words["one"] <= 190 and words["one"] + words["two"] == 200

    by_alias = sfn.list_executions(stateMachineArn=alias, maxResults=1000)["executions"]
    by_v2 = sfn.list_executions(stateMachineArn=f"{ARN}:2", maxResults=1000)["executions"]
    assert len(by_alias) == 200 and len(by_v2) == words["two"]
    assert all(e["stateMachineAliasArn"] == alias for e in by_alias)

    sfn.update_state_machine_alias(
        stateMachineAliasArn=alias,
        routingConfiguration=[{"stateMachineVersionArn": f"{ARN}:2", "weight": 100}],
    )
    assert said(sfn, alias)[0] == "two"
    described = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert described["name"] == "live" and described["description"] == "production"
    assert described["routingConfiguration"] == [{"stateMachineVersionArn": f"{ARN}:2", "weight": 100}]
    assert [
        a["stateMachineAliasArn"]
        for a in sfn.list_state_machine_aliases(stateMachineArn=ARN)["stateMachineAliases"]
    ] == [alias]
    assert sfn.list_state_machine_aliases(stateMachineArn=f"{ARN}:1")["stateMachineAliases"] == []


def test_alias_and_version_errors_are_the_aws_ones() -> None:
    sfn = new_client()
    create(sfn, "one", publish=True)
    route = [{"stateMachineVersionArn": f"{ARN}:1", "weight": 100}]
    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=route)["stateMachineAliasArn"]
    assert (
        sfn.create_state_machine_alias(name="live", routingConfiguration=route)["stateMachineAliasArn"]
        == alias
    )
    cases: list[tuple[str, Any]] = [
        (
            "ConflictException",
            lambda: sfn.create_state_machine_alias(name="live", description="x", routingConfiguration=route),
        ),
        ("ConflictException", lambda: sfn.delete_state_machine_version(stateMachineVersionArn=f"{ARN}:1")),
        (
            "ResourceNotFound",
            lambda: sfn.create_state_machine_alias(
                name="b", routingConfiguration=[{"stateMachineVersionArn": f"{ARN}:9", "weight": 100}]
            ),
        ),
        (
            "ValidationException",
            lambda: sfn.create_state_machine_alias(
                name="b", routingConfiguration=[{"stateMachineVersionArn": f"{ARN}:1", "weight": 60}]
            ),
        ),
        (
            "ValidationException",
            lambda: sfn.create_state_machine_alias(name="123", routingConfiguration=route),
        ),
        ("ValidationException", lambda: sfn.update_state_machine_alias(stateMachineAliasArn=alias)),
        ("ResourceNotFound", lambda: sfn.describe_state_machine_alias(stateMachineAliasArn=f"{ARN}:gone")),
        ("ResourceNotFound", lambda: sfn.delete_state_machine_alias(stateMachineAliasArn=f"{ARN}:gone")),
        ("StateMachineDoesNotExist", lambda: sfn.start_execution(stateMachineArn=f"{ARN}:gone")),
        ("StateMachineDoesNotExist", lambda: sfn.start_execution(stateMachineArn=f"{ARN}:7")),
        ("ValidationException", lambda: sfn.delete_state_machine(stateMachineArn=alias)),
        ("InvalidArn", lambda: sfn.publish_state_machine_version(stateMachineArn=f"{ARN}:1")),
    ]
    for code, call in cases:
        with pytest.raises(sfn.exceptions.ClientError) as info:
            call()
        assert info.value.response["Error"]["Code"] == code, (code, info.value)
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    sfn.delete_state_machine_version(stateMachineVersionArn=f"{ARN}:1")  # no alias routes to it now
    assert sfn.list_state_machine_versions(stateMachineArn=ARN)["stateMachineVersions"] == []
    sfn.delete_state_machine(stateMachineArn=ARN)
    sfn.delete_state_machine_version(stateMachineVersionArn=f"{ARN}:1")  # gone with it: no error


def test_list_executions_pages_with_stable_tokens_and_refuses_bad_ones() -> None:
    sfn = new_client()
    create(sfn)
    for n in range(5):
        said(sfn, ARN, f"e{n}")
    first = sfn.list_executions(stateMachineArn=ARN, maxResults=2)
    assert [e["name"] for e in first["executions"]] == ["e4", "e3"]
    said(sfn, ARN, "e5")  # a newer execution does not shift the pages already handed out
    second = sfn.list_executions(stateMachineArn=ARN, maxResults=2, nextToken=first["nextToken"])
    assert [e["name"] for e in second["executions"]] == ["e2", "e1"]
    last = sfn.list_executions(stateMachineArn=ARN, maxResults=2, nextToken=second["nextToken"])
    assert [e["name"] for e in last["executions"]] == ["e0"] and "nextToken" not in last
    for bad in (
        "garbage",
        first["nextToken"] + "x",
        sfn.list_state_machines(maxResults=1).get("nextToken") or "e30=",
    ):
        with pytest.raises(sfn.exceptions.InvalidToken):
            sfn.list_executions(stateMachineArn=ARN, nextToken=bad)
    with pytest.raises(sfn.exceptions.ValidationException):
        sfn.list_executions(stateMachineArn=ARN, maxResults=1001)


def test_lists_default_to_pages_of_one_hundred() -> None:
    sfn = new_client()
    for n in range(105):
        sfn.create_state_machine(name=f"m{n:03d}", definition=json.dumps(says("x")), roleArn=ROLE)
    first = sfn.list_state_machines()
    assert len(first["stateMachines"]) == 100 and "nextToken" in first
    rest = sfn.list_state_machines(nextToken=first["nextToken"])
    assert [m["name"] for m in rest["stateMachines"]] == [f"m{n:03d}" for n in range(100, 105)]
