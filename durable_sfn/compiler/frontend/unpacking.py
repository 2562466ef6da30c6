"""Assignments to several names: `a, b = x, y`, `first, second = await ctx.task_all([...])`,
`a, b = pair`, `first, *rest = xs`, `(a, b), c = row`.

A display or a task_all over a fixed list has a length known when compiling, and a mismatch is
refused there. Any other value is unpacked at run time as Python does (`unpack_into`): its length
checked first, with Python's ValueError, then each name assigned in turn, inner groups unpacked
when their turn comes. The values are evaluated before any name is assigned, as in Python
(`a, b = b, a` swaps).
"""

from __future__ import annotations

import ast

from durable_sfn.compiler import ir
from durable_sfn.compiler.expressions.iteration import unpack_checked
from durable_sfn.compiler.expressions.sequences import py_slice
from durable_sfn.compiler.expressions.text import join
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.ir import Expr, Ty

HINT = (
    "assign the list to one name and index it (x[0], x[1]), or unpack a display or a task_all of a fixed list"
)
TARGET_HINT = "unpack into names, one *name, or parenthesised groups of them: a, *rest = xs / (a, b), c = row"


def lower_unpack(
    lw: LowererCore, stmt: ast.stmt, target: ast.Tuple | ast.List, value: ast.expr
) -> list[ir.Stmt]:
    if target_names(lw, target) is None:
        return []
    loc = lw.loc(stmt)
    plain = all(isinstance(elt, ast.Name) for elt in target.elts)
    names = [elt for elt in target.elts if isinstance(elt, ast.Name)]
    if plain and isinstance(value, ast.Tuple | ast.List):
        if any(isinstance(e, ast.Starred) for e in value.elts):
            lw.report(value, "DSF022", "starred values cannot be unpacked", HINT)
            return []
        if not _same_length(lw, target, len(names), len(value.elts)):
            return []
        exprs = [lw.expr.translate(e) for e in value.elts]
        targets = {n.id for n in names}
        reads = {n.id for e in value.elts for n in ast.walk(e) if isinstance(n, ast.Name)}
        out: list[ir.Stmt] = []
        if len(names) > 1 and reads & targets:
            # `a, b = b, a`: every value is computed before any name changes.
            temps = []
            for e in exprs:
                temp = lw.fresh("unpacked")
                lw.own_vars.add(temp)
                out.append(ir.Assign(temp, e, loc))
                temps.append(Expr.var(temp, e.ty))
            exprs = temps
        for name, e in zip(names, exprs, strict=True):
            out.append(ir.Assign(lw.bind_target(name.id, e.ty, name), e, loc))
        return out
    count = _task_count(lw, value) if plain else None
    if count is not None:
        if not _same_length(lw, target, len(names), count):
            return []
        assert isinstance(value, ast.Await)
        results = lw.fresh("results")
        holder = ast.copy_location(ast.Name(id=results, ctx=ast.Store()), target)
        out = lw.lower_await(value, holder, stmt)
        if not out:
            return []
        whole = Expr.var(results, Ty.LIST)  # lower_await bound it (a fresh name, never renamed)
        for i, name in enumerate(names):
            out.append(ir.Assign(lw.bind_target(name.id, Ty.UNKNOWN, name), join(whole, f"[{i}]"), loc))
        return out
    if isinstance(value, ast.Await):
        # `a, b = await ctx.call_activity(...)`: the result first, then unpacked.
        awaited = lw.fresh("awaited")
        holder = ast.copy_location(ast.Name(id=awaited, ctx=ast.Store()), target)
        out = lw.lower_await(value, holder, stmt)
        if not out:
            return []
        return out + unpack_into(lw, target, Expr.var(awaited), loc)
    return unpack_into(lw, target, lw.expr.translate(value), loc)


def target_names(lw: LowererCore, target: ast.Tuple | ast.List) -> list[ast.Name] | None:
    """The names `target` assigns, in order; None after reporting a target that cannot be unpacked
    into (an attribute, an item, a starred group, two starred names in one group)."""
    names: list[ast.Name] = []
    starred = False
    for elt in target.elts:
        if isinstance(elt, ast.Starred):
            if starred:
                lw.report(elt, "DSF022", "two starred names in one group (Python refuses it)", TARGET_HINT)
                return None
            if not isinstance(elt.value, ast.Name):
                lw.report(elt, "DSF022", "only a name can be starred", TARGET_HINT)
                return None
            starred = True
            names.append(elt.value)
        elif isinstance(elt, ast.Name):
            names.append(elt)
        elif isinstance(elt, ast.Tuple | ast.List):
            inner = target_names(lw, elt)
            if inner is None:
                return None
            names += inner
        else:
            lw.report(elt, "DSF022", "only names can be unpacked into", TARGET_HINT)
            return None
    return names


def unpack_into(lw: LowererCore, target: ast.Tuple | ast.List, value: Expr, loc: ir.Loc) -> list[ir.Stmt]:
    """`a, *rest, (b, c) = value`: check the length, then bind each name (inner groups in turn)."""
    values = lw.fresh("unpacked")
    lw.own_vars.add(values)
    star = next((i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred)), None)
    count = len(target.elts) - (star is not None)
    out: list[ir.Stmt] = [ir.Assign(values, unpack_checked(value, count, star is not None), loc)]
    whole = Expr.var(values, Ty.LIST)
    for i, elt in enumerate(target.elts):
        if isinstance(elt, ast.Starred):
            assert isinstance(elt.value, ast.Name)  # target_names refused anything else
            after = len(target.elts) - i - 1
            rest = py_slice(whole, Expr.literal(i), Expr.literal(-after) if after else None, None)
            out.append(ir.Assign(lw.bind_target(elt.value.id, Ty.LIST, elt.value), rest, loc))
            continue
        item = join(whole, f"[{i if star is None or i < star else i - len(target.elts)}]")
        if isinstance(elt, ast.Name):
            out.append(ir.Assign(lw.bind_target(elt.id, Ty.UNKNOWN, elt), item, loc))
        else:
            assert isinstance(elt, ast.Tuple | ast.List)  # target_names refused anything else
            out += unpack_into(lw, elt, item, loc)
    return out


def _same_length(lw: LowererCore, target: ast.expr, names: int, values: int) -> bool:
    if names != values:
        lw.report(
            target,
            "DSF022",
            f"{names} names cannot unpack {values} values (Python raises ValueError)",
            HINT,
        )
        return False
    return True


def _task_count(lw: LowererCore, value: ast.expr) -> int | None:
    """How many results `await ctx.task_all([...])` gives, when its list is written out."""
    if not isinstance(value, ast.Await):
        return None
    op = lw.ctx_call(value.value)
    if op is None or op[0] != "task_all" or not op[1].args:
        return None
    tasks = op[1].args[0]
    if isinstance(tasks, ast.Name):
        known = lw.deferred.here.get(tasks.id)
        tasks = known.node if known is not None else tasks
    if isinstance(tasks, ast.List | ast.Tuple) and not any(isinstance(e, ast.Starred) for e in tasks.elts):
        return len(tasks.elts)
    return None
