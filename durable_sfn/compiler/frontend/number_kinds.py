"""Variables whose Python kind (int or float) arithmetic decides at run time.

JSON has one number type, so `m = x + y` of 0.5 and 0.5 stores 1, and `str(m)` would print '1'
where Python prints '1.0'; and JSON has no -0, so `m = 0 / -1` would print '0.0' where Python
prints '-0.0'. The expression that makes the value knows its kind at run time
(`ir.Expr.float_when`); a variable holding it keeps that kind in a second variable, assigned in
the same Assign as the value, and reads of the variable print by it.

Only a variable bound solely by plain assignments (`m = ...`, `m += ...`, never `for m in`,
unpacking, `except ... as m`, `m = await ...`) gets one, so that every assignment of the variable
sets its kind too, and at least one of them is arithmetic (or a copy of such a variable).
Any other variable prints by its value, as before.
"""

from __future__ import annotations

import ast

from durable_sfn.compiler.frontend.scopes import walk_scope

# `/` always makes a float, but its kind variable keeps the sign of a -0.0 too (JSON drops it).
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)


def candidates(body: list[ast.stmt]) -> set[str]:
    """The names of this scope (nested functions and comprehensions aside) that get a kind."""
    return set(kinds(body))


def kinds(body: list[ast.stmt]) -> dict[str, bool]:
    """The names that get a kind, each with whether it may hold a float (and so -0.0, whose sign
    its kind keeps): a name every assignment of which is an int (`checks = 0`, `checks += 1`)
    cannot, and its reads stay plain."""
    plain: dict[str, list[ast.expr]] = {}  # name -> the values of its plain assignments
    plain_targets: set[int] = set()
    other: set[str] = set()
    nodes = [n for stmt in body for n in walk_scope(stmt)]
    for node in nodes:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.AugAssign):
            target = node.target
            value = ast.BinOp(left=node.target, op=node.op, right=node.value)
        if isinstance(target, ast.Name) and value is not None and not _awaits(value):
            plain_targets.add(id(target))
            plain.setdefault(target.id, []).append(value)
    comprehension_targets = {
        id(n)
        for node in nodes
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp)
        for g in node.generators
        for n in ast.walk(g.target)
    }
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            if id(node) not in plain_targets and id(node) not in comprehension_targets:
                other.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            other.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            other.update(node.names)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            other.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            other.add(node.name)
    eligible = {name: values for name, values in plain.items() if name not in other}
    chosen: set[str] = set()
    changed = True
    while changed:  # a copy of a chosen variable (`total = subtotal`) is chosen too
        changed = False
        for name, values in eligible.items():
            if name not in chosen and any(_arithmetic(v, chosen) for v in values):
                chosen.add(name)
                changed = True
    ints = set(chosen)
    changed = True
    while changed:  # the greatest set of names whose every value is an int of other such names
        changed = False
        for name in sorted(ints):
            if not all(_int_only(v, ints) for v in eligible[name]):
                ints.discard(name)
                changed = True
    return {name: name not in ints for name in chosen}


def _int_only(value: ast.expr, ints: set[str]) -> bool:
    """Whether `value` is an int whenever the names in `ints` are: int literals, `+ - * // %` and
    unary minus of such values, len() and int()."""
    if isinstance(value, ast.Constant):
        return isinstance(value.value, int)
    if isinstance(value, ast.Name):
        return value.id in ints
    if isinstance(value, ast.BinOp) and isinstance(
        value.op, ast.Add | ast.Sub | ast.Mult | ast.FloorDiv | ast.Mod
    ):
        return _int_only(value.left, ints) and _int_only(value.right, ints)
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub | ast.UAdd):
        return _int_only(value.operand, ints)
    if isinstance(value, ast.IfExp):
        return _int_only(value.body, ints) and _int_only(value.orelse, ints)
    return (
        isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("len", "int")
    )


def _awaits(value: ast.expr) -> bool:
    return any(isinstance(n, ast.Await) for n in ast.walk(value))


def _arithmetic(value: ast.expr, chosen: set[str]) -> bool:
    """Whether `value` may be a number whose kind the operands decide at run time."""
    if isinstance(value, ast.BinOp):
        return isinstance(value.op, _ARITHMETIC)
    if isinstance(value, ast.UnaryOp):
        return isinstance(value.op, ast.USub | ast.UAdd)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return value.func.id in ("round", "abs", "float")
    if isinstance(value, ast.IfExp):
        return _arithmetic(value.body, chosen) or _arithmetic(value.orelse, chosen)
    return isinstance(value, ast.Name) and value.id in chosen
