"""Building JSONata text from pieces: joining, parenthesising, Python truthiness, negation.

Shared by the expression rules, the frontend (list and dict mutations) and `passes` (negating
Choice conditions); no Python syntax here, so every stage may use it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from durable_sfn.compiler.ir import Expr, Ty, Var

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _p(e: Expr) -> tuple[str | Var, ...]:
    """The parts of `e` wrapped in parentheses (safe to embed in any operator context)."""
    if len(e.parts) == 1 and (isinstance(e.parts[0], Var) or e.is_const):
        return e.parts
    return ("(", *e.parts, ")")


def join(*items: str | Expr, ty: Ty = Ty.UNKNOWN) -> Expr:
    """Build an expression from literal JSONata text and sub-expressions (embedded as is)."""
    parts: list[str | Var] = []
    time = inp = False
    for item in items:
        if isinstance(item, str):
            parts.append(item)
        else:
            parts.extend(item.parts)
            time |= item.time_dependent
            inp |= item.input_dependent
    return Expr(tuple(parts), ty, time_dependent=time, input_dependent=inp)


def paren(e: Expr) -> Expr:
    return Expr(_p(e), e.ty, time_dependent=e.time_dependent, input_dependent=e.input_dependent)


def truthy(e: Expr) -> Expr:
    """Python truthiness as a JSONata boolean. (A missing key is an error in both languages.)"""
    if e.ty is Ty.BOOL:
        return e
    if e.ty is Ty.LIST:
        return join("$count(", e, ") > 0", ty=Ty.BOOL)
    if e.ty is not Ty.UNKNOWN:
        return join("$boolean(", e, ")", ty=Ty.BOOL)
    # JSONata calls an array of falsy values false; Python calls any non-empty list true.
    return join("($__t := ", e, "; $type($__t) = 'array' ? $count($__t) > 0 : $boolean($__t))", ty=Ty.BOOL)


def negate(e: Expr) -> Expr:
    """`not e` for a boolean expression, unwrapping an outer `$not(...)` instead of doubling it."""
    text = e.text()
    if text.startswith("$not(") and text.endswith(")") and _balanced(text[5:-1]):
        parts = list(e.parts)
        if isinstance(parts[0], str) and parts[0].startswith("$not(") and isinstance(parts[-1], str):
            parts[0] = parts[0][5:]
            parts[-1] = parts[-1][:-1]
            return Expr(
                tuple(p for p in parts if p != ""),
                Ty.BOOL,
                time_dependent=e.time_dependent,
                input_dependent=e.input_dependent,
            )
    return join("$not(", e, ")", ty=Ty.BOOL)


def _balanced(text: str) -> bool:
    depth = 0
    quote = ""
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def to_millis(e: Expr) -> Expr:
    return join("$toMillis(", e, ")", ty=Ty.NUM)


def singleton_list(e: Expr) -> Expr:
    """A one-element JSONata array holding `e` even when `e` is itself an array (JSONata's array
    constructor flattens array values, Python's list display does not)."""
    if e.ty is not Ty.UNKNOWN and e.ty is not Ty.LIST:
        return join("[", e, "]", ty=Ty.LIST)
    return join("($__s := ", e, "; $type($__s) = 'array' ? [[$__s]] : [$__s])", ty=Ty.LIST)


def is_path(e: Expr) -> bool:
    """`$x` or `$x.a.b`: safe to extend with `.c` without parentheses."""
    return (
        bool(e.parts)
        and isinstance(e.parts[0], Var)
        and all(isinstance(p, str) and p.startswith(".") and IDENTIFIER.match(p[1:]) for p in e.parts[1:])
    )


def numeric_type(a: Ty, b: Ty) -> Ty:
    return Ty.TIMEDELTA if Ty.TIMEDELTA in (a, b) else Ty.NUM


def interleave(items: Sequence[Expr], sep: str) -> list[Expr | str]:
    out: list[Expr | str] = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out.append(item)
    return out


def joined(items: list[Expr | str], open_: str, close: str) -> Expr:
    return join(open_, *items, close)


def append_chain(items: list[Expr]) -> Expr:
    result = items[0]
    for item in items[1:]:
        result = join("$append(", result, ", ", item, ")", ty=Ty.LIST)
    return result


# JSONata and Step Functions built-in function names: a variable with one of these names would
# shadow the function inside every expression, so such variables get a trailing `_` when the
# definition is rendered (`api`), and comprehension parameters when they are bound.
JSONATA_FUNCTIONS = frozenset(
    [
        "sum",
        "count",
        "max",
        "min",
        "average",
        "string",
        "substring",
        "substringBefore",
        "substringAfter",
        "lowercase",
        "uppercase",
        "length",
        "trim",
        "pad",
        "contains",
        "split",
        "join",
        "match",
        "replace",
        "now",
        "millis",
        "fromMillis",
        "toMillis",
        "formatNumber",
        "formatBase",
        "formatInteger",
        "parseInteger",
        "number",
        "abs",
        "floor",
        "ceil",
        "round",
        "power",
        "sqrt",
        "random",
        "boolean",
        "not",
        "exists",
        "append",
        "sort",
        "reverse",
        "shuffle",
        "distinct",
        "zip",
        "keys",
        "lookup",
        "spread",
        "merge",
        "sift",
        "each",
        "error",
        "assert",
        "type",
        "single",
        "filter",
        "map",
        "reduce",
        "eval",
        "base64encode",
        "base64decode",
        "encodeUrl",
        "encodeUrlComponent",
        "decodeUrl",
        "decodeUrlComponent",
        "clone",
        "partition",
        "range",
        "hash",
        "uuid",
        "parse",
        "states",
    ]
)
