"""`ctx.call_entity` / `ctx.signal_entity` -> the Task the entity contract specifies.

The Task is described by `durable_sfn.entities.contract` (the one spelling the entity runtime is
tested against), built with the compiler's own expressions as operands; this module turns its
arguments into expressions: a caller's expression stays itself, contract JSONata embeds each
operand in parentheses, and a payload object becomes an object template.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from durable_sfn.compiler import ir, ir_queries
from durable_sfn.compiler.backend.states import Retrier
from durable_sfn.compiler.ir import Expr, Ty
from durable_sfn.entities.contract import (
    Argument,
    Jsonata,
    Operand,
    call_entity_task,
)

# A Map whose iterations call entities passes each item in with its index (for the SCOPE).
ITEM_SELECTOR = Expr(
    ('{"item": $states.context.Map.Item.Value, "index": $states.context.Map.Item.Index}',),
    Ty.DICT,
    template={
        "item": Expr.raw("$states.context.Map.Item.Value"),
        "index": Expr.raw("$states.context.Map.Item.Index", Ty.NUM),
    },
)


def calls_entities(block: ir.Block) -> bool:
    """Whether a block (nested Maps and Parallels included) calls or signals an entity."""
    for stmt in ir_queries.walk(block):
        if isinstance(stmt, ir.CallEntity):
            return True
        if isinstance(stmt, ir.MapAll) and calls_entities(stmt.branch.body):
            return True
        if isinstance(stmt, ir.ParallelAll) and any(calls_entities(b.body) for b in stmt.branches):
            return True
    return False


def entity_task(
    s: ir.CallEntity, scope: tuple[Expr, ...]
) -> tuple[str, dict[str, Expr], tuple[Retrier, ...]]:
    """The Resource, Arguments (as expressions) and Retry of the Task for one entity operation."""
    # A signal is invoked in place too (not queued), so that a later call cannot overtake it.
    task = call_entity_task(
        s.entity, s.key, s.operation, s.payload, scope, kind="signal" if s.signal else "call"
    )
    arguments = {name: _argument(value) for name, value in task.arguments.items()}
    retry = tuple(
        Retrier(r.errors, r.interval_seconds, r.max_attempts, float(r.backoff_rate), jitter=r.full_jitter)
        for r in task.retry
    )
    return task.resource, arguments, retry


def _argument(value: Argument[Expr]) -> Expr:
    if isinstance(value, Mapping):
        template = {k: _argument(v) for k, v in value.items()}
        parts: list[str | ir.Var] = ["{"]
        for i, (k, v) in enumerate(template.items()):
            parts += [", " if i else "", json.dumps(k), ": ", "(", *v.parts, ")"]
        parts.append("}")
        return _combine(parts, list(template.values()), Ty.DICT, template)
    if isinstance(value, Operand):
        return value.value  # the expression itself (a literal stays plain JSON)
    if isinstance(value, Jsonata):
        parts = []
        used: list[Expr] = []
        for part in value.parts:
            if isinstance(part, str):
                parts.append(part)
            else:
                used.append(part.value)
                parts += ["(", *part.value.parts, ")"]
        return _combine(parts, used, Ty.UNKNOWN, None)
    return Expr.literal(value)


def _combine(parts: list[str | ir.Var], used: list[Expr], ty: Ty, template: dict[str, Expr] | None) -> Expr:
    return Expr(
        tuple(parts),
        ty,
        template=template,
        time_dependent=any(e.time_dependent for e in used),
        input_dependent=any(e.input_dependent for e in used),
    )
