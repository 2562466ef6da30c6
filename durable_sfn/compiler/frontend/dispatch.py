"""Dispatch tables: `await ctx.call_activity(COMPENSATIONS[step], input)`.

A module-level list or dict of `@activity` functions (`frontend/module_names`) selects the
activity at run time. A definition names each function it calls, so the call becomes a Choice
over the table's activities, one Task each. The Choice's rules evaluate `TABLE[key]` on a copy
of the table holding the activity names, with Python's item semantics: a missing key raises
KeyError (an index out of range IndexError) before any activity runs, as Python raises it before
the call, and an enclosing `try` catches it.

Cost: one Choice state (one transition) in front of the Task.
"""

from __future__ import annotations

import ast
import json
from dataclasses import replace

from durable_sfn.compiler import ir
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.frontend.module_names import DispatchTable
from durable_sfn.compiler.frontend.source_labels import dotted_name, source_label
from durable_sfn.compiler.ir import Expr, Ty


def selection(lw: LowererCore, node: ast.expr) -> tuple[DispatchTable, ast.expr] | None:
    """(table, key) when `node` is `TABLE[key]` for a dispatch table of the module."""
    if not isinstance(node, ast.Subscript) or isinstance(node.slice, ast.Slice):
        return None
    dotted = dotted_name(node.value)
    if dotted is None or dotted not in lw.module.dispatch_tables:
        return None
    base = dotted.split(".")[0]
    if base in lw.env.variables or base in lw.env.bound or base == lw.env.input_param:
        return None  # the orchestrator's own variable of that name
    return lw.module.dispatch_tables[dotted], node.slice


def lower_call(
    lw: LowererCore,
    selected: tuple[DispatchTable, ast.expr],
    make_call: ir.Stmt,
    activity_node: ast.expr,
    loc: ir.Loc,
) -> list[ir.Stmt]:
    """A Choice over the table's activities, each branch `make_call` with that activity."""
    table, key = selected
    assert isinstance(make_call, ir.CallActivity)
    names: ast.expr
    if isinstance(table.items, dict):
        names = ast.Dict(
            keys=[ast.Constant(k) for k in table.items],
            values=[ast.Constant(v) for v in table.items.values()],
        )
    else:
        names = ast.List(elts=[ast.Constant(v) for v in table.items], ctx=ast.Load())
    for part in ast.walk(names):
        ast.copy_location(part, activity_node)
    chosen = lw.expr.translate(
        ast.copy_location(ast.Subscript(value=names, slice=key, ctx=ast.Load()), activity_node)
    )
    label = f"{table.name}[{source_label(key)}]"
    activities = table.activities
    block: ir.Block = ()
    for i, activity in enumerate(reversed(activities)):
        call = ir.CallActivity(make_call.target, activity, make_call.payload, make_call.retry, loc)
        if i == 0 and len(activities) > 1:
            block = (call,)  # the last activity: every other key was told apart before
            continue
        condition = Expr(("(", *chosen.parts, f") = {json.dumps(activity)}"), Ty.BOOL)
        block = (ir.If(condition, (call,), block, loc, f"{label} is {activity}"),)
    return list(block)


def returned(lowered: list[ir.Stmt], ret: ir.Return) -> list[ir.Stmt]:
    """`lowered` followed by `ret`; after a dispatch (`return await ctx.call_activity(T[k], v)`)
    the return goes into each branch, so each Task ends the execution as a plain call's does
    (no Pass state where the branches meet)."""
    if len(lowered) != 1 or not isinstance(lowered[0], ir.If) or len(lowered[0].then) != 1:
        return [*lowered, ret]
    return [_into_branches(lowered[0], ret)]


def _into_branches(stmt: ir.If, ret: ir.Return) -> ir.If:
    """The chain `lower_call` builds, with `ret` after each call: a branch is the call itself, the
    next If of the chain, or (one activity) nothing, where the key evaluated to it anyway."""
    (call,) = stmt.then
    orelse = stmt.orelse
    if orelse and isinstance(orelse[0], ir.If):
        orelse = (_into_branches(orelse[0], ret),)
    elif orelse:
        orelse = (*orelse, ret)
    return replace(stmt, then=(call, ret), orelse=orelse)
