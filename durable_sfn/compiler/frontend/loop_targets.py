"""Targets of `for` statements with several names: `for a, b in pairs`, `for i, (a, b) in
enumerate(zip(xs, ys))`, `for k, v in sorted(d.items())`.

Over enumerate, zip and d.items() each item is an object with one field per name (see
`expressions.iteration`). Over any other value, the loop walks the items as they are and the
first statements of each iteration unpack the current item the way Python does, with its
ValueError when the item has too few or too many values: raised for that item only, after the
earlier iterations ran, and catchable by `except ValueError` like any other expression error.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from durable_sfn.compiler import ir
from durable_sfn.compiler.expressions.iteration import field, is_known_source, tuple_source, unpack_checked
from durable_sfn.compiler.expressions.text import join
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.ir import Expr, Ty

HINT = "unpack into names or parenthesised groups of names: for a, b in pairs / for i, (a, b) in enumerate(pairs)"


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
    names = _target_names(lw, target)
    if names is None:
        return None
    base = "_".join(n.id for n in names)
    variable = lw.fresh(f"{base}_item")
    lw.own_vars.add(variable)
    loc = lw.loc(node)
    if is_known_source(lw.expr, node.iter):
        found = tuple_source(lw.expr, lw.expr.iterable, node.iter, target)
        if found is None:
            return None
        items, fields = found
        by_name = {n.id: n for n in names}
        unpack: list[ir.Stmt] = []
        for name, key in fields:
            bound = lw.bind_target(name, Ty.UNKNOWN, by_name[name])
            unpack.append(ir.Assign(bound, field(Expr.var(variable), key), loc))
        return LoopTarget(variable, items, unpack, base)
    items = lw.expr.iterable(node.iter)
    return LoopTarget(variable, items, _unpack(lw, target, Expr.var(variable), loc), base)


def _target_names(lw: LowererCore, target: ast.Tuple | ast.List) -> list[ast.Name] | None:
    names: list[ast.Name] = []
    for elt in target.elts:
        if isinstance(elt, ast.Name):
            names.append(elt)
        elif isinstance(elt, ast.Tuple | ast.List):
            inner = _target_names(lw, elt)
            if inner is None:
                return None
            names += inner
        else:
            what = "starred names" if isinstance(elt, ast.Starred) else "this target"
            lw.report(elt, "DSF022", f"a for loop cannot unpack into {what}", HINT)
            return None
    return names


def _unpack(lw: LowererCore, target: ast.Tuple | ast.List, value: Expr, loc: ir.Loc) -> list[ir.Stmt]:
    """`a, (b, c) = value`: check the length, then bind each name (inner groups in turn)."""
    values = lw.fresh("unpacked")
    lw.own_vars.add(values)
    out: list[ir.Stmt] = [ir.Assign(values, unpack_checked(value, len(target.elts)), loc)]
    for i, elt in enumerate(target.elts):
        item = join(Expr.var(values, Ty.LIST), f"[{i}]")
        if isinstance(elt, ast.Name):
            out.append(ir.Assign(lw.bind_target(elt.id, Ty.UNKNOWN, elt), item, loc))
        else:
            assert isinstance(elt, ast.Tuple | ast.List)  # _target_names refused anything else
            out += _unpack(lw, elt, item, loc)
    return out
