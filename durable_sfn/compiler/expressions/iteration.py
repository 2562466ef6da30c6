"""Loops with several names: `for i, x in enumerate(xs)`, `for k, v in d.items()`,
`for a, b in zip(xs, ys)`, in `for` statements, comprehensions and task_all fan-outs alike.

Each item becomes a JSON object with one field per name (`{"i": 0, "v": "a"}`), so the names read
`item.i`, `item.v`. An object, because JSONata's array constructor would flatten a pair whose
second element is a list; items are walked with `$zip` so that a null item is not lost on the way
into a lambda. Unpacking other values (`for a, b in pairs`, `for k, v in sorted(d.items())`) is
done by `for` statements, one item at a time (see `unpack_checked`); a comprehension refuses it,
since Python checks each item's length only when it reaches the item, after the earlier items'
elements were computed (and could have failed first).
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from durable_sfn.compiler.expressions.core import TranslatorCore
from durable_sfn.compiler.expressions.runtime import block, characters, fold, ordered_keys, raise_
from durable_sfn.compiler.expressions.text import join
from durable_sfn.compiler.ir import Expr, Ty

Fields = list[tuple[str, str]]  # (name, field of the item object: a key, or a path `v.v0`)
Pending = tuple[ast.Tuple | ast.List, str, int]  # a group to unpack, its field, how many fields come first
Key = str | tuple[str, Fields]  # a field of a source's items, or one holding an inner source's object
HINT = (
    "loop over enumerate(xs), zip(xs, ys) or d.items() with several names, "
    "or over the items with one name and read x[0], x['key'] inside"
)


Iterable = Callable[[ast.expr], Expr]  # the translator's `iterable`: what a loop over a value yields


def tuple_source(
    t: TranslatorCore,
    iterable: Iterable,
    node: ast.expr,
    target: ast.Tuple | ast.List,
    pending: list[Pending] | None = None,
) -> tuple[Expr, Fields] | None:
    """(items, fields) for a loop with several names over `node`; None after reporting why not.

    A field may be a path (`v.v0`) when a nested target unpacks an inner source:
    `for i, (a, b) in enumerate(zip(xs, ys))`. Other nested groups are refused, or, given
    `pending` (a for statement), added to it with the field that holds their value and the
    number of fields bound before it (Python binds the names left to right)."""
    found = _source(t, iterable, node, target)
    if found is None:
        return None
    items, keys = found
    if len(keys) != len(target.elts):
        t.fail(
            target,
            "DSF022",
            f"{len(target.elts)} names cannot unpack items of {len(keys)} values (Python raises ValueError)",
            HINT,
        )
        return None
    fields: Fields = []
    for elt, key in zip(target.elts, keys, strict=True):
        if isinstance(elt, ast.Name) and isinstance(key, str):
            fields.append((elt.id, key))
        elif isinstance(elt, ast.Tuple | ast.List) and isinstance(key, tuple):
            fields += [(name, f"{key[0]}.{sub}") for name, sub in key[1]]
        elif isinstance(elt, ast.Tuple | ast.List) and pending is not None and isinstance(key, str):
            pending.append((elt, key, len(fields)))  # a for statement unpacks it after fields[:n]
        elif isinstance(elt, ast.Starred):
            t.fail(
                elt,
                "DSF022",
                "a starred name cannot take the items of enumerate, zip or d.items()",
                "loop with one name per value (for i, x in enumerate(xs):) and unpack x in the loop: first, *rest = x",
            )
            return None
        else:
            t.fail(
                elt,
                "DSF022",
                "a comprehension can unpack an inner group only from zip or d.items() (enumerate(zip(xs, ys)))",
                "unpack in a for statement: for i, (a, b) in enumerate(pairs): out.append(...)",
            )
            return None
    return items, fields


def is_known_source(t: TranslatorCore, node: ast.expr) -> bool:
    """Whether `node` is enumerate(...), zip(...) or d.items(), whose items have a known length."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and _plain_keywords(node):
        name = node.func.id
        return name not in t.env.variables and (
            (name == "enumerate" and 1 <= len(enumerate_arguments(node)) <= 2)
            or (name == "zip" and len(node.args) >= 2)
        )
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "items"
        and not node.args
        and not node.keywords
    )


_TYPE_NAME = (
    "($type($__u) = 'null' ? 'NoneType' : $type($__u) = 'boolean' ? 'bool' : "
    "$__u = $floor($__u) ? 'int' : 'float')"
)


def unpack_checked(value: Expr, count: int, starred: bool = False) -> Expr:
    """The values Python's `a, b = value` unpacks (a list's items, a string's characters, a
    dict's keys) as a list, or Python's ValueError when there are not `count` of them (at least
    `count` with a starred name, `a, *rest = value`), or TypeError when `value` is not iterable."""
    few = (
        f'$error("ValueError: not enough values to unpack (expected {"at least " if starred else ""}{count}, got " '
        '& $formatNumber($count($__s), "0") & ")")'
    )
    many = (
        ""
        if starred
        else f"$count($__s) > {count} ? {raise_('ValueError', f'too many values to unpack (expected {count})')} : "
    )
    return block(
        [("$__u", value)],
        f"($__s := $type($__u) = 'array' ? $__u : $type($__u) = 'object' ? {ordered_keys('$__u')} : "
        f"$type($__u) = 'string' ? {characters('$__u')} : "
        f'$error("TypeError: cannot unpack non-iterable " & {_TYPE_NAME} & " object"); '
        f"$count($__s) < {count} ? {few} : {many}$__s)",
        ty=Ty.LIST,
    )


def _source(
    t: TranslatorCore, iterable: Iterable, node: ast.expr, target: ast.Tuple | ast.List
) -> tuple[Expr, list[Key]] | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and _plain_keywords(node):
        name = node.func.id
        arguments = enumerate_arguments(node)
        if name == "enumerate" and 1 <= len(arguments) <= 2 and name not in t.env.variables:
            start = t.translate(arguments[1]) if len(arguments) == 2 else Expr.literal(0)
            if not (start.is_const and isinstance(start.const, int) and not isinstance(start.const, bool)):
                t.fail(node, "DSF022", "enumerate(xs, start) needs a literal integer start", HINT)
                return None
            inner = node.args[0]
            second = target.elts[1] if len(target.elts) == 2 else None
            value_key: Key = "v"
            if isinstance(second, ast.Tuple | ast.List) and is_known_source(t, inner):
                # `for i, (a, b) in enumerate(zip(xs, ys))`: `v` holds the inner source's object.
                nested = tuple_source(t, iterable, inner, second)
                if nested is None:
                    return None
                items, inner_fields = nested
                value_key = ("v", inner_fields)
            else:
                items = iterable(inner)
            offset = f" + {start.const}" if start.const else ""
            return (
                join(
                    "[$map($zip(",
                    items,
                    '), function($__p, $__i) { {"i": $__i' + offset + ', "v": $__p[0]} })]',
                    ty=Ty.LIST,
                ),
                ["i", value_key],
            )
        if name == "zip" and len(node.args) >= 2 and name not in t.env.variables:
            lists = [iterable(a) for a in node.args]
            pieces: list[str | Expr] = ["[$map($zip("]
            for i, e in enumerate(lists):
                pieces += [", "] if i else []
                pieces.append(e)
            fields = ", ".join(f'"v{i}": $__p[{i}]' for i in range(len(lists)))
            pieces.append(f"), function($__p) {{ {{{fields}}} }})]")
            zipped: list[Key] = [f"v{i}" for i in range(len(lists))]
            return join(*pieces, ty=Ty.LIST), zipped
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "items"
        and not node.args
        and not node.keywords
    ):
        mapping = t.translate(node.func.value)
        if mapping.ty is not Ty.DICT:  # only a dict has items(): AttributeError as Python raises it
            mapping = block(
                [("$__o", mapping)],
                "$type($__o) = 'object' ? $__o : ",
                raise_("AttributeError", "object has no attribute 'items' (only dict has)"),
                ty=Ty.DICT,
            )
        return (
            join(
                "($__d := ",
                mapping,
                "; [$map("
                + ordered_keys("$__d")
                + ', function($__k) { {"k": $__k, "v": $lookup($__d, $__k)} })])',
                ty=Ty.LIST,
            ),
            ["k", "v"],
        )
    if _pairs(node) and len(target.elts) == 2:
        # `sorted(d.items(), key=...)`, `list(d.items())[:3]`: every item is a [key, value] pair.
        step = "$append($__acc, {'k': ($zip($__pair)[0])[0], 'v': ($zip($__pair)[1])[0]})"
        return fold(iterable(node), "$__pair", step, "[]"), ["k", "v"]
    t.fail(
        target,
        "DSF022",
        f"a comprehension cannot unpack the items of this loop into {len(target.elts)} names",
        "unpack in a for statement (for a, b in pairs: out.append(...)), " + HINT,
    )
    return None


def _pairs(node: ast.expr) -> bool:
    """Whether every item of `node` is a dict's [key, value] pair: `d.items()`, or `sorted`,
    `list` or a slice of such a list."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        return _pairs(node.value)
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr == "items" and not node.args and not node.keywords
    if isinstance(func, ast.Name) and func.id in ("sorted", "list") and len(node.args) == 1:
        return _pairs(node.args[0])
    return False


def _plain_keywords(call: ast.Call) -> bool:
    """No keywords, zip's `strict=False` (what zip does without it), or enumerate's `start=`
    after one positional argument."""
    name = call.func.id if isinstance(call.func, ast.Name) else None
    if name == "enumerate":
        return not call.keywords or (
            len(call.keywords) == 1 and call.keywords[0].arg == "start" and len(call.args) == 1
        )
    return all(
        kw.arg == "strict" and isinstance(kw.value, ast.Constant) and kw.value.value is False
        for kw in call.keywords
    ) and (not call.keywords or name == "zip")


def enumerate_arguments(call: ast.Call) -> list[ast.expr]:
    """enumerate's arguments by position: `enumerate(xs, start=1)` is `enumerate(xs, 1)`."""
    return [*call.args, *(kw.value for kw in call.keywords if kw.arg == "start")]


def field(item: Expr, key: str) -> Expr:
    """`item.key` (the value one name of a loop with several names reads)."""
    return join(item, "." + key)
