"""The Lambda entry point of entity functions: direct calls from Step Functions and SQS batches.

Deployed with `handler` as the Lambda handler and `DURABLE_SFN_ENTITY="pkg.module:function"`
(several entities, comma-separated, for a function that serves more than one, such as the
queue's dispatcher) and `DURABLE_SFN_ENTITIES_TABLE` naming the table.

The event decides the path:
- `{"Records": [...]}` (SQS event source): signals, applied in order; returns
  `{"batchItemFailures": [...]}` (the event source mapping must enable ReportBatchItemFailures);
- `{"kind": "call", "name", "key", "operation", "input", "operationId"}`: returns the result;
  errors are raised so Lambda reports Error = their class name;
- `{"kind": "signal", ...}`: applied at once, no result (for asynchronous invocation).
"""

from __future__ import annotations

import importlib
import os
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from durable_sfn.entities.model import EntityDefinition, entity_definition
from durable_sfn.entities.runtime import EntityRuntime
from durable_sfn.entities.signals import apply_signal, parse_request, process_sqs_records
from durable_sfn.entities.store import EntityStore, table_name_from_env
from durable_sfn.errors import EntityRequestError

ENTITY_ENV = "DURABLE_SFN_ENTITY"


class EntityHandler:
    """A Lambda-style `handler(event, context)` over one runtime; also what local engines register."""

    def __init__(self, runtime: EntityRuntime) -> None:
        self.runtime = runtime

    def __call__(self, event: Any, context: Any = None) -> Any:
        if isinstance(event, Mapping) and "Records" in event:
            records = event["Records"]
            if not isinstance(records, list):
                raise EntityRequestError("SQS event 'Records' must be a list")
            failed = process_sqs_records(self.runtime, records)
            return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
        request = parse_request(event)
        if request.kind == "signal":
            apply_signal(self.runtime, request, request.operation_id or uuid.uuid4().hex)
            return None
        # A call without an id (a hand-written invocation) is applied once per invocation only.
        operation_id = request.operation_id or uuid.uuid4().hex
        outcome = self.runtime.apply(request.entity_id, request.operation, request.input, operation_id)
        return outcome.result


def load_entities(spec: str) -> list[EntityDefinition]:
    """Import "pkg.module:function[,pkg.module:other]" and return the entity definitions."""
    definitions: list[EntityDefinition] = []
    for part in (p.strip() for p in spec.split(",")):
        module_name, sep, attr = part.partition(":")
        if not part or not sep or not module_name or not attr:
            raise EntityRequestError(
                f"{ENTITY_ENV} entry {part!r} must look like 'package.module:function' (comma-separated for several)"
            )
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise EntityRequestError(f"{ENTITY_ENV}: cannot import {module_name!r}: {exc}") from None
        fn: Callable[..., Any] | None = getattr(module, attr, None)
        definition = entity_definition(fn)
        if definition is None:
            raise EntityRequestError(
                f"{ENTITY_ENV}: {part!r} is not an @entity function (missing, or not decorated with @entity)"
            )
        definitions.append(definition)
    return definitions


_handler: EntityHandler | None = None


def _from_environment() -> EntityHandler:
    import boto3

    spec = os.environ.get(ENTITY_ENV)
    if not spec:
        raise EntityRequestError(
            f"environment variable {ENTITY_ENV} is not set (expected 'package.module:function')"
        )
    store = EntityStore(boto3.client("dynamodb"), table_name_from_env())
    return EntityHandler(EntityRuntime(load_entities(spec), store))


def handler(event: Any, context: Any) -> Any:
    """The Lambda handler: configured once per container from the environment."""
    global _handler
    if _handler is None:
        _handler = _from_environment()
    return _handler(event, context)
