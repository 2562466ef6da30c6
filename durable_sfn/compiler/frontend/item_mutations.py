"""Changes of an item of a dict, the grouping idioms: `groups[k].append(v)`, `d[k].extend(vs)`,
`d[k].update(e)`, `counts[k] += 1`, `groups.setdefault(k, []).append(v)`, `d.setdefault(k, v)`
and `x = d.setdefault(k, v)`.

A definition's variables hold JSON values, so changing the list inside `groups` is compiled as a
new value of `groups` whose item `k` is the changed list. That is Python's result only when no
other name shares that list and is read later (Python would show the change there too):
`frontend/aliasing` refuses those (DSF051), as it does for `xs.append(v)`. Each expression is
evaluated once, in Python's order: the dict (and for setdefault whether it has the method), the
key, the default, the item, then the argument. `d[k] += v` is `d[k] = d[k] + v` with the item read
once; on a list item it extends in place as `xs += v` does (and fails where another name shares
the list, see `lowerer.visit_AugAssign`).
"""

from __future__ import annotations

import ast

from durable_sfn.compiler import ir
from durable_sfn.compiler.expressions import runtime
from durable_sfn.compiler.expressions.runtime import block, raise_
from durable_sfn.compiler.expressions.text import join
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.ir import Expr, Ty

MUTATORS = ("append", "extend", "update")
HINT = (
    "change an item of a dict variable (groups[k].append(v), groups.setdefault(k, []).append(v)); "
    "for deeper values, take the item out, change it and put it back: row = d[k]; ...; d[k] = row"
)


def changes_outer(lw: LowererCore, name: str, node: ast.AST) -> bool:
    """Whether changing `name` in place here changes a value of the enclosing body: a task_all
    function's closure (`seen.append(r)` in `async def one(item)`). Python's branches share that
    list or dict; compiled branches each have their own copy, so it is refused (DSF051)."""
    if not lw.in_branch or name in lw.own_vars or name in lw.renamed or name not in lw.outer_names():
        return False
    lw.report(
        node,
        "DSF051",
        f"'{name}' belongs to the enclosing orchestrator: changing it in place inside a task_all "
        "function changes the one value every branch shares in Python, while a compiled branch "
        "changes its own copy",
        "return the value from the function and build the list or dict from task_all's results",
    )
    return True


def is_setdefault(node: ast.expr) -> bool:
    """`d.setdefault(...)`."""
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "setdefault"
    )


def _changed(item: Expr, method: str, arg: Expr) -> Expr:
    if method == "append":
        return runtime.appended(item, arg)
    if method == "extend":
        return runtime.extended(item, arg)
    return runtime.updated(item, arg)


def lower_item_mutation(lw: LowererCore, stmt: ast.stmt, call: ast.Call) -> list[ir.Stmt]:
    """`d[k].append(v)` / `d.setdefault(k, dflt).append(v)` (and extend, update) as a statement."""
    assert isinstance(call.func, ast.Attribute)
    method, receiver = call.func.attr, call.func.value
    if len(call.args) != 1 or call.keywords or isinstance(call.args[0], ast.Starred):
        lw.report(call, "DSF002", f".{method}() takes exactly one argument here")
        return []
    if isinstance(receiver, ast.Subscript):
        if not isinstance(receiver.value, ast.Name) or isinstance(receiver.slice, ast.Slice):
            lw.report(receiver, "DSF022", f".{method}() of this value cannot be compiled", HINT)
            return []
        owner = receiver.value
        if changes_outer(lw, owner.id, receiver):
            return []
        current = lw.expr.translate(owner)
        key = lw.expr.translate(receiver.slice)
        if not _dict_key(lw, receiver, current, key):
            return []
        item = runtime.py_getitem(current, Expr.raw("$__gk", key.ty))
        changed = _changed(item, method, lw.expr.translate(call.args[0]))
        merged = runtime.item_set(current, Expr.raw("$__gk", key.ty), changed)
        value = block([("$__gk", key)], merged, ty=Ty.DICT)
        return [ir.Assign(lw.bind_target(owner.id, Ty.DICT, owner), value, lw.loc(stmt))]
    if is_setdefault(receiver):
        assert isinstance(receiver, ast.Call)
        found = _setdefault_parts(lw, receiver)
        if found is None:
            return []
        owner, bindings = found
        changed = _changed(Expr.raw("$__gv"), method, lw.expr.translate(call.args[0]))
        merged = runtime.item_set(Expr.raw("$__gdict", Ty.DICT), Expr.raw("$__gk"), changed)
        value = block(bindings, merged, ty=Ty.DICT)
        return [ir.Assign(lw.bind_target(owner.id, Ty.DICT, owner), value, lw.loc(stmt))]
    lw.report(receiver, "DSF022", f".{method}() of this value cannot be compiled", HINT)
    return []


def lower_setdefault(
    lw: LowererCore, stmt: ast.stmt, call: ast.Call, target: ast.Name | None
) -> list[ir.Stmt]:
    """`d.setdefault(k, dflt)` as a statement, or `target = d.setdefault(k, dflt)`."""
    found = _setdefault_parts(lw, call)
    if found is None:
        return []
    owner, bindings = found
    loc = lw.loc(stmt)
    merged = runtime.item_set(Expr.raw("$__gdict", Ty.DICT), Expr.raw("$__gk"), Expr.raw("$__gv"))
    if target is None:
        value = block(bindings, merged, ty=Ty.DICT)
        return [ir.Assign(lw.bind_target(owner.id, Ty.DICT, owner), value, loc)]
    # The pair (new dict, item) first, then both names: the key and default are evaluated once.
    both = block(bindings, "{'d': ", merged, ", 'v': $__gv}", ty=Ty.DICT)
    pair = lw.bind_target(lw.fresh("setdefault"), Ty.DICT, stmt)
    held = Expr.var(pair, Ty.DICT)
    return [
        ir.Assign(pair, both, loc),
        ir.Assign(lw.bind_target(owner.id, Ty.DICT, owner), join(held, ".d", ty=Ty.DICT), loc),
        ir.Assign(lw.bind_target(target.id, Ty.UNKNOWN, target), join(held, ".v"), loc),
    ]


def _setdefault_parts(lw: LowererCore, call: ast.Call) -> tuple[ast.Name, list[tuple[str, Expr]]] | None:
    """The dict variable of `d.setdefault(k[, dflt])` and the bindings `$__gdict` (the dict),
    `$__gk` (the key) and `$__gv` (the item after the call), in Python's order."""
    assert isinstance(call.func, ast.Attribute)
    owner = call.func.value
    if not isinstance(owner, ast.Name):
        lw.report(call, "DSF022", "setdefault() of this value cannot be compiled", HINT)
        return None
    if changes_outer(lw, owner.id, call):
        return None
    if call.keywords or not 1 <= len(call.args) <= 2 or any(isinstance(a, ast.Starred) for a in call.args):
        lw.report(call, "DSF002", "setdefault() takes a key and an optional default here")
        return None
    current = lw.expr.translate(owner)
    checked = (
        current
        if current.ty is Ty.DICT
        else block(
            [("$__o", current)],
            "$type($__o) = 'object' ? $__o : ",
            raise_("AttributeError", "object has no attribute 'setdefault' (only dict has)"),
            ty=Ty.DICT,
        )
    )
    key = lw.expr.translate(call.args[0])
    default = lw.expr.translate(call.args[1]) if len(call.args) == 2 else Expr.literal(None)
    got = runtime.dict_method(Expr.raw("$__gdict", Ty.DICT), "get", [Expr.raw("$__gk"), Expr.raw("$__gd")])
    assert got is not None
    bindings = [("$__gdict", checked), ("$__gk", key), ("$__gd", default), ("$__gv", got)]
    return owner, bindings


def _dict_key(lw: LowererCore, node: ast.Subscript, current: Expr, key: Expr) -> bool:
    """Whether `d[k]` names a dict item the compiled run can set (as `d[k] = v` requires)."""
    if key.ty is Ty.STR or (key.ty is Ty.UNKNOWN and current.ty is Ty.DICT):
        return True
    lw.report(
        node,
        "DSF022",
        "only an item of a dict can be changed in place here (d[key].append(v))",
        "build a new list with a comprehension instead of changing xs[i]; "
        "a dict built in the orchestrator ({} or {...}) takes any key",
    )
    return False


def lower_item_augmented(lw: LowererCore, stmt: ast.AugAssign, target: ast.Subscript) -> list[ir.Stmt]:
    """`d[k] += v` (any operator): the item read once, then set to the result."""
    if not isinstance(target.value, ast.Name) or isinstance(target.slice, ast.Slice):
        lw.report(target, "DSF022", "augmented assignment is only supported to a name or d[key]", HINT)
        return []
    owner = target.value
    if changes_outer(lw, owner.id, target):
        return []
    current = lw.expr.translate(owner)
    key = lw.expr.translate(target.slice)
    if not _dict_key(lw, target, current, key):
        return []
    item = runtime.py_getitem(current, Expr.raw("$__gk", key.ty))
    binop = ast.copy_location(
        ast.BinOp(left=ast.Name(id=_ITEM, ctx=ast.Load()), op=stmt.op, right=stmt.value), stmt
    )
    binop.in_place = "shared" if getattr(stmt, "list_shared", False) else True  # type: ignore[attr-defined]
    lw.env.locals.append({_ITEM: "$__gi"})
    try:
        result = lw.expr.translate(ast.fix_missing_locations(binop))
    finally:
        lw.env.locals.pop()
    merged = runtime.item_set(current, Expr.raw("$__gk", key.ty), result)
    value = block([("$__gk", key), ("$__gi", item)], merged, ty=Ty.DICT)
    return [ir.Assign(lw.bind_target(owner.id, Ty.DICT, owner), value, lw.loc(stmt))]


_ITEM = (
    "__item"  # the name the operation reads the item by (names starting with __ are the compiler's, DSF006)
)
