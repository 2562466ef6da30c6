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
import copy
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
    label = f"activity of {table.name}[{source_label(key)}]"  # names the Choice, whichever rule it takes
    activities = table.activities
    block: ir.Block = ()
    for i, activity in enumerate(reversed(activities)):
        call = ir.CallActivity(make_call.target, activity, make_call.payload, make_call.retry, loc)
        if i == 0 and len(activities) > 1:
            block = (call,)  # the last activity: every other key was told apart before
            continue
        condition = Expr(("(", *chosen.parts, f") = {json.dumps(activity)}"), Ty.BOOL)
        block = (ir.If(condition, (call,), block, loc, label),)
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


def table_loop(lw: LowererCore, node: ast.For) -> ast.For | None:
    """`for step in STAGES: x = await ctx.call_activity(step, x)`: the loop over a dispatch table,
    as a loop over its indexes (or a dict's keys) in which the loop name reads `STAGES[i]`.

    Forms: `for f in TABLE` (a list; a dict's keys are plain strings), `for f in TABLE.values()`,
    `for key, f in TABLE.items()` and `for f in reversed(TABLE)` (a list). The name bound to the
    activity may only select a call's activity, so it must not be read anywhere else in the
    orchestrator (after the loop Python still holds the function); None when `node` is no such
    loop."""
    found = _table_iteration(lw, node.iter)
    if found is None:
        return None
    table, form = found
    keyed = isinstance(table.items, dict)
    target = node.target
    key_name: str | None = None
    if form == "items":
        if not (
            isinstance(target, ast.Tuple)
            and len(target.elts) == 2
            and all(isinstance(e, ast.Name) for e in target.elts)
        ):
            return None
        key_target, target = target.elts
        assert isinstance(key_target, ast.Name)
        key_name = key_target.id
    if not isinstance(target, ast.Name):
        return None
    if keyed and form == "plain":
        # `for key in TABLE`: the keys, which are values like any other.
        keys = ast.List(elts=[ast.Constant(k) for k in table.items], ctx=ast.Load())
        plain = ast.For(target=node.target, iter=keys, body=node.body, orelse=node.orelse)
        _located(plain, node)
        return plain
    activity_name = target.id
    if _read_elsewhere(lw, node, activity_name):
        lw.report(
            target,
            "DSF011",
            f"'{activity_name}' holds an activity of '{table.name}' and is read outside the loop's calls",
            f"use '{activity_name}' only as the activity of ctx.call_activity({activity_name}, ...) in the loop",
        )
        return None
    count = len(table.items)
    if keyed:
        position = key_name or lw.fresh(f"{activity_name}_key")
        items: list[str | int] = list(table.items)
    else:
        position = lw.fresh(f"{activity_name}_index")
        items = list(range(count))
        if form == "reversed":
            items.reverse()
    index = ast.Name(id=position, ctx=ast.Load())
    selector = ast.Subscript(value=_table_node(table.name), slice=index, ctx=ast.Load())
    body: list[ast.stmt] = [
        _Replace(activity_name, selector).visit(copy.deepcopy(stmt)) for stmt in node.body
    ]
    loop = ast.For(
        target=ast.Name(id=position, ctx=ast.Store()),
        iter=ast.List(elts=[ast.Constant(i) for i in items], ctx=ast.Load()),
        body=body,
        orelse=node.orelse,
    )
    _located(loop, node)
    return loop


def _table_iteration(lw: LowererCore, node: ast.expr) -> tuple[DispatchTable, str] | None:
    form = "plain"
    reversed_list = _reversed_list(node)  # `reversed(TABLE)`, as `reversed_calls` writes it
    if reversed_list is not None:
        form, node = "reversed", reversed_list
    elif isinstance(node, ast.Call) and not node.keywords:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "reversed" and len(node.args) == 1:
            form, node = "reversed", node.args[0]
        elif isinstance(func, ast.Attribute) and func.attr in ("values", "items") and not node.args:
            form, node = func.attr, func.value
        else:
            return None
    dotted = dotted_name(node)
    if dotted is None or dotted not in lw.module.dispatch_tables or dotted.split(".")[0] in lw.env.variables:
        return None
    table = lw.module.dispatch_tables[dotted]
    keyed = isinstance(table.items, dict)
    if (form == "reversed" and keyed) or (form in ("values", "items") and not keyed):
        return None
    return table, form


def _reversed_list(node: ast.expr) -> ast.expr | None:
    """X of `list(X)[::-1]`."""
    if not (
        isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Slice)
        and node.slice.lower is None
        and node.slice.upper is None
        and node.slice.step is not None
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "list"
        and len(node.value.args) == 1
    ):
        return None
    try:
        step = ast.literal_eval(node.slice.step)
    except ValueError:
        return None
    return node.value.args[0] if step == -1 else None


def _read_elsewhere(lw: LowererCore, loop: ast.For, name: str) -> bool:
    """Whether `name` is used other than as the activity of a ctx call inside `loop`'s body (nodes
    told apart by position: earlier rewrites may have copied the loop)."""

    def at(node: ast.AST) -> tuple[int, int]:
        return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)

    scope = lw.scope_node if lw.scope_node is not None else loop
    # This loop, and any other loop over a dispatch table binding the same name.
    loops = [loop, *(n for n in ast.walk(scope) if isinstance(n, ast.For) and _table_iteration(lw, n.iter))]
    allowed: set[tuple[int, int]] = set()
    for each in loops:
        allowed |= {at(node) for node in ast.walk(each.target)}
        for node in ast.walk(each):
            op = lw.ctx_call(node) if isinstance(node, ast.Call) else None
            if op and op[1].args and isinstance(op[1].args[0], ast.Name) and op[1].args[0].id == name:
                allowed.add(at(op[1].args[0]))
    return any(
        isinstance(node, ast.Name) and node.id == name and at(node) not in allowed for node in ast.walk(scope)
    )


def _table_node(dotted: str) -> ast.expr:
    parts = dotted.split(".")
    node: ast.expr = ast.Name(id=parts[0], ctx=ast.Load())
    for part in parts[1:]:
        node = ast.Attribute(value=node, attr=part, ctx=ast.Load())
    return node


class _Replace(ast.NodeTransformer):
    """Every read of one name replaced by an expression."""

    def __init__(self, name: str, by: ast.expr) -> None:
        self.name = name
        self.by = by

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == self.name and isinstance(node.ctx, ast.Load):
            return _located(copy.deepcopy(self.by), node)
        return node


def _located(new: ast.AST, at: ast.AST) -> ast.AST:
    for part in ast.walk(new):
        if not hasattr(part, "lineno") or getattr(part, "lineno", None) is None:
            ast.copy_location(part, at)
    return new
