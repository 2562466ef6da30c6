"""`ctx.call_entity` / `ctx.signal_entity` -> the Task the entity contract specifies.

The states are built by `durable_sfn.entities.contract` (the one spelling the entity runtime is
tested against); this module only feeds it the compiler's expressions. The builders take JSONata
text, while the compiler keeps expressions as fragments with variable references (renamed late),
so each expression goes in as a unique marker and comes back out as the original fragments.
"""

from __future__ import annotations

import json
import re
from typing import Any

from durable_sfn.compiler import ir, ir_queries
from durable_sfn.compiler.backend.states import Retrier
from durable_sfn.compiler.ir import Expr, Ty
from durable_sfn.entities.contract import call_entity_task, scope_expression, signal_entity_task

_MARK = re.compile(r"\x00(\d+)\x00")
_ONLY_MARK = re.compile(r"^\x00(\d+)\x00$")

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
    exprs: list[Expr] = []

    def mark(e: Expr) -> str:
        exprs.append(e)
        return f"\x00{len(exprs) - 1}\x00"

    scope_text = scope_expression(*(mark(e) for e in scope)) if scope else '""'
    build = signal_entity_task if s.signal else call_entity_task
    task = build(s.entity, mark(s.key), s.operation, mark(s.payload), scope_text)
    arguments = {k: _to_expr(v, exprs) for k, v in task["Arguments"].items()}
    retry = tuple(
        Retrier(
            tuple(r["ErrorEquals"]),
            r["IntervalSeconds"],
            r["MaxAttempts"],
            float(r["BackoffRate"]),
            r.get("MaxDelaySeconds"),
            r.get("JitterStrategy") == "FULL",
        )
        for r in task.get("Retry", [])
    )
    return str(task["Resource"]), arguments, retry


def _to_expr(value: Any, exprs: list[Expr]) -> Expr:
    if isinstance(value, dict):
        template = {k: _to_expr(v, exprs) for k, v in value.items()}
        parts: list[str | ir.Var] = ["{"]
        for i, (k, v) in enumerate(template.items()):
            parts += [", " if i else "", json.dumps(k), ": ", "(", *v.parts, ")"]
        parts.append("}")
        return _combine(parts, list(template.values()), Ty.DICT, template)
    if isinstance(value, str) and value.startswith("{% ") and value.endswith(" %}"):
        body = value[3:-3]
        only = _ONLY_MARK.match(body)
        if only:
            return exprs[int(only.group(1))]  # the expression itself (a literal stays plain JSON)
        parts = []
        used: list[Expr] = []
        for i, piece in enumerate(_MARK.split(body)):
            if i % 2 == 0:
                if piece:
                    parts.append(piece)
            else:
                e = exprs[int(piece)]
                used.append(e)
                parts += ["(", *e.parts, ")"]
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
