"""Targets of `for` statements with several names: `for a, b in pairs`, `for i, (a, b) in
enumerate(zip(xs, ys))`, `for k, v in sorted(d.items())`, `for first, *rest in rows`.

Over enumerate, zip and d.items() each item is an object with one field per name (see
`expressions.iteration`). Over any other value, the loop walks the items as they are and the
first statements of each iteration unpack the current item as an assignment does (see
`unpacking.unpack_into`), with Python's
ValueError when the item has too few or too many values: raised for that item only, after the
earlier iterations ran, and catchable by `except ValueError` like any other expression error.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from durable_sfn.compiler import ir
from durable_sfn.compiler.expressions.iteration import Pending, field, is_known_source, tuple_source
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.frontend.unpacking import target_names, unpack_into
from durable_sfn.compiler.ir import Expr, Ty


@dataclass(frozen=True)
class LoopTarget:
    """What a `for` statement with several names iterates: the loop variable holding the current
    item, the items, and the statements that bind the names from the item."""

    variable: str
    items: Expr
    unpack: list[ir.Stmt]
    base: str


def lower_loop_target(lw: LowererCore, node: ast.For, target: ast.Tuple | ast.List) -> LoopTarget | None:
    """The loop over `node.iter` unpacking each item into `target`; None after reporting why not."""
    names = target_names(lw, target)
    if names is None:
        return None
    base = "_".join(n.id for n in names)
    variable = lw.fresh(f"{base}_item")
    lw.own_vars.add(variable)
    loc = lw.loc(node)
    if is_known_source(lw.expr, node.iter):
        pending: list[Pending] = []
        found = tuple_source(lw.expr, lw.expr.iterable, node.iter, target, pending)
        if found is None:
            return None
        items, fields = found
        by_name = {n.id: n for n in names}
        unpack: list[ir.Stmt] = []
        for i, (name, key) in enumerate([*fields, ("", "")]):
            for group, group_key, _ in (p for p in pending if p[2] == i):
                # `for i, (a, b) in enumerate(pairs)`: each pair checked when its turn comes.
                unpack += unpack_into(lw, group, field(Expr.var(variable), group_key), loc)
            if name:
                bound = lw.bind_target(name, Ty.UNKNOWN, by_name[name])
                unpack.append(ir.Assign(bound, field(Expr.var(variable), key), loc))
        return LoopTarget(variable, items, unpack, base)
    items = lw.expr.iterable(node.iter)
    return LoopTarget(variable, items, unpack_into(lw, target, Expr.var(variable), loc), base)
