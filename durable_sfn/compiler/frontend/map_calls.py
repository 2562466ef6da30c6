"""`map(f, xs)` handed straight to a function that consumes it: `", ".join(map(str, ids))`,
`sum(map(len, names))`, `list(map(lambda o: o["id"], orders))`, `any(map(is_late, orders))`.

There Python calls `f` on each item as the consumer asks for it, which is what the generator
expression `(f(x) for x in xs)` does, so the argument is rewritten to that before the statement is
lowered and the generator rules apply (`any`/`all` stop at the deciding item, as `map` is lazy
too). `f` is a name (a builtin such as `str` or `int`, or a function of the module) or a lambda of
one parameter. Anywhere else, such as a `for` loop over `map(...)` (whose body runs between the
calls of `f`), `map` is an iterator object with no JSON value and stays refused (DSF004).
"""

from __future__ import annotations

import ast
import copy

CONSUMERS = {"list", "tuple", "sorted", "sum", "min", "max", "any", "all"}
ITEM = "_map_item"  # the generator's own name for each item, seen only by `f(...)`


def rewrite(stmt: ast.stmt) -> ast.stmt:
    """`stmt` with each `map(f, xs)` passed to a consumer made `(f(x) for x in xs)`."""
    if not any(_is_map(n) for n in ast.walk(stmt)):
        return stmt
    new = copy.deepcopy(stmt)
    changed = False
    for node in ast.walk(new):
        if not (isinstance(node, ast.Call) and node.args and _is_map(node.args[0])):
            continue
        func = node.func
        consumer = isinstance(func, ast.Name) and func.id in CONSUMERS
        joiner = isinstance(func, ast.Attribute) and func.attr == "join" and len(node.args) == 1
        if consumer or joiner:
            node.args[0] = _generator(node.args[0])
            changed = True
    return ast.fix_missing_locations(new) if changed else stmt


def _is_map(node: ast.AST) -> bool:
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "map"
        and len(node.args) == 2
        and not node.keywords
        and not isinstance(node.args[1], ast.Starred)
    ):
        return False
    f = node.args[0]
    if isinstance(f, ast.Name):
        return True
    return (
        isinstance(f, ast.Lambda)
        and len(f.args.args) == 1
        and not (f.args.posonlyargs or f.args.kwonlyargs or f.args.vararg or f.args.kwarg or f.args.defaults)
    )


def _generator(node: ast.expr) -> ast.expr:
    assert isinstance(node, ast.Call)
    f, items = node.args
    if isinstance(f, ast.Lambda):
        target, element = f.args.args[0].arg, f.body
    else:
        target = ITEM
        element = ast.copy_location(
            ast.Call(func=f, args=[ast.Name(id=ITEM, ctx=ast.Load())], keywords=[]), node
        )
    loop = ast.comprehension(target=ast.Name(id=target, ctx=ast.Store()), iter=items, ifs=[], is_async=0)
    return ast.copy_location(ast.GeneratorExp(elt=element, generators=[loop]), node)
