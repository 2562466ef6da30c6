"""`sorted`, `min` and `max` with `key=` and `default=`: `sorted(xs, key=lambda x: x["price"])`,
`sorted(d.items(), key=lambda kv: kv[1], reverse=True)`, `max(totals, key=totals.get)`,
`min(xs, key=lambda o: o["eta"], default=None)`.

A key function is a lambda of one parameter (its body is translated as any expression, with the
parameter bound to each item), `d.get` of a dict, or the name of a builtin or of one of the
module's own functions (called with the item). The semantics are Python's:

- `sorted` computes every key first, in order, then sorts stably: items are boxed with their key
  and position and equal keys are ordered by position (reverse=True too), so the comparator is a
  strict order and every `$sort` implementation returns Python's list.
- `min`/`max` compute each item's key as they go and keep the first of equal minima/maxima.
- Keys are compared with Python's `<` (`runtime.LT_FUNCTION`): keys of different types, or None,
  raise TypeError; an empty sequence raises ValueError unless there is a default, which is
  evaluated (like any argument) before the items are walked.
"""

from __future__ import annotations

import ast

from durable_sfn.compiler.expressions.core import TranslatorCore
from durable_sfn.compiler.expressions.runtime import (
    EQ_FUNCTION,
    LT_FUNCTION,
    block,
    fold,
    py_minmax,
    py_sorted,
    raise_,
)
from durable_sfn.compiler.expressions.text import join
from durable_sfn.compiler.ir import Expr, Ty

# The names a key function's synthetic lambda binds: the item, and the dict of `d.get`.
_ITEM = "__key_item"
_DICT = "__key_dict"
KEY_HINT = (
    "write the key as a lambda of one parameter (key=lambda x: x['price']), d.get of a dict, "
    "or the name of a builtin or of a function of this module"
)


def _functions() -> list[tuple[str, Expr]]:
    return [("$__eq", Expr.raw(EQ_FUNCTION)), ("$__lt", Expr.raw(LT_FUNCTION))]


class KeyFunction:
    """A key function's parameter (a JSONata variable bound to each item) and its body."""

    def __init__(self, param: str, body: Expr, setup: list[tuple[str, Expr]]) -> None:
        self.param = param
        self.body = body
        self.setup = setup  # bindings evaluated once, where Python evaluates the key argument


def key_function(t: TranslatorCore, node: ast.expr) -> KeyFunction | None:
    """The translated key function `node`; None for `key=None`; reports and returns None for a
    key that cannot be compiled (`t.env.sink` holds the reason)."""
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    setup: list[tuple[str, Expr]] = []
    if isinstance(node, ast.Lambda):
        args = node.args
        if (
            len(args.args) != 1
            or args.posonlyargs
            or args.kwonlyargs
            or args.vararg
            or args.kwarg
            or args.defaults
        ):
            t.fail(node, "DSF008", "a key function takes exactly one parameter, without defaults", KEY_HINT)
            return None
        name = args.args[0].arg
        param, body_node = _local(t, name), node.body
        unassigned = [
            n.id
            for n in ast.walk(node.body)
            if isinstance(n, ast.Name) and getattr(n, "maybe_unassigned", False)
        ]
        if unassigned:  # frontend/unassigned_reads marked it; Python raises NameError in the call
            t.fail(
                node,
                "DSF002",
                f"the key function reads '{unassigned[0]}', which some path leaves unassigned",
                f"assign {unassigned[0]} on every path before this line",
            )
            return None
    elif isinstance(node, ast.Attribute) and node.attr == "get":
        # `d.get`: d is evaluated once, where the argument is (AttributeError when it has no get).
        owner = t.translate(node.value)
        check = owner if owner.ty is Ty.DICT else _dict_checked(owner)
        setup.append(("$__key_dict", check))
        name, param = _ITEM, "$__key_item"
        call = ast.Call(
            func=ast.Attribute(value=ast.Name(id=_DICT, ctx=ast.Load()), attr="get", ctx=ast.Load()),
            args=[ast.Name(id=_ITEM, ctx=ast.Load())],
            keywords=[],
        )
        body_node = ast.fix_missing_locations(ast.copy_location(call, node))
    elif isinstance(node, ast.Name):
        if node.id in t.env.variables or node.id in t.env.bound or any(node.id in s for s in t.env.locals):
            t.fail(node, "DSF002", f"'{node.id}' is a value here, not a function", KEY_HINT)
            return None
        name, param = _ITEM, "$__key_item"
        call = ast.Call(func=node, args=[ast.Name(id=_ITEM, ctx=ast.Load())], keywords=[])
        body_node = ast.fix_missing_locations(ast.copy_location(call, node))
    else:
        t.fail(node, "DSF002", "this key function cannot be compiled", KEY_HINT)
        return None
    scope = {name: param}
    if setup:
        scope[_DICT] = "$__key_dict"
    t.env.locals.append(scope)
    try:
        body = t.translate(body_node)
    finally:
        t.env.locals.pop()
    return KeyFunction(param, body, setup)


def _local(t: TranslatorCore, name: str) -> str:
    local_name = getattr(t, "local_name", None)
    return str(local_name(name)) if local_name is not None else "$" + name


def _dict_checked(owner: Expr) -> Expr:
    return block(
        [("$__o", owner)],
        "$type($__o) = 'object' ? $__o : ",
        raise_("AttributeError", "object has no attribute 'get' (only dict has)"),
        ty=Ty.DICT,
    )


def keyed_sorted(items: Expr, reverse: bool, key: KeyFunction | None) -> Expr:
    """Python's `sorted(items, key=key, reverse=reverse)`."""
    if key is None:
        return py_sorted(items, reverse)
    box = join("$append($__acc, {'v': ", key.body, f", 'x': {key.param}, 'i': $count($__acc)}})")
    boxes = fold(Expr.raw("$__items", Ty.LIST), key.param, box, "[]")
    first, second = ("$__a", "$__b") if reverse else ("$__b", "$__a")
    after = f"$__lt({first}, {second}) or ($not($__lt({second}, {first})) and $__a.i > $__b.i)"
    unbox = (
        "$reduce($__sorted, function($__acc, $__b) { $append($__acc, ($__w := $__b.x; "
        "$type($__w) = 'array' ? [[$__w]] : [$__w])) }, [])"
    )
    return block(
        [("$__items", items), *key.setup, *_functions()],
        "$__sorted := [$sort(",
        boxes,
        f", function($__a, $__b) {{ {after} }})]; {unbox}",
        ty=Ty.LIST,
    )


def keyed_minmax(items: Expr, is_max: bool, key: KeyFunction | None, default: Expr | None, name: str) -> Expr:
    """Python's `min`/`max(items, key=key[, default=default])`: the first item with the smallest
    (largest) key; the default, or ValueError, when there is none."""
    if key is None and default is None:
        return py_minmax(items, is_max)
    param = key.param if key is not None else "$__x"
    key_body: Expr | str = key.body if key is not None else param
    better = "$__lt($__acc, $__kb)" if is_max else "$__lt($__kb, $__acc)"
    step = join(
        "($__kb := {'v': ",
        key_body,
        f", 'x': {param}}}; $exists($__acc.v) ? ({better} ? $__kb : $__acc) : $__kb)",
    )
    empty = (
        "$__default" if default is not None else raise_("ValueError", f"{name}() arg is an empty sequence")
    )
    bindings: list[tuple[str, Expr]] = [("$__items", items)]
    if default is not None:
        bindings.append(("$__default", default))
    return block(
        [*bindings, *(key.setup if key is not None else []), *_functions()],
        "$__best := ",
        fold(Expr.raw("$__items", Ty.LIST), param, step, "{}"),
        f"; $exists($__best.v) ? $__best.x : {empty}",
    )
