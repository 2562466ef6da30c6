"""Signals: one-way operations, delivered through an SQS FIFO queue in the order they were sent.

A signal is a JSON message `{"kind": "signal", "name", "key", "operation", "input",
"operationId"}` sent with MessageGroupId = the entity id ("Name@key") and
MessageDeduplicationId = the operation id. FIFO order within a message group is what orders the
signals to one entity; the operation id makes a redelivered message apply once (SQS's own
deduplication only covers five minutes; the entity's log of applied operations covers the rest).

The same `process_sqs_records` runs in the entity Lambda (SQS event source) and in
`drain_signals`, which the local runner calls against moto: one code path, two transports.

An entity function that raises on a signal is logged and the message is dropped, as Durable
does (nobody waits for a signal's outcome, and retrying a deterministic failure cannot help).
Failures of the machinery itself (storage errors, too much contention, an entity not hosted
here, a malformed message) fail the message, so SQS redelivers it and finally moves it to the
dead-letter queue; every later message of the batch is failed too, to keep FIFO order.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from durable_sfn.dsl import EntityId
from durable_sfn.entities.runtime import EntityRuntime, OperationOutcome, check_operation_id
from durable_sfn.entities.store import to_json
from durable_sfn.errors import EntityBusyError, EntityRequestError, UnknownEntityError

log = logging.getLogger("durable_sfn.entities")

QUEUE_URL_ENV = "DURABLE_SFN_ENTITIES_QUEUE_URL"

_GROUP_ID_RE = re.compile(r"^[!-~]{1,128}$")
# Errors that say the message could not be handled here, as opposed to the entity rejecting it.
_DELIVERY_ERRORS: tuple[type[Exception], ...] = (EntityBusyError, EntityRequestError, UnknownEntityError)
try:  # botocore is always there with boto3; kept optional for type checkers only.
    from botocore.exceptions import BotoCoreError, ClientError

    _DELIVERY_ERRORS += (BotoCoreError, ClientError)
except ImportError:  # pragma: no cover
    pass


def message_group_id(entity_id: EntityId) -> str:
    """ "Name@key", or "h:" + its SHA-256 when that is not a valid group id (>128 chars, non-ASCII)."""
    text = str(entity_id)
    return text if _GROUP_ID_RE.match(text) else "h:" + hashlib.sha256(text.encode()).hexdigest()


def signal_message(
    entity_id: EntityId, operation: str, operation_input: Any, operation_id: str
) -> dict[str, Any]:
    return {
        "kind": "signal",
        "name": entity_id.name,
        "key": entity_id.key,
        "operation": operation,
        "input": operation_input,
        "operationId": operation_id,
    }


def signal_entity(
    sqs_client: Any,
    queue_url: str,
    entity_id: EntityId,
    operation: str,
    input: Any = None,
    operation_id: str | None = None,
) -> str:
    """Queue `operation` for `entity_id` and return its operation id; applied later, in send order.

    Pass a stable `operation_id` to make re-sending the same signal harmless.
    """
    op_id = check_operation_id(operation_id) if operation_id is not None else uuid.uuid4().hex
    body = to_json(signal_message(entity_id, operation, input, op_id), "signal input", entity_id)
    sqs_client.send_message(
        QueueUrl=queue_url,
        MessageBody=body,
        MessageGroupId=message_group_id(entity_id),
        MessageDeduplicationId=op_id,
    )
    return op_id


@dataclass(frozen=True)
class EntityRequest:
    """A parsed call or signal."""

    kind: str
    entity_id: EntityId
    operation: str
    input: Any
    operation_id: str | None


def parse_request(payload: Any, *, default_kind: str | None = None) -> EntityRequest:
    """Validate a call payload or a signal message body, with an error naming the bad field."""
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            raise EntityRequestError(f"entity message is not JSON: {payload[:200]!r}") from None
    if not isinstance(payload, Mapping):
        raise EntityRequestError(f"entity request must be a JSON object, got {type(payload).__name__}")
    kind = payload.get("kind", default_kind)
    if kind not in ("call", "signal"):
        raise EntityRequestError(f"entity request 'kind' must be 'call' or 'signal', got {kind!r}")
    for field_name in ("name", "key", "operation"):
        if not isinstance(payload.get(field_name), str) or not payload[field_name]:
            raise EntityRequestError(
                f"entity {kind} is missing '{field_name}' (a non-empty string); got {dict(payload)!r}"[:500]
            )
    op_id = payload.get("operationId")
    if op_id is not None:
        check_operation_id(op_id)
    try:
        entity_id = EntityId(payload["name"], payload["key"])
    except ValueError as exc:
        raise EntityRequestError(str(exc)) from None
    return EntityRequest(kind, entity_id, payload["operation"], payload.get("input"), op_id)


def apply_signal(runtime: EntityRuntime, request: EntityRequest, message_id: str) -> OperationOutcome | None:
    """Apply one signal; entity errors are logged and dropped, delivery errors propagate."""
    op_id = request.operation_id or f"sqs-{message_id}"
    try:
        return runtime.apply(request.entity_id, request.operation, request.input, op_id)
    except _DELIVERY_ERRORS:
        raise
    except Exception as exc:
        log.warning(
            "signal %s to %s failed and was dropped: %s: %s",
            request.operation,
            request.entity_id,
            type(exc).__name__,
            exc,
        )
        return None


def process_sqs_records(runtime: EntityRuntime, records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Apply a batch of SQS records in order; return the message ids to report as failed."""
    failed: list[str] = []
    for record in records:
        message_id = str(record.get("messageId", ""))
        if failed:
            failed.append(message_id)  # FIFO: nothing may overtake a failed message.
            continue
        try:
            apply_signal(runtime, parse_request(record.get("body"), default_kind="signal"), message_id)
        except Exception as exc:
            log.error("signal message %s could not be applied: %s: %s", message_id, type(exc).__name__, exc)
            failed.append(message_id)
    return failed


@dataclass
class DrainReport:
    received: int = 0
    failed: list[str] = field(default_factory=list)


def drain_signals(
    runtime: EntityRuntime, sqs_client: Any, queue_url: str, *, max_batches: int = 10_000
) -> DrainReport:
    """Apply every signal waiting in the queue, as the SQS event source would; for local runs.

    Failed messages stay invisible for the queue's visibility timeout (then come back, and finally
    reach the dead-letter queue), exactly as they would on AWS.
    """
    report = DrainReport()
    queue_arn = sqs_client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    for _ in range(max_batches):
        messages = sqs_client.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            break
        records = [_lambda_record(message, queue_arn) for message in messages]
        failed = set(process_sqs_records(runtime, records))
        report.received += len(messages)
        report.failed.extend(m["MessageId"] for m in messages if m["MessageId"] in failed)
        done = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(messages)
            if m["MessageId"] not in failed
        ]
        if done:
            sqs_client.delete_message_batch(QueueUrl=queue_url, Entries=done)
    return report


def _lambda_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    """The shape Lambda's SQS event source gives each record."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": dict(message.get("MessageAttributes", {})),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3] if queue_arn.count(":") >= 5 else "",
    }
