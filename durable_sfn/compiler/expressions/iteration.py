"""Loops with several names: `for i, x in enumerate(xs)`, `for k, v in d.items()`,
`for a, b in zip(xs, ys)`, in `for` statements, comprehensions and task_all fan-outs alike.

Each item becomes a JSON object with one field per name (`{"i": 0, "v": "a"}`), so the names read
`item.i`, `item.v`. An object, because JSONata's array constructor would flatten a pair whose
second element is a list; items are walked with `$zip` so that a null item is not lost on the way
into a lambda. Unpacking other values (`for a, b in pairs`) is refused: Python checks each item's
length at run time, and the compiler cannot say what a wrong length would do.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from durable_sfn.compiler.expressions.core import TranslatorCore
from durable_sfn.compiler.expressions.text import join
from durable_sfn.compiler.ir import Expr, Ty

Fields = list[tuple[str, str]]  # (name, field of the item object)
HINT = (
    "loop over enumerate(xs), zip(xs, ys) or d.items() with several names, "
    "or over the items with one name and read x[0], x['key'] inside"
)


def _names(t: TranslatorCore, target: ast.Tuple | ast.List) -> list[str] | None:
    names = []
    for elt in target.elts:
        if not isinstance(elt, ast.Name):
            t.fail(elt, "DSF022", "nested or starred loop targets are not supported", HINT)
            return None
        names.append(elt.id)
    return names


Iterable = Callable[[ast.expr], Expr]  # the translator's `iterable`: what a loop over a value yields


def tuple_source(
    t: TranslatorCore, iterable: Iterable, node: ast.expr, target: ast.Tuple | ast.List
) -> tuple[Expr, Fields] | None:
    """(items, fields) for a loop with several names over `node`; None after reporting why not."""
    names = _names(t, target)
    if names is None:
        return None
    found = _source(t, iterable, node, target)
    if found is None:
        return None
    items, keys = found
    if len(keys) != len(names):
        t.fail(
            target,
            "DSF022",
            f"{len(names)} names cannot unpack items of {len(keys)} values (Python raises ValueError)",
            HINT,
        )
        return None
    return items, list(zip(names, keys, strict=True))


def _source(
    t: TranslatorCore, iterable: Iterable, node: ast.expr, target: ast.Tuple | ast.List
) -> tuple[Expr, list[str]] | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and _plain_keywords(node):
        name = node.func.id
        if name == "enumerate" and 1 <= len(node.args) <= 2 and name not in t.env.variables:
            start = t.translate(node.args[1]) if len(node.args) == 2 else Expr.literal(0)
            if not (start.is_const and isinstance(start.const, int) and not isinstance(start.const, bool)):
                t.fail(node, "DSF022", "enumerate(xs, start) needs a literal integer start", HINT)
                return None
            items = iterable(node.args[0])
            offset = f" + {start.const}" if start.const else ""
            return (
                join(
                    "[$map($zip(",
                    items,
                    '), function($__p, $__i) { {"i": $__i' + offset + ', "v": $__p[0]} })]',
                    ty=Ty.LIST,
                ),
                ["i", "v"],
            )
        if name == "zip" and len(node.args) >= 2 and name not in t.env.variables:
            lists = [iterable(a) for a in node.args]
            pieces: list[str | Expr] = ["[$map($zip("]
            for i, e in enumerate(lists):
                pieces += [", "] if i else []
                pieces.append(e)
            fields = ", ".join(f'"v{i}": $__p[{i}]' for i in range(len(lists)))
            pieces.append(f"), function($__p) {{ {{{fields}}} }})]")
            return join(*pieces, ty=Ty.LIST), [f"v{i}" for i in range(len(lists))]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "items"
        and not node.args
        and not node.keywords
    ):
        mapping = t.translate(node.func.value)
        return (
            join(
                "($__d := ",
                mapping,
                '; [$map([$keys($__d)], function($__k) { {"k": $__k, "v": $lookup($__d, $__k)} })])',
                ty=Ty.LIST,
            ),
            ["k", "v"],
        )
    t.fail(target, "DSF022", f"cannot unpack the items of this loop into {len(target.elts)} names", HINT)
    return None


def _plain_keywords(call: ast.Call) -> bool:
    """No keywords, or zip's `strict=False` (what zip does without it)."""
    return all(
        kw.arg == "strict" and isinstance(kw.value, ast.Constant) and kw.value.value is False
        for kw in call.keywords
    ) and (not call.keywords or (isinstance(call.func, ast.Name) and call.func.id == "zip"))


def field(item: Expr, key: str) -> Expr:
    """`item.key` (the value one name of a loop with several names reads)."""
    return join(item, "." + key)
