"""`EntityId` held in a variable: `counter = EntityId("Counter", key)`, then
`await ctx.call_entity(counter, "add", 1)`.

The entity's name selects a function (a `${Name}` placeholder), so the compiler must know it
where the entity is called. A variable assigned an `EntityId` whose name is a literal or a
module constant keeps that name for the compiler, and its key in a variable of its own
(`counter_key`); calls and signals through the variable are rewritten to
`EntityId("Counter", counter_key)` before they are lowered. `counter.name` and `counter.key` read
the two parts. Any other use of the variable (returning it, passing it to a helper, storing it
in a list) is refused, and so is a variable assigned entities of different names, since the
compiled call could not tell which function to invoke.

Costs nothing: the key is an assignment, folded like any other.
"""

from __future__ import annotations

import ast

from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.frontend.outside import HeldEntity
from durable_sfn.compiler.frontend.source_labels import dotted_name

ENTITY_OPS = {"call_entity", "signal_entity"}


def rewrite(lw: LowererCore, stmt: ast.stmt) -> ast.stmt:
    """`x = EntityId(...)` becomes the assignment of its key; entity calls through a held
    EntityId get it written out. Other statements are returned as they are."""
    held = lw.expr.entity_ids
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        value = stmt.value
        if (
            len(targets) == 1
            and isinstance(targets[0], ast.Name)
            and isinstance(value, ast.Call)
            and _is_entity_id(value)
        ):
            bound = _bind(lw, targets[0], value)
            if bound is not None:
                return bound
    for node in ast.walk(stmt):
        op = lw.ctx_call(node) if isinstance(node, ast.Call) else None
        if op is None or op[0] not in ENTITY_OPS:
            continue
        call = op[1]
        if call.args and isinstance(call.args[0], ast.Call):
            _name_written(lw, call.args[0])  # `EntityId(CART, key)` in place: the constant's value
        if call.args and isinstance(call.args[0], ast.Name) and call.args[0].id in held:
            call.args[0] = _written(held[call.args[0].id], call.args[0])
        for keyword in call.keywords:
            value = keyword.value
            if (
                keyword.arg in ("entity_id", "entity", "entityId")
                and isinstance(value, ast.Name)
                and value.id in held
            ):
                keyword.value = _written(held[value.id], value)
    return stmt


def _name_written(lw: LowererCore, call: ast.Call) -> None:
    """Replace the name of an in-place `EntityId(NAME, key)` by its value when NAME is a module
    constant (a literal name is left as it is; anything else is refused where it is lowered)."""
    if not _is_entity_id(call) or not call.args or isinstance(call.args[0], ast.Constant):
        return
    node = call.args[0]
    dotted = dotted_name(node) if isinstance(node, ast.Name | ast.Attribute) else None
    if dotted is not None and dotted.split(".")[0] not in lw.env.variables and dotted in lw.module.constants:
        value = lw.module.constants[dotted]
        if isinstance(value, str):
            call.args[0] = ast.copy_location(ast.Constant(value), node)


def _is_entity_id(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and (dotted_name(node.func) or "").split(".")[-1] == "EntityId"


def _bind(lw: LowererCore, target: ast.Name, call: ast.Call) -> ast.stmt | None:
    """The key's assignment for `target = EntityId(name, key)`, after recording the name; None
    (the statement lowered as it is, and refused there) when the call is not one to hold."""
    if len(call.args) + len(call.keywords) != 2 or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    given: dict[str, ast.expr] = dict(zip(("name", "key"), call.args, strict=False))
    for keyword in call.keywords:
        if keyword.arg not in ("name", "key") or keyword.arg in given:
            return None
        given[keyword.arg] = keyword.value
    if set(given) != {"name", "key"}:
        return None
    name = lw.expr.translate(given["name"])
    if not (name.is_const and isinstance(name.const, str)):
        lw.report(
            given["name"],
            "DSF027",
            "the entity name of an EntityId held in a variable must be a literal or module constant",
            'write EntityId("Counter", key): the name selects the entity function when the definition is built',
        )
        return ast.copy_location(ast.Pass(), target)
    held = lw.expr.entity_ids
    previous = held.get(target.id)
    if previous is not None and previous.entity != name.const:
        lw.report(
            target,
            "DSF027",
            f"'{target.id}' holds entities of different names ({previous.entity!r} and {name.const!r})",
            "use one variable per entity name, so each call names its entity function",
        )
        return ast.copy_location(ast.Pass(), target)
    key_variable = previous.key_variable if previous is not None else lw.fresh(f"{target.id}_key")
    held[target.id] = HeldEntity(name.const, key_variable)
    assign = ast.Assign(targets=[ast.Name(id=key_variable, ctx=ast.Store())], value=given["key"])
    return ast.fix_missing_locations(ast.copy_location(assign, target))


def _written(held: HeldEntity, at: ast.expr) -> ast.expr:
    call = ast.Call(
        func=ast.Name(id="EntityId", ctx=ast.Load()),
        args=[ast.Constant(held.entity), ast.Name(id=held.key_variable, ctx=ast.Load())],
        keywords=[],
    )
    for part in ast.walk(call):
        ast.copy_location(part, at)
    return call
