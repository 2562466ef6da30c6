"""Widths in f-string format specs: `f"{n:03d}"`, `f"{name:<10}"`, `f"{price:>8.2f}"`,
`f"{title:*^20}"`, as Python's format mini-language pads them.

The spec splits into the padding (`[[fill]align][0][width]`) and the rest, which the number formats
of `runtime.py_format` write (or, with no rest, the value's own text: a string as it is, a number
as str() writes it, a bool as the int it is, `f"{True:>5}"` being `"    1"`; None, a list or a dict
fail with TypeError as in Python). The text is then padded to the width, counted in code points as
Python counts them: strings align left and numbers right by default, `^` centres (the odd fill on
the right), `=` and the `0` flag put the fill after a number's sign (`-0005`); the `0` flag on a
string fills with zeros on the right (`"ab000"`). The `0` flag with `,` grouping is refused: Python
groups the zeros too (`-0,001,234.50`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from durable_sfn.compiler.expressions.runtime import block, raise_
from durable_sfn.compiler.expressions.text import join
from durable_sfn.compiler.ir import Expr, Ty

_PADDING = re.compile(
    r"(?:(?P<fill>.)?(?P<align>[<>^=]))?(?P<zero>0)?(?P<width>[1-9][0-9]{0,2})?(?P<rest>.*)", re.S
)


@dataclass(frozen=True)
class Padding:
    fill: str
    align: str | None  # None: strings left, numbers right (or after the sign, with the 0 flag)
    zero: bool
    width: int
    rest: str  # the spec without its padding


def split_padding(spec: str) -> Padding | None:
    """The padding of a spec that has a width; None when it has none (or cannot be padded here)."""
    m = _PADDING.fullmatch(spec)
    if m is None or m.group("width") is None:
        return None
    zero = m.group("zero") is not None
    if zero and "," in m.group("rest"):
        return None
    fill = m.group("fill") or ("0" if zero and m.group("align") is None else " ")
    if zero and m.group("fill") is None and m.group("align") is not None:
        fill = "0"
    return Padding(fill, m.group("align"), zero, int(m.group("width")), m.group("rest"))


def padded(
    value: Expr,
    padding: Padding,
    number_format: Callable[[Expr, str], Expr | None],
    str_of: Callable[[Expr], Expr],
) -> Expr | None:
    """`format(value, spec)` for a spec with a width; None when the rest of the spec is not one
    `number_format` writes."""
    if padding.rest:
        text = number_format(value, padding.rest)
        if text is None:
            return None
        is_text = "false"  # a number format: it fails on anything but a number
    else:
        # The value's own text; str() of the value itself keeps what the compiler knows of its kind
        # (`f"{a + b:>6}"` of floats is "   1.0").
        text = join(
            "($type($__pv) = 'string' ? $__pv : $type($__pv) = 'boolean' ? ($__pv ? '1' : '0') : "
            "$type($__pv) = 'number' ? ",
            str_of(value),
            ' : $error("TypeError: unsupported format string passed to " & '
            "($type($__pv) = 'null' ? 'NoneType' : $type($__pv) = 'array' ? 'list' : 'dict') & "
            '".__format__"))',
            ty=Ty.STR,
        )
        is_text = "$type($__pv) = 'string'"
    fill = json.dumps(padding.fill)
    pad = "$pad('', {n}, " + fill + ")"
    if padding.align is not None:
        align = json.dumps(padding.align)
    else:
        align = f"({is_text} ? '<' : '{'=' if padding.zero else '>'}')"
    equal_on_text = raise_("ValueError", "'=' alignment not allowed in string format specifier")
    body = (
        f"$__pa := {align}; "
        f"$__pa = '=' and {is_text} ? {equal_on_text} : "
        "$__pn <= 0 ? $__ps : "
        f"$__pa = '<' ? $__ps & {pad.format(n='$__pn')} : "
        f"$__pa = '>' ? {pad.format(n='$__pn')} & $__ps : "
        f"$__pa = '^' ? {pad.format(n='$floor($__pn / 2)')} & $__ps & {pad.format(n='$__pn - $floor($__pn / 2)')} : "
        "($__sg := $substring($__ps, 0, 1) in ['-', '+', ' '] ? $substring($__ps, 0, 1) : ''; "
        f"$__sg & {pad.format(n='$__pn')} & $substring($__ps, $length($__sg)))"
    )
    return block(
        [("$__pv", value), ("$__ps", text), ("$__pn", Expr.raw(f"{padding.width} - $length($__ps)", Ty.NUM))],
        body,
        ty=Ty.STR,
    )
