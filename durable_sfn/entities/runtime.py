"""Applying one operation to one entity: serialised, exactly once, all or nothing.

The loop is optimistic concurrency over a single DynamoDB item:
1. read the item (consistent read);
2. if the operation id is in its log of applied operations, return the recorded result: the
   call is a retry of something already applied;
3. run the entity function on a private copy of the state;
4. write the next version on condition that nobody wrote since step 1, recording the operation
   id and result in the same write; on conflict, back off (bounded, jittered) and start again.

Because steps 2 and 4 are one conditional write, a Step Functions or Lambda retry of a call
whose write already succeeded finds its id and does not apply again. Because the entity code can
run more than once (once per lost round), it must only compute from state and input: no I/O,
no clocks, no randomness, exactly like Durable entity operations.

Operations that change nothing (reads) are not written at all, so they never contend.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from durable_sfn.dsl import EntityId
from durable_sfn.entities.model import (
    NO_STATE,
    EntityContext,
    EntityDefinition,
    entity_definition,
    unknown_operation_error,
)
from durable_sfn.entities.store import (
    AppliedOperation,
    EntityRecord,
    EntityState,
    EntityStore,
    VersionConflict,
    to_json,
)
from durable_sfn.errors import EntityBusyError, EntityRequestError, UnknownEntityError

# The operation id doubles as an SQS MessageDeduplicationId for signals: at most 128 characters
# of printable ASCII.
_OPERATION_ID_RE = re.compile(r"^[!-~]{1,128}$")


@dataclass(frozen=True)
class ConflictRetry:
    """How long to keep trying when other writers win: `max_attempts` rounds, full-jitter backoff."""

    max_attempts: int = 50
    base_delay: float = 0.02
    max_delay: float = 1.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** min(attempt, 30)))


@dataclass(frozen=True)
class OperationOutcome:
    result: Any
    # The version of the item after the operation (unchanged for reads and replays).
    version: int
    # True when the result came from the log: the operation had been applied before.
    replayed: bool
    # Optimistic-concurrency rounds it took (1 = no conflict).
    attempts: int


def check_operation_id(operation_id: str) -> str:
    if not isinstance(operation_id, str) or not _OPERATION_ID_RE.match(operation_id):
        raise EntityRequestError(
            f"operation id {operation_id!r} is not valid: use 1-128 printable ASCII characters without "
            "spaces (it is also the SQS MessageDeduplicationId); hash longer ids, e.g. with "
            "$hash(..., 'SHA-256') in JSONata"
        )
    return operation_id


def as_definition(obj: Callable[..., Any] | EntityDefinition) -> EntityDefinition:
    if isinstance(obj, EntityDefinition):
        return obj
    definition = entity_definition(obj)
    if definition is None:
        raise TypeError(f"{obj!r} is not an entity: decorate it with @entity(name=...)")
    return definition


class EntityRuntime:
    """Hosts a set of entities over one store; `apply` is the only way state changes."""

    def __init__(
        self,
        entities: Iterable[Callable[..., Any] | EntityDefinition],
        store: EntityStore,
        *,
        conflict_retry: ConflictRetry = ConflictRetry(),
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.definitions: dict[str, EntityDefinition] = {}
        for obj in entities:
            definition = as_definition(obj)
            other = self.definitions.get(definition.name)
            if other is not None and other.function is not definition.function:
                raise ValueError(
                    f"two entities are named {definition.name!r}: {other.source_file}:{other.line} "
                    f"and {definition.source_file}:{definition.line}; give one another name"
                )
            self.definitions[definition.name] = definition
        self.store = store
        self.conflict_retry = conflict_retry
        self._sleep = sleep
        self._rng = rng or random.Random()

    def definition(self, name: str) -> EntityDefinition:
        definition = self.definitions.get(name)
        if definition is None:
            hosted = ", ".join(sorted(self.definitions)) or "none"
            raise UnknownEntityError(
                f"no entity named {name!r} is hosted here (hosted: {hosted}). Check the EntityId name, "
                "and that the entity is listed in DURABLE_SFN_ENTITY / EntityResources(entities=...)."
            )
        return definition

    def apply(
        self, entity_id: EntityId, operation: str, operation_input: Any, operation_id: str
    ) -> OperationOutcome:
        """Apply `operation` once per `operation_id`; user exceptions propagate and change nothing."""
        definition = self.definition(entity_id.name)
        check_operation_id(operation_id)
        if definition.operations is not None and operation not in definition.operations:
            raise unknown_operation_error(entity_id, operation, definition.operations)
        # Each attempt gets a fresh copy, so a mutation made in a lost round cannot leak.
        input_json = to_json(operation_input, "input", entity_id)
        retry = self.conflict_retry
        for attempt in range(1, retry.max_attempts + 1):
            record = self.store.load(entity_id)
            prior = record.find_applied(operation_id)
            if prior is not None:
                return OperationOutcome(json.loads(prior.result_json), record.version, True, attempt)
            try:
                return self._attempt(definition, record, operation, input_json, operation_id, attempt)
            except VersionConflict:
                if attempt < retry.max_attempts:
                    self._sleep(retry.delay(attempt, self._rng))
        raise EntityBusyError(
            f"entity {str(entity_id)!r}: operation {operation!r} ({operation_id}) lost {retry.max_attempts} "
            "optimistic-concurrency rounds to other writers and was not applied; retry it with the same "
            "operation id (a Retry on the calling Task does), or spread load over more entity keys"
        )

    def _attempt(
        self,
        definition: EntityDefinition,
        record: EntityRecord,
        operation: str,
        input_json: str,
        operation_id: str,
        attempt: int,
    ) -> OperationOutcome:
        entity_id = record.entity_id
        state = json.loads(record.state_json) if record.exists and record.state_json is not None else NO_STATE
        ctx = EntityContext(
            entity_id,
            operation,
            json.loads(input_json),
            operation_id,
            state=state,
            declared_operations=definition.operations,
        )
        definition.function(ctx)
        result_json = to_json(ctx.result, "result", entity_id)
        # Returned as JSON round-trips it, so a first answer and a replayed one look the same.
        result = json.loads(result_json)
        if ctx.destructing:
            if not record.exists:
                return OperationOutcome(result, record.version, False, attempt)
            new_state: str | None = None
        elif ctx.has_state():
            new_state = to_json(ctx.state_or_unset, "state", entity_id)
            if record.exists and new_state == record.state_json:
                return OperationOutcome(result, record.version, False, attempt)
        else:
            return OperationOutcome(result, record.version, False, attempt)
        version = self.store.commit(record, new_state, AppliedOperation.of(operation_id, result_json))
        return OperationOutcome(result, version, False, attempt)

    def read(self, entity_id: EntityId) -> EntityState:
        return self.store.read(entity_id)
