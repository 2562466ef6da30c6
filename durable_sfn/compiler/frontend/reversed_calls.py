"""`reversed(x)` where Python only iterates it: `for v in reversed(xs)`, comprehensions over it, and
the one argument of `list`, `tuple`, `sorted`, `sum`, `min`, `max`, `any`, `all` and `sep.join`.

There `reversed(x)` yields what `list(x)[::-1]` holds (a list's items, a string's characters, a
dict's keys, each in reverse), so the statement is rewritten to that before it is lowered, and the
slice rules give it Python's semantics (TypeError for a value that cannot be iterated). Anywhere
else `reversed(...)` is an iterator object, which has no JSON value: it stays refused (DSF004),
as does `reversed` of a generator expression or of `range(...)`.
"""

from __future__ import annotations

import ast
import copy

CONSUMERS = {"list", "tuple", "sorted", "sum", "min", "max", "any", "all"}


def rewrite(stmt: ast.stmt) -> ast.stmt:
    """`stmt` with each `reversed(x)` in an iterating position made `list(x)[::-1]`."""
    if not any(_is_reversed(n) for n in ast.walk(stmt)):
        return stmt
    new = copy.deepcopy(stmt)
    changed = False
    for node in ast.walk(new):
        if isinstance(node, ast.For | ast.AsyncFor | ast.comprehension) and _is_reversed(node.iter):
            node.iter = _reversed_list(node.iter)
            changed = True
        elif isinstance(node, ast.Call) and len(node.args) == 1 and _is_reversed(node.args[0]):
            func = node.func
            consumer = isinstance(func, ast.Name) and func.id in CONSUMERS
            joiner = isinstance(func, ast.Attribute) and func.attr == "join"
            if consumer or joiner:
                node.args[0] = _reversed_list(node.args[0])
                changed = True
    return ast.fix_missing_locations(new) if changed else stmt


def _is_reversed(node: ast.AST) -> bool:
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "reversed"
        and len(node.args) == 1
        and not node.keywords
    ):
        return False
    argument = node.args[0]
    ranged = (
        isinstance(argument, ast.Call) and isinstance(argument.func, ast.Name) and argument.func.id == "range"
    )
    return not isinstance(argument, ast.GeneratorExp | ast.Starred) and not ranged


def _reversed_list(node: ast.expr) -> ast.expr:
    assert isinstance(node, ast.Call)
    listed = ast.Call(func=ast.Name(id="list", ctx=ast.Load()), args=[node.args[0]], keywords=[])
    step = ast.UnaryOp(op=ast.USub(), operand=ast.Constant(1))
    sliced = ast.Subscript(value=listed, slice=ast.Slice(None, None, step), ctx=ast.Load())
    return ast.copy_location(sliced, node)
