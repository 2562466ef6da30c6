"""The ASL that `ctx.call_entity` and `ctx.signal_entity` compile to, as builders.

The compiler calls these instead of re-spelling the contract, and the entity tests run the very
states they build on the local engine, so both sides agree by construction. Every `*_expr`
argument is a JSONata expression body (no `{% %}`), e.g. `"$order.customerId"` or `"5"`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from durable_sfn.entities.model import EntityId

QUEUE_PLACEHOLDER = "DurableEntitiesQueueUrl"
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
SQS_SEND = "arn:aws:states:::sqs:sendMessage"

# Retrying a call is safe because its operation id does not change between attempts:
# an attempt whose write was applied is answered from the entity's log.
CALL_RETRY: list[dict[str, Any]] = [
    {
        "ErrorEquals": [
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException",
            "EntityBusyError",
        ],
        "IntervalSeconds": 1,
        "MaxAttempts": 5,
        "BackoffRate": 2,
        "JitterStrategy": "FULL",
    }
]


def _string_literal(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid JSONata string literal


def _checked_name(entity_name: str) -> str:
    return EntityId(entity_name, "k").name  # same validation as EntityId


def scope_expression(*parts: str) -> str:
    """Join per-iteration parts (Map index, loop counter expressions) into a SCOPE expression."""
    if not parts:
        return '""'
    return ' & "/" & '.join(f"$string({p})" for p in parts)


def operation_id_expression(scope_expr: str = '""') -> str:
    """OPID: stable across retries and redrives of one call, distinct per call site and iteration."""
    return (
        '$hash($states.context.Execution.Id & "|" & $states.context.State.Name & "|" & '
        f'({scope_expr}), "SHA-256")'
    )


def message_group_expression(entity_name: str, key_expr: str) -> str:
    """The JSONata form of `signals.message_group_id`."""
    prefix = _string_literal(_checked_name(entity_name) + "@")
    return (
        f"($g := {prefix} & ({key_expr}); "
        '$length($g) <= 128 and $contains($g, /^[!-~]+$/) ? $g : "h:" & $hash($g, "SHA-256"))'
    )


def call_entity_task(
    entity_name: str, key_expr: str, operation: str, input_expr: str = "null", scope_expr: str = '""'
) -> dict[str, Any]:
    """The Task for `await ctx.call_entity(...)`; add Next/End, Assign (from
    `$states.result.Payload`) and Catch. The placeholder `${EntityName}` is the entity function."""
    name = _checked_name(entity_name)
    return {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Arguments": {
            "FunctionName": "${" + name + "}",
            "Payload": {
                "kind": "call",
                "name": name,
                "key": "{% " + key_expr + " %}",
                "operation": operation,
                "input": "{% " + input_expr + " %}",
                "operationId": "{% " + operation_id_expression(scope_expr) + " %}",
            },
        },
        "Retry": json.loads(json.dumps(CALL_RETRY)),
    }


def signal_entity_task(
    entity_name: str, key_expr: str, operation: str, input_expr: str = "null", scope_expr: str = '""'
) -> dict[str, Any]:
    """The Task for `ctx.signal_entity(...)`; add Next/End. Its result is not assigned."""
    name = _checked_name(entity_name)
    op_id = operation_id_expression(scope_expr)
    body = (
        f'$string({{"kind": "signal", "name": {_string_literal(name)}, "key": ({key_expr}), '
        f'"operation": {_string_literal(operation)}, "input": ({input_expr}), "operationId": {op_id}}})'
    )
    return {
        "Type": "Task",
        "Resource": SQS_SEND,
        "Arguments": {
            "QueueUrl": "${" + QUEUE_PLACEHOLDER + "}",
            "MessageBody": "{% " + body + " %}",
            "MessageGroupId": "{% " + message_group_expression(name, key_expr) + " %}",
            "MessageDeduplicationId": "{% " + op_id + " %}",
        },
    }


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
            and payload.get("kind") == "call"
        ):
            called.add(str(payload.get("name")))
        if state.get("Resource") == SQS_SEND and arguments.get("QueueUrl") == "${" + QUEUE_PLACEHOLDER + "}":
            signals = True
    return EntityUsage(frozenset(called), signals)
