"""The ASL that `ctx.call_entity` and `ctx.signal_entity` compile to, as builders.

The compiler calls these instead of re-spelling the contract, and the entity tests run the very
states they build on the local engine, so both sides agree by construction. Every `*_expr`
argument is a JSONata expression body (no `{% %}`), e.g. `"$order.customerId"` or `"5"`.
"""

from __future__ import annotations

import json
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
