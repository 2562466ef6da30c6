"""The Task states that `ctx.call_entity` and `ctx.signal_entity` compile to, as typed values.

`call_entity_task` and `signal_entity_task` describe each Task: its resource, its arguments (the
payload fields by name: constant strings, the caller's expressions, and JSONata the contract
writes around them) and its retry. They are generic in the caller's expression type: the compiler
passes its own expressions and renders the parts directly (`compiler/backend/entity_ops.py`);
tests and hand-written definitions pass JSONata text (expression bodies without `{% %}`, e.g.
`"$order.customerId"` or `"5"`) and call `to_asl()`. The entity tests run those states on the
local engine, so the compiler and the entity runtime agree by construction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeAlias, TypeVar

from durable_sfn._aws import ENTITIES_QUEUE_URL, LAMBDA_INVOKE, SQS_SEND_MESSAGE, placeholder
from durable_sfn.dsl import EntityId

E = TypeVar("E")


@dataclass(frozen=True)
class Operand(Generic[E]):
    """One of the caller's expressions (the entity key, the input, a SCOPE part)."""

    value: E


@dataclass(frozen=True)
class Jsonata(Generic[E]):
    """A JSONata expression the contract writes around the caller's operands: text pieces and
    operands in order (adjacent text merged). The text already parenthesises operands where
    precedence matters; a renderer may add its own parentheses around each operand."""

    parts: tuple[str | Operand[E], ...]

    def text(self: Jsonata[str]) -> str:
        """The expression with operands given as JSONata text."""
        return "".join(p if isinstance(p, str) else p.value for p in self.parts)


# A value in a Task's arguments: a constant string, one caller expression, or contract JSONata.
Field: TypeAlias = "str | Operand[E] | Jsonata[E]"
Argument: TypeAlias = "Field[E] | Mapping[str, Field[E]]"


@dataclass(frozen=True)
class RetryRule:
    errors: tuple[str, ...]
    interval_seconds: int
    max_attempts: int
    backoff_rate: int
    full_jitter: bool = False

    def to_asl(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ErrorEquals": list(self.errors),
            "IntervalSeconds": self.interval_seconds,
            "MaxAttempts": self.max_attempts,
            "BackoffRate": self.backoff_rate,
        }
        if self.full_jitter:
            out["JitterStrategy"] = "FULL"
        return out


# Retrying a call is safe because its operation id does not change between attempts:
# an attempt whose write was applied is answered from the entity's log.
CALL_RETRY = RetryRule(
    (
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
        "EntityBusyError",
    ),
    interval_seconds=1,
    max_attempts=5,
    backoff_rate=2,
    full_jitter=True,
)


@dataclass(frozen=True)
class EntityTask(Generic[E]):
    """One Task of the contract; the caller adds Next/End, and for a call Assign (from
    `$states.result.Payload`) and Catch."""

    resource: str
    arguments: Mapping[str, Argument[E]]
    retry: tuple[RetryRule, ...] = field(default=())

    def to_asl(self: EntityTask[str]) -> dict[str, Any]:
        """The Task as ASL, for operands given as JSONata text."""
        out: dict[str, Any] = {
            "Type": "Task",
            "Resource": self.resource,
            "Arguments": {name: _asl_argument(value) for name, value in self.arguments.items()},
        }
        if self.retry:
            out["Retry"] = [rule.to_asl() for rule in self.retry]
        return out


def _asl_argument(value: Argument[str]) -> Any:
    if isinstance(value, Mapping):
        return {name: _asl_argument(v) for name, v in value.items()}
    if isinstance(value, Operand):
        return "{% " + value.value + " %}"
    if isinstance(value, Jsonata):
        return "{% " + value.text() + " %}"
    return value


def _jsonata(*pieces: str | Operand[E] | Jsonata[E]) -> Jsonata[E]:
    parts: list[str | Operand[E]] = []
    for piece in pieces:
        for part in piece.parts if isinstance(piece, Jsonata) else (piece,):
            if isinstance(part, str) and parts and isinstance(parts[-1], str):
                parts[-1] += part
            elif part != "":
                parts.append(part)
    return Jsonata(tuple(parts))


def _string_literal(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid JSONata string literal


def _checked_name(entity_name: str) -> str:
    return EntityId(entity_name, "k").name  # same validation as EntityId


def scope(parts: Sequence[E]) -> Jsonata[E]:
    """SCOPE: the per-iteration parts (Map index, loop counters), outermost first, joined."""
    if not parts:
        return Jsonata(('""',))
    pieces: list[str | Operand[E]] = []
    for i, part in enumerate(parts):
        pieces += [' & "/" & ' if i else "", "$string(", Operand(part), ")"]
    return _jsonata(*pieces)


def operation_id(scope_parts: Sequence[E] = ()) -> Jsonata[E]:
    """OPID: stable across retries and redrives of one call, distinct per call site and iteration."""
    return _jsonata(
        '$hash($states.context.Execution.Id & "|" & $states.context.State.Name & "|" & (',
        scope(scope_parts),
        '), "SHA-256")',
    )


def message_group(entity_name: str, key: E) -> Jsonata[E]:
    """The JSONata form of `signals.message_group_id`."""
    prefix = _string_literal(_checked_name(entity_name) + "@")
    return _jsonata(
        f"($g := {prefix} & (",
        Operand(key),
        '); $length($g) <= 128 and $contains($g, /^[!-~]+$/) ? $g : "h:" & $hash($g, "SHA-256"))',
    )


def call_entity_task(
    entity_name: str,
    key: E,
    operation: str,
    input: E,
    scope_parts: Sequence[E] = (),
    *,
    kind: Literal["call", "signal"] = "call",
) -> EntityTask[E]:
    """The Task for `await ctx.call_entity(...)`: invoke the entity function (`${EntityName}`).

    With `kind="signal"` it is the Task an orchestration's `ctx.signal_entity(...)` compiles to:
    the same invocation, which applies the operation at once and returns no result (an error of
    the entity is logged and dropped, as for a queued signal). Invoking it in place, rather than
    queueing it, is what makes one orchestration's signals and calls to an entity apply in the
    order it issued them (Durable Functions' guarantee): a later call cannot overtake a signal
    still in the queue. `signal_entity_task` (the queue) remains for senders outside an
    orchestration."""
    name = _checked_name(entity_name)
    payload: dict[str, Field[E]] = {
        "kind": kind,
        "name": name,
        "key": Operand(key),
        "operation": operation,
        "input": Operand(input),
        "operationId": operation_id(scope_parts),
    }
    return EntityTask(
        LAMBDA_INVOKE, {"FunctionName": placeholder(name), "Payload": payload}, retry=(CALL_RETRY,)
    )


def signal_entity_task(
    entity_name: str, key: E, operation: str, input: E, scope_parts: Sequence[E] = ()
) -> EntityTask[E]:
    """The Task for `ctx.signal_entity(...)`: send the request to the signal queue. Its result is
    not assigned."""
    name = _checked_name(entity_name)
    op_id = operation_id(scope_parts)
    body = _jsonata(
        f'$string({{"kind": "signal", "name": {_string_literal(name)}, "key": (',
        Operand(key),
        f'), "operation": {_string_literal(operation)}, "input": (',
        Operand(input),
        '), "operationId": ',
        op_id,
        "})",
    )
    arguments: dict[str, Argument[E]] = {
        "QueueUrl": placeholder(ENTITIES_QUEUE_URL),
        "MessageBody": body,
        "MessageGroupId": message_group(name, key),
        "MessageDeduplicationId": op_id,
    }
    return EntityTask(SQS_SEND_MESSAGE, arguments)


@dataclass(frozen=True)
class EntityUsage:
    """What a definition needs from the entity resources: for grants and substitutions."""

    called: frozenset[str]
    signals: bool

    @property
    def any(self) -> bool:
        return bool(self.called) or self.signals


def _states(container: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for state in (container.get("States") or {}).values():
        if not isinstance(state, dict):
            continue
        yield state
        for branch in state.get("Branches") or []:
            yield from _states(branch)
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), dict):
                yield from _states(state[key])


def entity_usage(definition: dict[str, Any]) -> EntityUsage:
    """The entities a definition calls and whether it sends signals, read from the states above.

    Used by deployment code to grant exactly invoke on those functions and SendMessage on the
    queue, and to fail early when a needed entity is not provided.
    """
    called: set[str] = set()
    signals = False
    for state in _states(definition):
        if state.get("Type") != "Task":
            continue
        arguments = state.get("Arguments") or state.get("Parameters") or {}
        if not isinstance(arguments, dict):
            continue
        payload = arguments.get("Payload")
        if (
            state.get("Resource") == LAMBDA_INVOKE
            and isinstance(payload, dict)
            and payload.get("kind") in ("call", "signal")
        ):
            called.add(str(payload.get("name")))
        if state.get("Resource") == SQS_SEND_MESSAGE and arguments.get("QueueUrl") == placeholder(
            ENTITIES_QUEUE_URL
        ):
            signals = True
    return EntityUsage(frozenset(called), signals)
