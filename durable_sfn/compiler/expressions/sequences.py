"""Slices and the string methods real orchestrators use beyond the basic ones, with Python's
semantics for every JSON value (or a failure where Python raises, or `UnsupportedValueError`
where the compiled run cannot give Python's exact value).

- `xs[a:b:c]` on a list or a string: `slice.indices` clamping, negative bounds and steps, None
  bounds; a step of 0 raises ValueError, a bound that is not an int or None TypeError, a dict
  TypeError, anything else TypeError (not subscriptable).
- `s.isdigit()`: exact for ASCII text; a text with a non-ASCII character and no ASCII non-digit
  fails with UnsupportedValueError (Python counts other scripts' digits and superscripts).
- `s.title()`: exact for ASCII text; a text with a non-ASCII character fails with
  UnsupportedValueError (Unicode's title case has exceptions JSONata's case functions lack).
- `"...".format(...)` of a literal format is the f-string it stands for (`"{} and {x}".format(a,
  x=b)` is `f"{a} and {b}"`), so format specs and conversions follow the f-string rules.
"""

from __future__ import annotations

import ast
import string

from durable_sfn.compiler.expressions.runtime import LIMIT, _method, block, fold, raise_
from durable_sfn.compiler.expressions.text import join
from durable_sfn.compiler.ir import Expr, Ty

_BOUND_ERROR = raise_("TypeError", "slice indices must be integers or None or have an __index__ method")
# Whether the one-character text `c` is outside ASCII: its UTF-8 bytes are percent-encoded.
_NON_ASCII = "$length($encodeUrlComponent({c})) > 3"


def _bound(value: Expr | None) -> Expr:
    """A slice bound as Python reads it: None, or an int (a bool is 0 or 1)."""
    if value is None:
        return Expr.literal(None)
    return block(
        [("$__x", value)],
        "$type($__x) = 'null' ? null : $type($__x) = 'boolean' ? ($__x ? 1 : 0) : "
        "$type($__x) = 'number' and $__x = $floor($__x) and $abs($__x) <= 9007199254740991 ? $__x : ",
        _BOUND_ERROR,
    )


def py_slice(value: Expr, lower: Expr | None, upper: Expr | None, step: Expr | None) -> Expr:
    """Python's `value[lower:upper:step]`."""
    positions = (
        "$__st := $__c = null ? 1 : $__c; "
        + "$__st = 0 ? "
        + raise_("ValueError", "slice step cannot be zero")
        + " : ("
        "$__n := $type($__s) = 'array' ? $count($__s) : $length($__s); "
        "$__lo := $__st > 0 ? 0 : -1; $__hi := $__st > 0 ? $__n : $__n - 1; "
        "$__i := $__a = null ? ($__st < 0 ? $__hi : $__lo) : "
        "($__a < 0 ? $max([$__a + $__n, $__lo]) : $min([$__a, $__hi])); "
        "$__j := $__b = null ? ($__st < 0 ? $__lo : $__hi) : "
        "($__b < 0 ? $max([$__b + $__n, $__lo]) : $min([$__b, $__hi])); "
        "$__k := $__st > 0 ? $max([0, $ceil(($__j - $__i) / $__st)]) : "
        "$max([0, $ceil(($__i - $__j) / (0 - $__st))]); "
        "$__at := [$map([0..$__k - 1], function($__m) { $__i + $__m * $__st })]; "
    )
    items = fold(
        Expr.raw("$__at", Ty.LIST),
        "$__x",
        "$__v := ($zip($__s)[$__x])[0]; $append($__acc, $type($__v) = 'array' ? [[$__v]] : [$__v])",
        "[]",
    )
    text = "$join([$map($__at, function($__x) { $substring($__s, $__x, 1) })], '')"
    body = join(
        positions,
        "$type($__s) = 'array' ? ($__k = 0 ? [] : ",
        items,
        f") : ($__k = 0 ? '' : {text}))",
    )
    ty = Ty.STR if value.ty is Ty.STR else Ty.LIST if value.ty is Ty.LIST else Ty.UNKNOWN
    return block(
        [("$__s", value)],
        "$type($__s) = 'object' ? ",
        raise_("TypeError", "unhashable type: 'slice'"),
        " : $type($__s) in ['array', 'string'] ? ",
        block([("$__a", _bound(lower)), ("$__b", _bound(upper)), ("$__c", _bound(step))], body),
        " : ",
        raise_("TypeError", "object is not subscriptable"),
        ty=ty,
    )


def _each_character(test: str) -> str:
    """`$__o`'s characters as a list of `test` results (`{c}` is the character)."""
    return f"[$map([0..$length($__o) - 1], function($__i) {{ ($__ch := $substring($__o, $__i, 1); {test.format(c='$__ch')}) }})]"


def str_isdigit(obj: Expr) -> Expr:
    """`s.isdigit()`."""
    ascii_digit = "({c} >= '0' and {c} <= '9')"
    kind = f"{_NON_ASCII} ? 'other' : {ascii_digit} ? 'digit' : 'no'"
    body = join(
        "$length($__o) = 0 ? false : ($__kinds := ",
        _each_character(kind),
        "; 'no' in $__kinds ? false : 'other' in $__kinds ? ",
        raise_(LIMIT, "isdigit() of a text with characters outside ASCII"),
        " : true)",
    )
    return _method(obj, "string", "str", "isdigit", body, Ty.BOOL)


def str_title(obj: Expr) -> Expr:
    """`s.title()`: each letter after a letter lower case, every other letter upper case."""
    cased = "$uppercase({c}) != $lowercase({c})"
    body = join(
        "$length($__o) = 0 ? '' : ($__chars := ",
        _each_character("{c}"),
        "; 'x' in [$map($__chars, function($__c) { " + _NON_ASCII.format(c="$__c") + " ? 'x' : '' })] ? ",
        raise_(LIMIT, "title() of a text with characters outside ASCII"),
        " : $join([$map([0..$count($__chars) - 1], function($__i) { ($__c := $__chars[$__i]; "
        "$__prev := $__i > 0 ? $__chars[$__i - 1] : ''; "
        f"$__i > 0 and {cased.format(c='$__prev')} ? $lowercase($__c) : $uppercase($__c)) }})], ''))",
    )
    return _method(obj, "string", "str", "title", body, Ty.STR)


def format_as_fstring(call: ast.Call) -> ast.JoinedStr | str:
    """`"...".format(args)` as the f-string it stands for, or why it cannot be one."""
    assert isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Constant)
    text = call.func.value.value
    assert isinstance(text, str)
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return "format() with *args or **kwargs"
    keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
    try:
        pieces = list(string.Formatter().parse(text))
    except ValueError as exc:
        return f"the format is not valid ({exc})"
    values: list[ast.expr] = []
    used_positions: set[int] = set()
    used_names: set[str] = set()
    automatic: bool | None = None
    for literal, field_name, spec, conversion in pieces:
        if literal:
            values.append(ast.Constant(literal))
        if field_name is None:
            continue
        if field_name == "":
            if automatic is False:
                return "format() mixing automatic and manual field numbering (Python raises ValueError)"
            automatic = True
            index = len(used_positions)
            key: int | str = index
        elif field_name.isdigit():
            if automatic is True:
                return "format() mixing automatic and manual field numbering (Python raises ValueError)"
            automatic = False
            key = int(field_name)
        elif field_name.isidentifier():
            key = field_name
        else:
            return f"the field {{{field_name}}} (attribute or item access in a format)"
        if spec and ("{" in spec or "}" in spec):
            return "a nested field in a format spec"
        if isinstance(key, int):
            if key >= len(call.args):
                return f"the field {{{field_name}}} has no argument (Python raises IndexError)"
            used_positions.add(key)
            argument = call.args[key]
        else:
            if key not in keywords:
                return f"the field {{{key}}} has no keyword argument (Python raises KeyError)"
            used_names.add(key)
            argument = keywords[key]
        formatted_spec = ast.JoinedStr([ast.Constant(spec)]) if spec else None
        values.append(
            ast.FormattedValue(
                value=argument, conversion=ord(conversion) if conversion else -1, format_spec=formatted_spec
            )
        )
    if len(used_positions) != len(call.args) or used_names != set(keywords):
        return "format() with arguments the format does not use (Python would still evaluate them)"
    joined = ast.JoinedStr(values)
    return ast.fix_missing_locations(ast.copy_location(joined, call))
