"""The arguments of a task_all's tasks fail before any task runs, as in Python.

Python evaluates the arguments of every task in a `task_all` list when it creates the tasks,
before the first one runs: `ctx.task_all([ctx.call_activity(f, d["a"]), ctx.call_activity(f,
d["b"])])` with no "b" raises KeyError and calls nothing. A Parallel branch or a Map iteration
evaluates its own arguments when it starts, after other branches may have called their
activities. So when an argument may fail, all of them are evaluated once before the fan-out, in
Python's order, and the values discarded (an assignment of null to a variable nobody reads,
which folds into the state before it like any assignment): a failure comes first, and the
fan-out itself evaluates them again as before.
"""

from __future__ import annotations

from durable_sfn.compiler import ir
from durable_sfn.compiler.expressions.text import interleave, join
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.ir import Expr
from durable_sfn.compiler.ir_queries import exprs_of, is_fallible

# The statements a ctx call lowers to first: their expressions are the call's arguments.
CALLS = (ir.CallActivity, ir.CallSubOrchestrator, ir.CallEntity, ir.CallHttp, ir.WaitForEvent, ir.Timer)
# How a Map branch reads its item (task_all.ITEM_SELECTED, then task_all.ITEM), longest first.
ITEM_TEXTS = ("$states.input.item", "$states.input")
PARAMETER = "$__item"


def arguments(branch: ir.Branch, is_ctx_call: bool) -> list[Expr]:
    """What Python evaluates when it creates the branch's task: a ctx call's arguments, or the
    arguments of the nested `async def` the element calls (the branch's parameters)."""
    if not is_ctx_call:
        return [value for _, value in branch.params]
    first = branch.body[0] if branch.body else None
    return exprs_of(first) if isinstance(first, CALLS) else []


def check_first(lw: LowererCore, values: list[Expr], items: Expr | None, loc: ir.Loc) -> list[ir.Stmt]:
    """An assignment that evaluates `values` (for each of `items`, for a Map) when one may fail."""
    if not any(is_fallible(v) for v in values):
        return []
    sequence = join("(", *interleave(values, "; "), "; null)")
    if items is not None:
        sequence = join("($map(", items, f", function({PARAMETER}) {{ ", _per_item(sequence), " }); null)")
    return [ir.Assign(lw.fresh("arguments_checked"), sequence, loc)]


def _per_item(e: Expr) -> Expr:
    """`e` reading the function's parameter where the Map branch reads its item."""
    parts: list[str | ir.Var] = []
    for part in e.parts:
        if isinstance(part, str):
            for text in ITEM_TEXTS:
                part = part.replace(text, PARAMETER)
        parts.append(part)
    return Expr(tuple(parts), e.ty, time_dependent=e.time_dependent, input_dependent=e.input_dependent)
