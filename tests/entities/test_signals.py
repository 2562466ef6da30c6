"""Signals: FIFO per entity, exactly once on redelivery, failures that keep order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from durable_sfn.entities import EntityId, LocalEntityHost, message_group_id

J = EntityId("Journal", "orders")


def _sqs_record(message_id: str, body: Any) -> dict[str, Any]:
    return {"messageId": message_id, "receiptHandle": "rh", "body": json.dumps(body), "attributes": {}}


def _signal_body(entity_id: EntityId, operation: str, value: Any, op_id: str) -> dict[str, Any]:
    return {
        "kind": "signal",
        "name": entity_id.name,
        "key": entity_id.key,
        "operation": operation,
        "input": value,
        "operationId": op_id,
    }


def test_signals_from_one_sender_are_applied_in_send_order(host: LocalEntityHost) -> None:
    other = EntityId("Journal", "audit")
    for i in range(30):
        host.signal(J, "append", i)
        host.signal(other, "append", -i)  # interleaved traffic to another entity

    report = host.drain()

    assert (report.received, report.failed) == (60, [])
    assert host.read(J).state == list(range(30))
    assert host.read(other).state == [-i for i in range(30)]


def test_signals_are_not_visible_until_drained(host: LocalEntityHost) -> None:
    host.signal(J, "append", "first")
    assert host.read(J).exists is False  # committed state lags queued signals
    host.drain()
    assert host.read(J).state == ["first"]


def test_a_redelivered_signal_is_applied_once(host: LocalEntityHost) -> None:
    record = _sqs_record("m1", _signal_body(J, "append", "x", "op-x"))
    assert host.handler({"Records": [record]}, None) == {"batchItemFailures": []}
    # SQS delivers at least once: the same message again (after its 5-minute dedup window).
    assert host.handler({"Records": [record]}, None) == {"batchItemFailures": []}
    assert host.read(J).state == ["x"]


def test_resending_with_the_same_operation_id_is_harmless(host: LocalEntityHost) -> None:
    host.signal(J, "append", "once", operation_id="client-op-1")
    host.signal(J, "append", "once", operation_id="client-op-1")
    host.drain()
    assert host.read(J).state == ["once"]


def test_a_signal_the_entity_rejects_is_dropped_and_later_signals_still_apply(
    host: LocalEntityHost, caplog: pytest.LogCaptureFixture
) -> None:
    host.signal(J, "append", 1)
    host.signal(J, "truncate", None)  # not an operation of Journal
    host.signal(J, "append", 2)

    report = host.drain()

    assert report.failed == []
    assert host.read(J).state == [1, 2]
    assert "UnknownOperationError" in caplog.text


def test_a_message_that_cannot_be_delivered_fails_with_everything_after_it(host: LocalEntityHost) -> None:
    records = [
        _sqs_record("m1", _signal_body(J, "append", 1, "a")),
        _sqs_record("m2", _signal_body(EntityId("Cart", "c"), "add", 1, "b")),  # not hosted here
        _sqs_record("m3", _signal_body(J, "append", 3, "c")),
    ]
    response = host.handler({"Records": records}, None)
    # m3 must wait for m2: FIFO order survives the redelivery.
    assert response == {"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}]}
    assert host.read(J).state == [1]


def test_malformed_messages_fail_delivery(host: LocalEntityHost) -> None:
    bad = {"messageId": "m1", "receiptHandle": "rh", "body": "not json"}
    missing = _sqs_record("m2", {"kind": "signal", "name": "Journal", "operation": "append"})
    assert host.handler({"Records": [bad]}, None)["batchItemFailures"] == [{"itemIdentifier": "m1"}]
    assert host.handler({"Records": [missing]}, None)["batchItemFailures"] == [{"itemIdentifier": "m2"}]


def test_the_queue_message_carries_the_entity_group_and_operation_id(host: LocalEntityHost) -> None:
    op_id = host.signal(J, "append", {"n": 1}, operation_id="op-42")
    message = host.sqs.receive_message(QueueUrl=host.queue_url, AttributeNames=["All"])["Messages"][0]
    assert message["Attributes"]["MessageGroupId"] == "Journal@orders"
    assert message["Attributes"]["MessageDeduplicationId"] == op_id == "op-42"
    assert json.loads(message["Body"]) == _signal_body(J, "append", {"n": 1}, "op-42")


def test_group_ids_that_sqs_would_refuse_are_hashed_consistently() -> None:
    assert message_group_id(J) == "Journal@orders"
    long_key = EntityId("Journal", "k" * 200)
    accented = EntityId("Journal", "café")
    for entity_id in (long_key, accented):
        group = message_group_id(entity_id)
        assert group.startswith("h:") and len(group) == 66
        assert group == message_group_id(EntityId(entity_id.name, entity_id.key))
