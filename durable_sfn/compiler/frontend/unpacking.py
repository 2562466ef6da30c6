"""Assignments to several names: `a, b = x, y` and `first, second = await ctx.task_all([...])`.

The number of values must be known when compiling (a display, or a task_all over a fixed list),
since Python raises ValueError on a mismatch; the values are evaluated before any name is
assigned, as in Python (`a, b = b, a` swaps). Unpacking a value of unknown length is refused.
"""

from __future__ import annotations

import ast

from durable_sfn.compiler import ir
from durable_sfn.compiler.expressions.text import join
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.ir import Expr, Ty

HINT = (
    "assign the list to one name and index it (x[0], x[1]), or unpack a display or a task_all of a fixed list"
)


def lower_unpack(
    lw: LowererCore, stmt: ast.stmt, target: ast.Tuple | ast.List, value: ast.expr
) -> list[ir.Stmt]:
    names: list[ast.Name] = []
    for elt in target.elts:
        if not isinstance(elt, ast.Name):
            lw.report(elt, "DSF022", "only names can be unpacked into", HINT)
            return []
        names.append(elt)
    loc = lw.loc(stmt)
    if isinstance(value, ast.Tuple | ast.List):
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
    count = _task_count(lw, value)
    if count is None:
        lw.report(
            value, "DSF022", f"cannot tell how many values there are to unpack into {len(names)} names", HINT
        )
        return []
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
