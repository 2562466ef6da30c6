"""Generator expressions handed straight to a function that consumes them:
`sum(1 for r in results if r["ok"])`, `max(x["n"] for x in xs)`, `", ".join(n for n in names)`,
`any(...)`, `all(...)`.

A generator consumed whole (sum, min, max, sorted, list, join) gives what the list comprehension
of the same text gives, in the same order, so it is translated as one. `any` and `all` stop at
the first item that decides: their translation walks the items with `$reduce` and evaluates the
element (and its `if`s) only while the answer is still open, so an item after the deciding one
is never evaluated, as in Python. A generator anywhere else (stored, passed to another
function) is refused: it would be consumed once, which a JSON value cannot model.
"""

from __future__ import annotations

import ast

from durable_sfn.compiler.expressions.core import TranslatorCore
from durable_sfn.compiler.expressions.iteration import tuple_source
from durable_sfn.compiler.expressions.text import join, truthy
from durable_sfn.compiler.ir import Expr, Ty

# Builtins that consume the whole iterable they are given (in order).
CONSUMERS = {"sum", "min", "max", "sorted", "list"}


def as_list(call: ast.Call) -> ast.Call:
    """`f(<generator>)` -> `f([<comprehension>])` for a consumer `f` (else `call` unchanged)."""
    func = call.func
    consumer = (isinstance(func, ast.Name) and func.id in CONSUMERS) or (
        isinstance(func, ast.Attribute) and func.attr == "join"
    )
    if not consumer or not call.args or not isinstance(call.args[0], ast.GeneratorExp):
        return call
    gen = call.args[0]
    comp = ast.copy_location(ast.ListComp(elt=gen.elt, generators=gen.generators), gen)
    return ast.copy_location(ast.Call(func=func, args=[comp, *call.args[1:]], keywords=call.keywords), call)


def short_circuit(t: TranslatorCore, gen: ast.GeneratorExp, is_any: bool) -> Expr:
    """`any(<generator>)` / `all(<generator>)`, evaluating items only until the answer is known."""
    if len(gen.generators) != 1 or gen.generators[0].is_async:
        return t.fail(
            gen, "DSF002", "generators with more than one 'for' are not supported", "use a for loop"
        )
    comp = gen.generators[0]
    # Items reach the lambda boxed (`$zip(xs)` gives `[x]` per item), so a null item stays null.
    # Names are numbered by nesting depth: a generator inside the element has its own.
    g, a = f"$__g{len(t.env.locals)}", f"$__a{len(t.env.locals)}"
    if isinstance(comp.target, ast.Tuple | ast.List):
        found = tuple_source(t, t.iterable, comp.iter, comp.target)
        if found is None:
            return Expr.raw("null")
        items, fields = found
        scope = {name: f"{g}[0].{key}" for name, key in fields}
    elif isinstance(comp.target, ast.Name):
        items = t.iterable(comp.iter)
        scope = {comp.target.id: f"{g}[0]"}
    else:
        return t.fail(comp.target, "DSF022", "generator targets must be names")
    t.env.locals.append(scope)
    try:
        test = truthy(t.translate(gen.elt))
        conditions = [t.condition(c) for c in comp.ifs]
    finally:
        t.env.locals.pop()
    # any: once true, stay true without evaluating; all: once false, stay false.
    decided, undecided = ("true", "false") if is_any else ("false", "true")
    step: Expr = test
    for cond in reversed(conditions):
        step = join("(", cond, " ? ", step, f" : {undecided})", ty=Ty.BOOL)
    guard = a if is_any else f"$not({a})"
    return join(
        "$reduce($zip(",
        items,
        f"), function({a}, {g}) {{ {guard} ? {decided} : ",
        step,
        f" }}, {undecided})",
        ty=Ty.BOOL,
    )
