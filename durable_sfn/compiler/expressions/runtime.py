"""JSONata building blocks that give values Python's semantics, for every JSON value.

Each rule returns the JSONata for one Python operation: the value Python computes for the
operands Python accepts, and `$error("<PythonError>: ...")` for the others, so that a compiled
run fails where Python raises instead of carrying on with a different value. Where the compiler
knows an operand's type (`ir.Ty`) the text is the plain JSONata operator; otherwise the value's
JSON type is inspected at run time.

What the text relies on is the JSONata every implementation agrees on: integer arithmetic below
2**53, IEEE doubles, string functions counting code points, `$formatNumber` of integers, `$split`
and `$join` with plain strings. It avoids what implementations do differently: `%` and `$round`
on fractions, `$string` of numbers outside the range where it is the shortest text, `$replace`
with `$` in the replacement, `$number` of text that is not a plain decimal, and two ways of losing
null: a lambda parameter that receives null, and `$__xs[$__i]` with a computed index on a null item.
So values that may be null reach helper functions boxed (`{'v': x}`), and sequences are walked
with `$zip` (`$zip(xs)` pairs every item with nothing, and `$__p[0]` reads it back).

Numbers: JSON has one number type, so a compiled run sees `2.0` as `2`. The compiler tracks
`Ty.FLOAT` for values Python holds as floats (`/`, `float()`, float literals, ...); any other
number is printed as Python prints it by its value: an int when it is integral (and exact, up to
2**53), a float otherwise.

Negative zero: JSONata computes with JavaScript's doubles, so `0 * -1.5` is -0 as in Python, and
`1 / x < 0` tells it apart (the only test JSONata has; jsonata-js allows the infinity it makes). But
JavaScript also makes -0 where Python holds the int 0 (`0 * -1`, `-x` of 0, `0 // -2`), so those
operations add 0 unless the result is a float (`+ 0` turns -0 into 0 and changes nothing else).
Then every -0 a compiled expression sees is a float -0.0, and the texts of floats print its sign.
A variable holds JSON, which has no -0 (see docs/compiler.md).
"""

from __future__ import annotations

import dataclasses
import json
import math

from durable_sfn.compiler.expressions.text import join, paren
from durable_sfn.compiler.ir import Expr, Ty, Var

_BIG_INT = "an integer beyond 2**53 has no exact JSON number"
INT_LIMIT = 2**53 - 1  # the largest integer JSONata (a double) holds exactly, with all below it
NUMERIC_TYPES = "['number', 'boolean']"
# Python's whitespace (str.isspace) as a regex class; JavaScript's \s is a different set.
WHITESPACE = (
    "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
)
# The error a compiled run raises where it cannot produce Python's exact value.
LIMIT = "UnsupportedValueError"

Part = str | Expr


def raise_(error: str, message: str) -> str:
    """`$error(...)` with Python's exception class name first, as the Cause shows it."""
    return f"$error({json.dumps(f'{error}: {message}')})"


def block(bindings: list[tuple[str, Expr]], *body: Part, ty: Ty = Ty.UNKNOWN) -> Expr:
    """`($__a := ...; $__b := ...; body)`."""
    items: list[Part] = ["("]
    for name, value in bindings:
        items += [f"{name} := ", value, "; "]
    return join(*items, *body, ")", ty=ty)


def is_simple(e: Expr) -> bool:
    """A variable or a literal: cheap and safe to repeat in the text."""
    return len(e.parts) == 1 and (isinstance(e.parts[0], Var) or e.is_const)


def is_numeric(ty: Ty) -> bool:
    """Python arithmetic accepts it (bool is an int)."""
    return ty.is_number or ty is Ty.BOOL


def as_number(e: Expr) -> Expr:
    """The number of a value the compiler knows is a number or a bool (True is 1)."""
    if e.ty is Ty.BOOL:
        return join("(", e, " ? 1 : 0)", ty=Ty.NUM)
    return paren(e)


def number_result(*operands: Ty) -> Ty:
    return Ty.FLOAT if Ty.FLOAT in operands else Ty.NUM


# -- text of values ---------------------------------------------------------------------------------

# str() of a float that is not integral: `$string` prints the 15-significant-digit rounding,
# which is Python's shortest repr when it reads back as the same number and the value is in
# the range where both use positional notation.
# The digits of |x| rounded half-even to the decimals of `$__P` (10**n), from the exact binary
# value (as Python rounds): [integer part, fraction as an integer below $__P]. The product of the
# fraction and $__P is split exactly (Dekker), which decides ties the decimal text would get wrong
# (2.675 is 2.67499999999999982236431605997495353221893310546875).
_ROUND_DIGITS_TEXT = (
    "($__i := $floor($__ax); $__f := $__ax - $__i; $__y := $__f * $__P; "
    "$__c := 134217729.0 * $__f; $__fh := $__c - ($__c - $__f); $__fl := $__f - $__fh; "
    "$__d := 134217729.0 * $__P; $__ph := $__d - ($__d - $__P); $__pl := $__P - $__ph; "
    "$__e := (($__fh * $__ph - $__y) + $__fh * $__pl + $__fl * $__ph) + $__fl * $__pl; "
    "$__k := $floor($__y); $__h := ($__y - $__k) - 0.5; "
    "$__up := $__h > 0 or ($__h = 0 and ($__e > 0 or ($__e = 0 and ($__P = 1 ? $__i : $__k) % 2 = 1))); "
    "$__m := $__up ? $__k + 1 : $__k; $__m = $__P ? [$__i + 1, 0] : [$__i, $__m])"
)
# The 16 decimals of a number from 1 to 10 whose fraction times 10**16 is beyond 2**53, where a
# double holds only even integers: the product's rounding error (Dekker, as above) says whether the
# exact value is one above or below it, and the digits are written in two halves of 8, each exact.
_WIDE_DIGITS_TEXT = (
    "($__i := $floor($__ax); $__f := $__ax - $__i; $__y := $__f * $__P; "
    "$__c := 134217729.0 * $__f; $__fh := $__c - ($__c - $__f); $__fl := $__f - $__fh; "
    "$__q := 134217729.0 * $__P; $__ph := $__q - ($__q - $__P); $__pl := $__P - $__ph; "
    "$__er := (($__fh * $__ph - $__y) + $__fh * $__pl + $__fl * $__ph) + $__fl * $__pl; "
    "$__up := $__er > 0.5 ? 1 : $__er < -0.5 ? -1 : 0; "
    "$__lo0 := $__y % 100000000 + $__up; "
    "$__hi := ($__y - $__y % 100000000) / 100000000 + ($__lo0 < 0 ? -1 : $__lo0 >= 100000000 ? 1 : 0); "
    "$__lo := $__lo0 < 0 ? $__lo0 + 100000000 : $__lo0 >= 100000000 ? $__lo0 - 100000000 : $__lo0; "
    "$formatNumber($__i, '0') & '.' & $pad($formatNumber($__hi, '0'), -8, '0') & "
    "$pad($formatNumber($__lo, '0'), -8, '0'))"
)
# When 15 digits do not read back as the number, Python prints 16 or 17: `$formatNumber` with that
# many significant digits (as decimals after the point) gives the correctly rounded digits.
_SIGNIFICANT = (
    "($__e := $count($filter([0.001, 0.01, 0.1, 1, 10, 100, 1000, 10000, 100000, 1e6, 1e7, 1e8, 1e9, "
    "1e10, 1e11, 1e12, 1e13, 1e14, 1e15], function($__b) { $__b <= $abs($__n) })) - 4; "
    "$__try := function($__d) { ($__t := $replace($abs($__n) >= 1 ? EXACT : "
    "$formatNumber($abs($__n), '0.' & $pad('', $__d, '0')), /0+$/, ''); "
    "($__n < 0 ? '-' : '') & ($substring($__t, -1) = '.' ? $__t & '0' : $__t)) }; "
    "$__16 := $__try(15 - $__e); $number($__16) = $__n ? $__16 : ($__17 := $__try(16 - $__e); "
    "$number($__17) = $__n ? $__17 : "
    + raise_(LIMIT, "this float has no exact text here; format it, e.g. f'{x:.6f}'")
    + "))"
)
_FRACTION_TEXT = (
    "($abs($__n) >= 0.0001 and $abs($__n) < 1e16 ? ($number($string($__n)) = $__n ? $string($__n) : "
    + _SIGNIFICANT.replace(
        "EXACT",
        # From 1 up, the digits after the point fit a double: round them exactly (ties to even, as
        # Python chooses between two shortest texts), instead of $formatNumber's rounding.
        "($__ax := $abs($__n); $__P := $number('1e' & $__d); "
        "$__P > 9007199254740992 and ($__ax - $floor($__ax)) * $__P >= 9007199254740992 ? "
        + _WIDE_DIGITS_TEXT
        + " : "
        "($__r := " + _ROUND_DIGITS_TEXT + "; "
        "$formatNumber($__r[0], '0') & '.' & $pad($formatNumber($__r[1], '0'), 1 - $length($formatNumber($__P, '0')), '0')))",
    )
    + ") : "
    + raise_(LIMIT, "this float has no exact text here; format it, e.g. f'{x:.6f}'")
    + ")"
)
# Python's str() of the non-integral number in `$__n`, where it has no exponent.
FRACTION_TEXT = _FRACTION_TEXT
_INT_TEXT = "$formatNumber($__n, '0')"
_IS_INT = "($__n = $floor($__n) and $abs($__n) <= 9007199254740991)"


def is_float_text(e: Expr) -> Expr:
    """JSONata, true when Python holds the value of `e` as a float: a float made by arithmetic the
    compiler saw (`float_when`), or else a number that is not an int of the exact range (JSON reads
    2.0 as 2, in both runs)."""
    if e.ty is Ty.FLOAT:
        return Expr.raw("true")
    if e.ty is Ty.BOOL or (e.is_const and isinstance(e.const, int)):
        return Expr.raw("false")
    if e.float_when is not None:
        return e.float_when
    return block([("$__f", e)], "$type($__f) = 'number' and $not(", _int_test("$__f"), ")", ty=Ty.BOOL)


NEGATIVE_ZERO_KIND = "'-0'"  # a float kind whose value is -0.0, which JSON writes as 0


def kind_value(value: Expr, signed: bool = True) -> Expr:
    """What a variable's kind (frontend/number_kinds) records for `value`: true for a float
    ('-0' for the float -0.0, whose sign JSON drops), false for another value, null where the
    number's value decides (as it does for any JSON number)."""
    if value.is_const and isinstance(value.const, float):
        negative_zero = value.const == 0 and math.copysign(1.0, value.const) < 0
        return Expr.literal("-0" if negative_zero and signed else True)
    if value.ty is Ty.FLOAT:
        floating: Expr = Expr.literal(True)
    elif value.float_when is not None:
        floating = join("(", value.float_when, ")", ty=Ty.BOOL)
    elif value.ty in (Ty.NUM, Ty.UNKNOWN) and not value.is_const:
        return Expr.literal(None)
    else:
        return Expr.literal(False)
    if not signed:  # a variable that never holds a float: its kind is the float test alone
        return floating
    return block(
        [("$__kz", value), ("$__kf", floating)],
        f"$__kf = true and $__kz = 0 and 1 / $__kz < 0 ? {NEGATIVE_ZERO_KIND} : $__kf",
        ty=Ty.UNKNOWN,
    )


def kind_read(var: Expr, kind: str, signed: bool = True) -> Expr:
    """A read of a variable with a kind: a float when its kind says so, or, where the kind left it
    to the value (null or never set), when the value is not an int; -0.0 when the kind says the
    float was -0.0."""
    if var.ty not in (Ty.NUM, Ty.UNKNOWN, Ty.FLOAT):
        return var
    flag = Expr.var(kind, Ty.UNKNOWN)  # a variable part: folding substitutes it like the value's
    value = join("(", flag, f" = {NEGATIVE_ZERO_KIND} ? (0 * -1) : ", var, ")", ty=var.ty) if signed else var
    if var.ty is Ty.FLOAT:
        return value
    by_value = is_float_text(dataclasses.replace(var, float_when=None))
    negative_zero: list[Part] = [flag, f" = {NEGATIVE_ZERO_KIND} or "] if signed else []
    test = join(
        "(", flag, " = true or ", *negative_zero, "($not(", flag, " = false) and ", by_value, "))", ty=Ty.BOOL
    )
    return dataclasses.replace(value, float_when=test)


def with_float_when(result: Expr, *operands: Expr, extra: Expr | None = None) -> Expr:
    """`result` (a number of unknown kind) knowing it is a float when one of `operands` is (or
    when `extra` holds)."""
    if result.ty is not Ty.NUM and result.ty is not Ty.UNKNOWN:
        return result
    tests = [t for t in (is_float_text(o) for o in operands) if t.parts != ("false",)]
    if extra is not None:
        tests.append(extra)
    if not tests:
        return result
    parts: list[Part] = []
    for t in tests:
        parts += [" or " if parts else "", "(", t, ")"]
    test = join(*parts, ty=Ty.BOOL)
    return dataclasses.replace(result, float_when=test)


def exact_int_text(ref: str, picture: str = "'0'") -> str:
    """The digits of an int that integer arithmetic made exactly, beyond 2**53 - 1 too (a sum
    checked exact): doubles below 2**54 are the integers they print."""
    return f"($abs({ref}) < 1e16 ? $formatNumber({ref}, {picture}) : " + raise_(LIMIT, _BIG_INT) + ")"


def _text_by_kind(value: Expr) -> Expr:
    """str() of a number whose kind `value.float_when` decides at run time."""
    assert value.float_when is not None
    return block(
        [("$__fv", value)],
        "(",
        value.float_when,
        ") ? ",
        float_text(Expr.raw("$__fv")),
        " : " + exact_int_text("$__fv"),
        ty=Ty.STR,
    )


def number_text(value: Expr) -> Expr:
    """Python's str() of a JSON number (an int when integral, a float otherwise)."""
    if value.is_const and isinstance(value.const, int) and not isinstance(value.const, bool):
        return Expr.literal(str(value.const))
    # An integral number beyond 2**53 - 1 is a float (the double JSON gave), printed as one.
    big = "$abs($__n) < 1e16 ? $formatNumber($__n, '0') & '.0' : " + raise_(
        LIMIT, "this float has no exact text here; format it, e.g. f'{x:.1f}'"
    )
    return block(
        [("$__n", value)],
        f"{_IS_INT} ? {_INT_TEXT} : $__n = $floor($__n) ? ({big}) : {_FRACTION_TEXT}",
        ty=Ty.STR,
    )


def negative_text(ref: str) -> str:
    """JSONata, true when the number in `ref` is below zero or is -0 (Python prints `-0.0`)."""
    return f"({ref} < 0 or ({ref} = 0 and 1 / {ref} < 0))"


def float_text(value: Expr) -> Expr:
    """Python's str() of a float (`2.0`, `0.5`, `-0.0`)."""
    if value.is_const and isinstance(value.const, int | float) and not isinstance(value.const, bool):
        return Expr.literal(str(float(value.const)))
    integral = (
        f"$__n = 0 ? ({negative_text('$__n')} ? '-0.0' : '0.0') : $abs($__n) < 1e16 ? $formatNumber($__n, '0') & '.0' : "
        + raise_(LIMIT, "this float has no exact text here; format it, e.g. f'{x:.1f}'")
    )
    return block([("$__n", value)], f"$__n = $floor($__n) ? ({integral}) : {_FRACTION_TEXT}", ty=Ty.STR)


def py_str(value: Expr) -> Expr:
    """Python's str() of a value; lists and dicts (whose text is Python's repr) fail."""
    ty = value.ty
    if ty is Ty.STR:
        return value
    if ty is Ty.DATETIME:
        return datetime_text(value, " ")
    if ty is Ty.BOOL:
        return join("(", value, ' ? "True" : "False")', ty=Ty.STR)
    if ty is Ty.NULL:
        return Expr.literal("None")
    if ty is Ty.NUM:
        return number_text(value) if value.float_when is None else _text_by_kind(value)
    if ty is Ty.FLOAT:
        return float_text(value)
    if ty in (Ty.LIST, Ty.DICT):
        return join(_repr_limit(), ty=Ty.STR)
    number = number_text(Expr.raw("$__v"))
    if value.float_when is not None:
        number = join(
            "(", value.float_when, ") ? ", float_text(Expr.raw("$__v")), " : ", exact_int_text("$__v")
        )
    return block(
        [("$__v", value)],
        "$type($__v) = 'string' ? $__v : $type($__v) = 'boolean' ? ($__v ? 'True' : 'False') : "
        "$type($__v) = 'null' ? 'None' : $type($__v) = 'number' ? ",
        number,
        " : ",
        _repr_limit(),
        ty=Ty.STR,
    )


def _repr_limit() -> str:
    return raise_(LIMIT, "the text of a list or dict is Python's repr; build the text you need with join")


# -- equality and order --------------------------------------------------------------------------------

# Python's == on JSON values: numbers and booleans by value (True == 1), lists and dicts deeply.
EQ_FUNCTION = (
    "function($__x, $__y) { ($__a := $__x.v; $__b := $__y.v; $__ta := $type($__a); $__tb := $type($__b); "
    "$__ta in ['number', 'boolean'] and $__tb in ['number', 'boolean'] ? $number($__a) = $number($__b) : "
    "$__ta != $__tb ? false : "
    "$__ta = 'array' ? $count($__a) = $count($__b) and $reduce($zip($__a, $__b), function($__r, $__p) "
    "{ $__r and $__eq({'v': $__p[0]}, {'v': $__p[1]}) }, true) : "
    "$__ta = 'object' ? ($__k := [$keys($__a)]; $count($__k) = $count([$keys($__b)]) and $reduce($__k, "
    "function($__r, $__n) { $__r and $exists($lookup($__b, $__n)) and "
    "$__eq({'v': $lookup($__a, $__n)}, {'v': $lookup($__b, $__n)}) }, true)) : "
    "$__a = $__b) }"
)


def code_point_order(text: str) -> str:
    """JSONata for a key of the string `text` whose order under JSONata's `<` is Python's order.

    Python orders strings by code points; JavaScript, and so Step Functions, by UTF-16 code units,
    which puts a character beyond U+FFFF (its first surrogate is U+D800..U+DBFF) before one from
    U+E000 to U+FFFF. The key writes U+D7FF before each character of that range: the pair then
    sorts after every character below U+D800 (U+D7FF itself only ever meets another unit below
    U+E000 next) and before every surrogate, and the pairs keep their own order. Both regex
    dialects match the range by code point, which a surrogate pair is not in.
    """
    return f"$replace({text}, /[\\uE000-\\uFFFF]/, function($__m) {{ '\\uD7FF' & $__m.match }})"


# Python's < on JSON values: numbers and booleans, strings, lists item by item; TypeError otherwise.
LT_FUNCTION = (
    "function($__x, $__y) { ($__a := $__x.v; $__b := $__y.v; $__ta := $type($__a); $__tb := $type($__b); "
    "$__ta in ['number', 'boolean'] and $__tb in ['number', 'boolean'] ? $number($__a) < $number($__b) : "
    "$__ta = 'string' and $__tb = 'string' ? "
    + code_point_order("$__a")
    + " < "
    + code_point_order("$__b")
    + " : "
    "$__ta = 'array' and $__tb = 'array' ? ($__d := $reduce($zip($__a, $__b), function($__r, $__p) "
    "{ $exists($__r.p) ? $__r : $__eq({'v': $__p[0]}, {'v': $__p[1]}) ? $__r : {'p': $__p} }, {}); "
    "$exists($__d.p) ? $__lt({'v': $__d.p[0]}, {'v': $__d.p[1]}) : $count($__a) < $count($__b)) : "
    + raise_("TypeError", "'<' is not supported between these types")
    + ") }"
)


def _with_functions(names: tuple[str, ...], *body: Part, ty: Ty) -> Expr:
    bindings: list[tuple[str, Expr]] = []
    if "$__eq" in names:
        bindings.append(("$__eq", Expr.raw(EQ_FUNCTION)))
    if "$__lt" in names:
        bindings.append(("$__lt", Expr.raw(LT_FUNCTION)))
    return block(bindings, *body, ty=ty)


def box(e: Expr) -> Expr:
    return join("{'v': ", e, "}")


def _is_text_or_none(e: Expr) -> bool:
    return e.ty in (Ty.STR, Ty.NULL) or (e.is_const and (e.const is None or isinstance(e.const, str)))


def py_eq(a: Expr, b: Expr) -> Expr:
    """Python's `a == b`."""
    if _is_text_or_none(a) or _is_text_or_none(b) or (a.ty is b.ty and a.ty in (Ty.STR, Ty.BOOL)):
        # A string or None equals only an equal string or None: JSONata's = agrees.
        return join(paren(a), " = ", paren(b), ty=Ty.BOOL)
    if is_numeric(a.ty) and is_numeric(b.ty):
        return join(as_number(a), " = ", as_number(b), ty=Ty.BOOL)
    for known, other in ((a, b), (b, a)):
        if is_numeric(known.ty) and other.ty is Ty.UNKNOWN:
            return block(
                [("$__e", other)],
                f"$type($__e) in {NUMERIC_TYPES} and $number($__e) = ",
                as_number(known),
                ty=Ty.BOOL,
            )
    return _with_functions(("$__eq",), "$__eq(", box(a), ", ", box(b), ")", ty=Ty.BOOL)


def _string_compare(op: str, a: Expr, b: Expr) -> Expr:
    """`a op b` of two strings in Python's order. Against a literal whose every character is below
    U+D800 the plain operator is already exact: where the two first differ, one side holds neither
    a character of U+E000..U+FFFF nor one beyond U+FFFF, and only those two kinds disagree."""
    if any(e.is_const and isinstance(e.const, str) and all(ord(c) < 0xD800 for c in e.const) for e in (a, b)):
        return join(paren(a), f" {op} ", paren(b), ty=Ty.BOOL)
    return block(
        [("$__l", a), ("$__r", b)], code_point_order("$__l"), f" {op} ", code_point_order("$__r"), ty=Ty.BOOL
    )


def py_lt(a: Expr, b: Expr) -> Expr:
    """Python's `a < b`."""
    if is_numeric(a.ty) and is_numeric(b.ty):
        return join(as_number(a), " < ", as_number(b), ty=Ty.BOOL)
    if a.ty is Ty.STR and b.ty is Ty.STR:
        return _string_compare("<", a, b)
    return _with_functions(("$__eq", "$__lt"), "$__lt(", box(a), ", ", box(b), ")", ty=Ty.BOOL)


def py_compare(op: str, a: Expr, b: Expr) -> Expr:
    """Python's <, <=, >, >= (each operand evaluated once)."""
    if is_numeric(a.ty) and is_numeric(b.ty):
        return join(as_number(a), f" {op} ", as_number(b), ty=Ty.BOOL)
    if a.ty is Ty.STR and b.ty is Ty.STR:
        return _string_compare(op, a, b)
    lo, hi = ("$__l", "$__r") if op in ("<", "<=") else ("$__r", "$__l")
    test = f"$__lt({{'v': {lo}}}, {{'v': {hi}}})"
    if op in ("<=", ">="):
        test += " or $__eq({'v': $__l}, {'v': $__r})"
    functions = [("$__eq", Expr.raw(EQ_FUNCTION)), ("$__lt", Expr.raw(LT_FUNCTION))]
    return block([("$__l", a), ("$__r", b), *functions], test, ty=Ty.BOOL)


# -- arithmetic -----------------------------------------------------------------------------------------

_SYMBOLS = {"+": "+", "-": "-", "*": "*", "/": "/", "//": "//", "%": "%", "**": "**"}


def _int_test(v: str) -> str:
    return f"({v} = $floor({v}) and $abs({v}) <= 9007199254740991)"


def _checked_exact(op: str, floats: bool) -> str:
    """`$__x op $__y` for numbers `$__x`, `$__y`: an int result beyond 2**53 - 1 fails unless it is
    exact (a sum checked by subtracting back; a product is not checked, so it fails)."""
    if floats:
        return f"$__x {op} $__y"
    exact = {"+": " and $__s - $__x != $__y", "-": " and $__x - $__s != $__y"}.get(op, "")
    return (
        f"($__s := $__x {op} $__y; $abs($__s) > 9007199254740991 and {_int_test('$__x')} and "
        f"{_int_test('$__y')}{exact} ? "
        + raise_(LIMIT, "an integer beyond 2**53 has no exact JSON number")
        + " : $__s)"
    )


# The exact remainder of |$__x| / |$__y| with the sign of $__x (C's fmod), from IEEE operations only:
# q is the float quotient floored (maybe one off), q * |y| is split exactly (Dekker's product),
# and the remainder is corrected into [0, |y|). A quotient beyond 2**53 is found without dividing,
# since |x| / |y| can overflow to infinity, which JSONata implementations treat differently; a
# divisor beyond 1e300 is scaled down by 2**60 first (exactly), so that the split cannot overflow.
_FMOD = (
    "($__sc := $abs($__y) > 1e300 ? 1152921504606846976 : 1; $__ax := $abs($__x) / $__sc; $__ay := $abs($__y) / $__sc; "
    "$__q := $__ax / 9007199254740991 > $__ay ? 9007199254740992 : "
    "$floor($__ax / $__ay); $__q > 9007199254740991 ? "
    + raise_(LIMIT, "the quotient is too large for an exact remainder")
    + " : $__q = 0 ? $__x : ($__p := $__q * $__ay; $__c := 134217729.0 * $__q; $__qh := $__c - ($__c - $__q); $__ql := $__q - $__qh; "
    "$__d := 134217729.0 * $__ay; $__yh := $__d - ($__d - $__ay); $__yl := $__ay - $__yh; "
    "$__e := (($__qh * $__yh - $__p) + $__qh * $__yl + $__ql * $__yh) + $__ql * $__yl; $__f := ($__ax - $__p) - $__e; "
    "$__g := $__f < 0 ? $__f + $__ay : $__f >= $__ay ? $__f - $__ay : $__f; ($__x < 0 ? -$__g : $__g) * $__sc))"
)
# CPython's messages (3.11) for a zero divisor, with integer and with float operands.
_ZERO_MESSAGES = {
    "/": ("division by zero", "float division by zero"),
    "//": ("integer division or modulo by zero", "float floor division by zero"),
    "%": ("integer modulo by zero", "float modulo"),
}


def _zero_division(op: str, floats: bool, both_int: str) -> str:
    integers, float_message = (raise_("ZeroDivisionError", m) for m in _ZERO_MESSAGES[op])
    return float_message if floats else f"({both_int} ? {integers} : {float_message})"


def _numeric(op: str, floats: bool) -> str:
    """Python's `$__x op $__y` for numbers (booleans already made numbers)."""
    both_int = f"{_int_test('$__x')} and {_int_test('$__y')}"
    if op in ("+", "-", "*"):
        return _checked_exact(op, floats)
    if op == "/":
        return f"$__y = 0 ? {_zero_division(op, floats, both_int)} : $__x / $__y"
    if op == "//":
        float_path = (
            f"($__m := {_FMOD}; $__v := ($__x - $__m) / $__y; $__w := $__m != 0 and ($__y < 0) != ($__m < 0) ? $__v - 1 : $__v; "
            # A zero quotient has the sign of x / y (CPython's float floor division).
            f"$__w = 0 ? ({negative_text('$__x')} != ($__y < 0) ? -0 : 0) : "
            "($__t := $floor($__w); $__w - $__t > 0.5 ? $__t + 1 : $__t))"
        )
        int_path = "$floor($__x / $__y)"
        return f"$__y = 0 ? {_zero_division(op, floats, both_int)} : " + (
            float_path if floats else f"{both_int} ? {int_path} : {float_path}"
        )
    if op == "%":
        # A zero remainder has the divisor's sign (Python's float %: 5.0 % -5.0 is -0.0).
        adjust = "$__m = 0 ? ($__y < 0 ? -0 : 0) : ($__m < 0) != ($__y < 0) ? $__m + $__y : $__m"
        float_path = f"($__m := {_FMOD}; {adjust})"
        int_path = f"($__m := $__x % $__y; {adjust})"
        return f"$__y = 0 ? {_zero_division(op, floats, both_int)} : " + (
            float_path if floats else f"{both_int} ? {int_path} : {float_path}"
        )
    # **
    power = "$power($__x, $__y)"
    if not floats:
        power = (
            f"($__w := $power($__x, $__y); $abs($__w) > 9007199254740991 and {both_int} and $__y >= 0 ? "
            + raise_(LIMIT, "an integer beyond 2**53 has no exact JSON number")
            + " : $__w)"
        )
    return (
        f"$__x = 0 and $__y < 0 ? {raise_('ZeroDivisionError', '0.0 cannot be raised to a negative power')} : "
        f"$__x < 0 and $__y != $floor($__y) ? {raise_(LIMIT, 'a negative number to a fractional power is complex')} : "
        + power
    )


# JSONata's range operator allows at most 10**7 items (and building more would take too long).
_TOO_LONG = raise_(LIMIT, "a repetition of more than 10**7 items")


def _repeat_text(text: str, count: str) -> str:
    return (
        f"({count} <= 0 or {text} = '' ? '' : {count} > 10000000 ? {_TOO_LONG} : "
        f"$join([$map([1..{count}], function() {{ {text} }})]))"
    )


def _repeat_list(items: str, count: str) -> str:
    return (
        f"({count} <= 0 or $count({items}) = 0 ? [] : {count} > 10000000 ? {_TOO_LONG} : "
        f"$reduce([1..{count}], function($__a, $__i) {{ $append($__a, {items}) }}, []))"
    )


def py_binop(op: str, a: Expr, b: Expr, in_place: bool = False, shared_list: bool = False) -> Expr:
    """Python's arithmetic operators on JSON values; `in_place`: `a op= b` (a list extended by
    `+=` takes any iterable); `shared_list`: such a list is shared with a name read later, whose
    copy would not change, so a list fails. A number result knows when it is a float (an operand
    is one, or `**` has a negative exponent), for str() and format to print it as Python does."""
    result = _binop(op, a, b, in_place, shared_list)
    if op == "/" or {a.ty, b.ty} & {Ty.TIMEDELTA, Ty.DATETIME, Ty.STR, Ty.LIST}:
        return result
    if op == "**":
        negative = block([("$__e", b)], "$type($__e) = 'number' and $__e < 0", ty=Ty.BOOL)
        return with_float_when(result, a, b, extra=negative)
    if op in ("*", "//", "%"):
        return python_zero(with_float_when(result, a, b))
    return with_float_when(result, a, b)


def python_zero(result: Expr) -> Expr:
    """`result` with JavaScript's -0 made 0 where Python holds an int (`0 * -1`, `-0`, `0 // -2`):
    adding 0 changes no other number, adding -0 changes none (see the module doc)."""
    if result.ty in (Ty.FLOAT, Ty.STR, Ty.LIST, Ty.DICT, Ty.BOOL, Ty.NULL) or result.is_const:
        return result
    kind = result.float_when
    zero: list[Part] = ["0"] if kind is None else ["((", kind, ") ? -0 : 0)"]
    if result.ty is Ty.NUM:
        settled = join("(", result, " + ", *zero, ")", ty=Ty.NUM)
    else:  # `*` of unknown operands may repeat a string or a list
        settled = block(
            [("$__nz", result)], "$type($__nz) = 'number' ? $__nz + ", *zero, " : $__nz", ty=result.ty
        )
    return dataclasses.replace(settled, float_when=kind)


def _binop(op: str, a: Expr, b: Expr, in_place: bool, shared_list: bool) -> Expr:
    if shared_list and a.ty is not Ty.LIST:
        inner = _binop(op, Expr.raw("$__a"), b, True, False)
        return block(
            [("$__a", a)],
            "$type($__a) = 'array' ? ",
            raise_(LIMIT, "this list is shared with another name: write x = x + y, or copy it first"),
            " : ",
            inner,
            ty=inner.ty,
        )
    floats = Ty.FLOAT in (a.ty, b.ty)
    if op == "/":
        result_ty = Ty.FLOAT
    else:
        result_ty = number_result(a.ty, b.ty)
    if is_numeric(a.ty) and is_numeric(b.ty):
        body = _numeric(op, floats)
        if body in ("$__x + $__y", "$__x - $__y", "$__x * $__y"):
            return join(as_number(a), f" {op} ", as_number(b), ty=result_ty)
        return block([("$__x", as_number(a)), ("$__y", as_number(b))], body, ty=result_ty)
    if op == "+" and a.ty is Ty.STR and b.ty is Ty.STR:
        return join(paren(a), " & ", paren(b), ty=Ty.STR)
    if op == "+" and a.ty is Ty.LIST and b.ty is Ty.LIST:
        return join("$append(", a, ", ", b, ")", ty=Ty.LIST)
    if op == "+" and in_place and a.ty is Ty.LIST:
        return join("$append(", a, ", ", py_iter(b), ")", ty=Ty.LIST)
    cases = [
        f"$type($__l) in {NUMERIC_TYPES} and $type($__r) in {NUMERIC_TYPES} ? "
        f"($__x := $number($__l); $__y := $number($__r); {_numeric(op, floats)})"
    ]
    ty = Ty.UNKNOWN
    if op == "+":
        cases.append("$type($__l) = 'string' and $type($__r) = 'string' ? $__l & $__r")
        if in_place:
            items = py_iter(Expr.raw("$__r")).text()
            cases.append(f"$type($__l) = 'array' ? $append($__l, {items})")
        else:
            cases.append("$type($__l) = 'array' and $type($__r) = 'array' ? $append($__l, $__r)")
        if a.ty in (Ty.STR, Ty.LIST) or b.ty in (Ty.STR, Ty.LIST):
            ty = a.ty if a.ty in (Ty.STR, Ty.LIST) else b.ty
    elif op == "*":
        count = "$type({n}) = 'boolean' or ($type({n}) = 'number' and " + _int_test("{n}") + ")"
        for seq, n in (("$__l", "$__r"), ("$__r", "$__l")):
            cond = count.format(n=n)
            cases.append(f"$type({seq}) = 'string' and ({cond}) ? {_repeat_text(seq, f'$number({n})')}")
            cases.append(f"$type({seq}) = 'array' and ({cond}) ? {_repeat_list(seq, f'$number({n})')}")
        if a.ty in (Ty.STR, Ty.LIST) or b.ty in (Ty.STR, Ty.LIST):
            ty = a.ty if a.ty in (Ty.STR, Ty.LIST) else b.ty
    elif op == "%":
        cases.append(
            "$type($__l) = 'string' ? "
            + raise_(LIMIT, "printf-style formatting (str % value) is not supported; use an f-string")
        )
        ty = result_ty
    elif is_numeric(a.ty) or is_numeric(b.ty) or op in ("-", "/", "//", "**"):
        ty = result_ty
    if floats:
        ty = Ty.FLOAT  # a float operand makes a float (or a TypeError), never a string or a list
    text = " : ".join(cases) + " : " + raise_("TypeError", f"unsupported operand type(s) for {_SYMBOLS[op]}")
    return block([("$__l", a), ("$__r", b)], text, ty=ty)


def py_negative(value: Expr, op: str) -> Expr:
    """Python's unary `-x` / `+x`."""
    if value.is_const and isinstance(value.const, int | float) and not isinstance(value.const, bool):
        return Expr.literal(-value.const if op == "-" else value.const)
    ty = Ty.FLOAT if value.ty is Ty.FLOAT else Ty.NUM
    sign = "-" if op == "-" else ""
    if is_numeric(value.ty):
        negated = _same_kind(join(sign, as_number(value), ty=ty), value)
        return python_zero(_kind_of(negated, value)) if op == "-" else negated
    result = block(
        [("$__v", value)],
        f"$type($__v) in {NUMERIC_TYPES} ? {sign}$number($__v) : ",
        raise_("TypeError", f"bad operand type for unary {op}"),
        ty=ty,
    )
    negated = _same_kind(result, value)
    return python_zero(_kind_of(negated, value)) if op == "-" else negated


def _kind_of(result: Expr, operand: Expr) -> Expr:
    """`result` (-x) knowing it is a float exactly when `operand` is one."""
    if result.float_when is not None or result.ty is not Ty.NUM:
        return result
    kind = is_float_text(operand)
    if kind.parts == ("false",):
        return result
    return dataclasses.replace(result, float_when=kind)


def _same_kind(result: Expr, operand: Expr) -> Expr:
    """A result that is a float exactly when `operand` is one (-x, abs(x), round(x, n))."""
    if operand.float_when is None or result.ty is not Ty.NUM:
        return result
    return dataclasses.replace(result, float_when=operand.float_when)


def py_abs(value: Expr) -> Expr:
    ty = Ty.FLOAT if value.ty is Ty.FLOAT else Ty.NUM
    if is_numeric(value.ty):
        return _same_kind(join("$abs(", as_number(value), ")", ty=ty), value)
    result = block(
        [("$__v", value)],
        f"$type($__v) in {NUMERIC_TYPES} ? $abs($number($__v)) : ",
        raise_("TypeError", "bad operand type for abs()"),
        ty=ty,
    )
    return _same_kind(result, value)


# -- containers ---------------------------------------------------------------------------------------------


def py_len(value: Expr) -> Expr:
    if value.ty is Ty.STR:
        return join("$length(", value, ")", ty=Ty.NUM)
    if value.ty is Ty.LIST:
        return join("$count(", value, ")", ty=Ty.NUM)
    if value.ty is Ty.DICT:
        return join("$count($keys(", value, "))", ty=Ty.NUM)
    return block(
        [("$__v", value)],
        "$type($__v) = 'string' ? $length($__v) : $type($__v) = 'array' ? $count($__v) : "
        "$type($__v) = 'object' ? $count($keys($__v)) : ",
        raise_("TypeError", "object has no len()"),
        ty=Ty.NUM,
    )


def characters(text: str) -> str:
    """The characters (code points) of the string in `text`, as a list."""
    return f"[$map([0..$length({text}) - 1], function($__i) {{ $substring({text}, $__i, 1) }})]"


# A dict's keys in the order Python keeps them (insertion), or UnsupportedValueError: JSONata (as
# JavaScript) puts the keys that are decimal integers ("0", "42") first, in ascending order, so a
# dict with such a key and another key may iterate in another order than Python's.
KEY_ORDER_MESSAGE = "the order of a dict whose keys include decimal integers is not kept"


def ordered_keys(ref: str) -> str:
    """JSONata: the keys of the object in `ref`, in Python's order (see KEY_ORDER_MESSAGE)."""
    return (
        f"($__ko := [$keys({ref})]; $count($__ko) > 1 and $count($filter($__ko, function($__kk) "
        "{ $contains($__kk, /^(0|[1-9][0-9]{0,9})$/) })) > 0 ? "
        + raise_(
            LIMIT,
            KEY_ORDER_MESSAGE + ": Step Functions puts those keys first, ascending; iterate sorted(d), "
            "or use keys that are not numbers",
        )
        + " : $__ko)"
    )


def py_iter(value: Expr, ordered: bool = True) -> Expr:
    """The items Python's iteration yields: a list's items, a string's characters, a dict's keys
    (`ordered=False` where their order cannot matter: `sorted(d)`, `sum(d)`, `any(d)`)."""
    keys = ordered_keys("$__c") if ordered else "[$keys($__c)]"
    if value.ty is Ty.LIST:
        return value
    if value.ty is Ty.DICT:
        return block([("$__c", value)], keys, ty=Ty.LIST)
    if value.ty is Ty.STR:
        return block([("$__c", value)], characters("$__c"), ty=Ty.LIST)
    return block(
        [("$__c", value)],
        f"$type($__c) = 'array' ? $__c : $type($__c) = 'object' ? {keys} : "
        f"$type($__c) = 'string' ? {characters('$__c')} : ",
        raise_("TypeError", "object is not iterable"),
        ty=Ty.LIST,
    )


def fold(items: Expr, param: str, step: str | Expr, initial: str) -> Expr:
    """`$reduce` over `items` that keeps null items: each item is bound to `param` (a block
    variable, not a lambda parameter) while `step` computes the next `$__acc`."""
    return join(
        "$reduce($zip(",
        items,
        f"), function($__acc, $__p) {{ ({param} := $__p[0]; ",
        step,
        f") }}, {initial})",
    )


def wrap_item(value: Expr) -> Expr:
    """`[value]` that stays a one-item list when `value` is itself a list (JSONata flattens)."""
    if value.ty is not Ty.UNKNOWN and value.ty is not Ty.LIST:
        return join("[", value, "]")
    return block([("$__w", value)], "$type($__w) = 'array' ? [[$__w]] : [$__w]")


def py_contains(container: Expr, item: Expr) -> Expr:
    """Python's `item in container`."""
    if container.ty is Ty.STR and item.ty is Ty.STR:
        return join("$contains(", container, ", ", item, ")", ty=Ty.BOOL)
    text_case = (
        "$type($__c) = 'string' ? ($type($__i) = 'string' ? $contains($__c, $__i) : "
        + raise_("TypeError", "'in <string>' requires a string as left operand")
        + ")"
    )
    dict_case = (
        "$type($__c) = 'object' ? ($type($__i) = 'string' ? $exists($lookup($__c, $__i)) : "
        "$type($__i) in ['array', 'object'] ? " + raise_("TypeError", "unhashable type") + " : false)"
    )
    list_case = (
        "$type($__c) = 'array' ? $reduce($zip($__c), function($__r, $__p) "
        "{ $__r or $__eq({'v': $__p[0]}, {'v': $__i}) }, false)"
    )
    cases = [text_case, dict_case, list_case]
    if container.ty is Ty.LIST:
        cases = [list_case]
    elif container.ty is Ty.DICT:
        cases = [dict_case]
    elif container.ty is Ty.STR:
        cases = [text_case]
    body = " : ".join(cases) + " : " + raise_("TypeError", "argument of this type is not iterable")
    bindings = [("$__c", container), ("$__i", item)]
    if list_case in cases:
        bindings.append(("$__eq", Expr.raw(EQ_FUNCTION)))
    return block(bindings, body, ty=Ty.BOOL)


def _index(length: str, key: str) -> str:
    """The position `key` (an int) names in a sequence of `length` items, or -1."""
    return f"($__i := {key} < 0 ? {length} + {key} : {key}; $__i >= 0 and $__i < {length} ? $__i : -1)"


# Python names the sequence: "list index out of range", "string index out of range".
_LIST_INDEX_ERROR = raise_("IndexError", "list index out of range")
_TEXT_INDEX_ERROR = raise_("IndexError", "string index out of range")
_KEY_TYPE_ERROR = raise_("TypeError", "indices must be integers")


# KeyError's message is the key's repr: 'id' for a str key.
_KEY_ERROR = (
    "$error('KeyError: ' & ($type($__k) = 'string' ? \"'\" & $__k & \"'\" : "
    "$type($__k) = 'boolean' ? ($__k ? 'True' : 'False') : $type($__k) = 'null' ? 'None' : $string($__k)))"
)


def py_getitem(value: Expr, key: Expr) -> Expr:
    """Python's `value[key]`: KeyError, IndexError and TypeError where Python raises them."""
    not_subscriptable = raise_("TypeError", "object is not subscriptable")
    if key.is_const and isinstance(key.const, str):
        # d['k']: only a dict has string keys.
        missing = json.dumps(f"KeyError: {key.const!r}")
        if value.ty is Ty.DICT:
            return block(
                [("$__v", join("$lookup(", value, ", ", key, ")"))],
                f"$exists($__v) ? $__v : $error({missing})",
            )
        not_dict = json.dumps("TypeError: only a dict is indexed by a string")
        return block(
            [("$__d", value), ("$__v", Expr.raw(f"$lookup($__d, {key.text()})"))],
            f"$type($__d) = 'object' and $exists($__v) ? $__v : "
            f"$error($type($__d) = 'object' ? {missing} : {not_dict})",
            ty=Ty.UNKNOWN,
        )
    if key.is_const and isinstance(key.const, int) and not isinstance(key.const, bool):
        # xs[0], s[-1]: a literal index reads a null item too.
        k = key.const
        fits = f"$count($__d) > {k}" if k >= 0 else f"$count($__d) >= {-k}"
        item = f"({fits} ? $__d[{k}] : {_LIST_INDEX_ERROR})"
        char = f"({fits.replace('$count', '$length')} ? $substring($__d, {k}, 1) : {_TEXT_INDEX_ERROR})"
        cases = {
            Ty.LIST: [f"$type($__d) = 'array' ? {item}"],
            Ty.STR: [f"$type($__d) = 'string' ? {char}"],
        }.get(
            value.ty,
            [
                f"$type($__d) = 'array' ? {item}",
                f"$type($__d) = 'string' ? {char}",
                f"$type($__d) = 'object' ? {raise_('KeyError', str(k))}",
            ],
        )
        ty = Ty.STR if value.ty is Ty.STR else Ty.UNKNOWN
        return block([("$__d", value)], " : ".join(cases), f" : {not_subscriptable}", ty=ty)
    dict_case = (
        "$type($__d) = 'object' ? ($type($__k) = 'string' ? ($__v := $lookup($__d, $__k); "
        f"$exists($__v) ? $__v : {_KEY_ERROR}) : "
        f"$type($__k) in ['array', 'object'] ? {raise_('TypeError', 'unhashable type')} : {_KEY_ERROR})"
    )
    int_key = f"($type($__k) = 'boolean' or ($type($__k) = 'number' and {_int_test('$__k')}))"
    list_case = (
        f"$type($__d) = 'array' ? ({int_key} ? ($__j := {_index('$count($__d)', '$number($__k)')}; "
        f"$__j < 0 ? {_LIST_INDEX_ERROR} : ($zip($__d)[$__j])[0]) : {_KEY_TYPE_ERROR})"
    )
    text_case = (
        f"$type($__d) = 'string' ? ({int_key} ? ($__j := {_index('$length($__d)', '$number($__k)')}; "
        f"$__j < 0 ? {_TEXT_INDEX_ERROR} : $substring($__d, $__j, 1)) : {_KEY_TYPE_ERROR})"
    )
    cases = {Ty.DICT: [dict_case], Ty.LIST: [list_case], Ty.STR: [text_case]}.get(
        value.ty, [dict_case, list_case, text_case]
    )
    body = " : ".join(cases) + " : " + not_subscriptable
    ty = Ty.STR if value.ty is Ty.STR else Ty.UNKNOWN
    return block([("$__d", value), ("$__k", key)], body, ty=ty)


# -- conversions ------------------------------------------------------------------------------------------

_STRIP = f"/^{WHITESPACE}+|{WHITESPACE}+$/"
_INT_TEXT_PATTERN = "/^[+-]?[0-9](_?[0-9])*$/"
_FLOAT_TEXT_PATTERN = (
    "/^[+-]?([0-9](_?[0-9])*(\\.([0-9](_?[0-9])*)?)?|\\.[0-9](_?[0-9])*)([eE][+-]?[0-9](_?[0-9])*)?$/"
)
_SPECIAL_FLOAT_PATTERN = "/^[+-]?(inf|infinity|nan)$/i"
# Python reads the digits of every script ('٣' is 3); which characters those are is not decided here.
_NON_ASCII = raise_(LIMIT, "int() and float() of text with characters beyond ASCII")


# repr() of the text in $__v, as Python quotes it in messages: single quotes unless the text has a
# single quote and no double quote; backslashes, the quote and \n \r \t escaped.
_TEXT_REPR = (
    r"""($__e := $replace($replace($replace($replace($__v, '\\', '\\\\'), '\n', '\\n'), '\r', '\\r'), '\t', '\\t'); """
    r"""$contains($__v, "'") and $not($contains($__v, '"')) ? '"' & $__e & '"' : "'" & $replace($__e, "'", "\\'") & "'")"""
)


def py_int(value: Expr) -> Expr:
    """Python's int() of a number, a bool or decimal text."""
    if value.ty is Ty.BOOL:
        return as_number(value)
    truncate = "($__v < 0 ? $ceil($__v) : $floor($__v)) + 0"  # + 0: int(-0.5) is 0, not -0
    if value.ty.is_number:
        return block([("$__v", value)], truncate, ty=Ty.NUM)
    parse = (
        f"($__t := $replace($__v, {_STRIP}, ''); $contains($__t, /[^\\x00-\\x7f]/) ? {_NON_ASCII} : "
        f"$contains($__t, {_INT_TEXT_PATTERN}) ? "
        "($__n := $number($replace($replace($__t, '_', ''), '+', '')); "
        "$abs($__n) > 9007199254740991 ? "
        + raise_(LIMIT, "an integer beyond 2**53 has no exact JSON number")
        + " : $__n + 0) : "  # + 0: int('-0') is 0, not -0
        + f"$error('ValueError: invalid literal for int() with base 10: ' & {_TEXT_REPR})"
        + ")"
    )
    return block(
        [("$__v", value)],
        f"$type($__v) = 'number' ? ({truncate}) : $type($__v) = 'boolean' ? $number($__v) : "
        f"$type($__v) = 'string' ? {parse} : ",
        raise_("TypeError", "int() argument must be a string or a number"),
        ty=Ty.NUM,
    )


def py_float(value: Expr) -> Expr:
    """Python's float() of a number, a bool or decimal text (inf and nan are not JSON numbers)."""
    if value.ty.is_number or value.ty is Ty.BOOL:
        return Expr(as_number(value).parts, Ty.FLOAT, time_dependent=value.time_dependent)
    parse = (
        f"($__t := $replace($__v, {_STRIP}, ''); $contains($__t, /[^\\x00-\\x7f]/) ? {_NON_ASCII} : "
        f"$contains($__t, {_FLOAT_TEXT_PATTERN}) ? "
        "($__u := $replace($__t, '_', ''); $__u := $substring($__u, 0, 1) = '+' ? $substring($__u, 1) : $__u; "
        "$__u := $substring($__u, 0, 1) = '.' ? '0' & $__u : "
        "$substring($__u, 0, 2) = '-.' ? '-0' & $substring($__u, 1) : $__u; "
        "$__u := $contains($__u, /\\.$/) ? $__u & '0' : $replace($replace($__u, '.e', '.0e'), '.E', '.0E'); "
        "$number($__u)) : $contains($__t, "
        + _SPECIAL_FLOAT_PATTERN
        + ") ? "
        + raise_(LIMIT, "inf and nan are not JSON numbers")
        + " : "
        + raise_("ValueError", "could not convert string to float")
        + ")"
    )
    return block(
        [("$__v", value)],
        f"$type($__v) in {NUMERIC_TYPES} ? $number($__v) : $type($__v) = 'string' ? {parse} : ",
        raise_("TypeError", "float() argument must be a string or a real number"),
        ty=Ty.FLOAT,
    )


_TOO_BIG_TEXT = raise_(LIMIT, "a number of 10**21 or more has no exact fixed-point text here")


def _decimals(places: Expr) -> list[tuple[str, Expr]]:
    """Bindings for `$__P` = 10**places (places an int 0..15)."""
    if places.is_const and isinstance(places.const, int) and not isinstance(places.const, bool):
        if not -15 <= places.const <= 15:
            return [("$__P", Expr.raw(raise_(LIMIT, "round() here takes -15 to 15 digits")))]
        if places.const < 0:
            return [("$__P", Expr.raw(repr(-float(10**-places.const))))]
        return [("$__P", Expr.raw(repr(float(10**places.const))))]
    check = (
        "($__np := $number($__n); $__np < -15 or $__np > 15 ? "
        + raise_(LIMIT, "round() here takes -15 to 15 digits")
        + " : $__np < 0 ? -$number('1e' & -$__np) : $number('1e' & $__np))"
    )
    return [
        *([] if places.text() == "$__n" else [("$__n", places)]),
        (
            "$__P",
            Expr.raw(
                "$type($__n) = 'boolean' or ($type($__n) = 'number' and $__n = $floor($__n)) ? "
                + check
                + " : "
                + raise_("TypeError", "the number of digits must be an integer")
            ),
        ),
    ]


def _fixed_text(grouping: bool) -> str:
    """sign, integer digits and `$__P`'s decimals of `$__x`, rounded as Python's format() does."""
    picture = "'#,##0'" if grouping else "'0'"
    return (
        f"($__ax := $abs($__x); $__ax >= 1e21 ? {_TOO_BIG_TEXT} : ($__r := {_ROUND_DIGITS_TEXT}; "
        f"({negative_text('$__x')} ? '-' : '') & $formatNumber($__r[0], {picture}) & "
        "($__P = 1 ? '' : '.' & $pad($formatNumber($__r[1], '0'), 1 - $length($formatNumber($__P, '0')), '0'))))"
    )


def py_round(value: Expr, places: Expr | None) -> Expr:
    """Python's round(x) and round(x, n) (0 <= n <= 15): round(x, n) of a float is a float."""
    result = _round(value, places)
    if places is None or (places.is_const and places.const is None) or result.ty is not Ty.NUM:
        return result
    kind = is_float_text(value)
    if kind.parts == ("false",):
        return result
    if not places.is_const:
        kind = join("(", kind, ") and $type(", places, ") != 'null'", ty=Ty.BOOL)
    return dataclasses.replace(result, float_when=kind)


def _round(value: Expr, places: Expr | None) -> Expr:
    number_check = f"$type($__x) in {NUMERIC_TYPES} ? "
    not_number = raise_("TypeError", "type doesn't define __round__")
    if places is None:
        if is_numeric(value.ty):
            return join("$round(", as_number(value), ")", ty=Ty.NUM)
        return block([("$__x", value)], number_check, "$round($number($__x)) : ", not_number, ty=Ty.NUM)
    if places.is_const and places.const is None:
        return _round(value, None)
    # A negative `$__P` is -10**k for round(x, -k): an int rounds half-even to multiples of 10**k.
    to_tens = (
        f"({_int_test('$__x')} ? ($__t := -$__P; $__r := $__x % $__t; $__r := $__r < 0 ? $__r + $__t : $__r; "
        "$__b := $__x - $__r; $__q := $__r * 2 > $__t or ($__r * 2 = $__t and ($__b / $__t) % 2 != 0) ? $__b + $__t : $__b; "
        "$abs($__q) > 9007199254740991 ? "
        + raise_(LIMIT, "an integer beyond 2**53 has no exact JSON number")
        + " : $__q) : "
        + raise_(LIMIT, "round() of a float to negative digits")
        + ")"
    )
    rounded = (
        f"($__x := $number($__x); $__ax := $abs($__x); $__P < 0 ? {to_tens} : "
        f"{_int_test('$__x')} or $__ax >= 4503599627370496 ? $__x : "
        f"($__r := {_ROUND_DIGITS_TEXT}; $number(({negative_text('$__x')} ? '-' : '') & $formatNumber($__r[0], '0') & "
        "($__P = 1 ? '' : '.' & $pad($formatNumber($__r[1], '0'), 1 - $length($formatNumber($__P, '0')), '0')))))"
    )
    ty = Ty.FLOAT if value.ty is Ty.FLOAT else Ty.NUM
    if places.is_const:
        return block([("$__x", value), *_decimals(places)], number_check, rounded, " : ", not_number, ty=ty)
    # round(x, None) is round(x).
    return block(
        [("$__x", value), ("$__n", places)],
        number_check,
        "($type($__n) = 'null' ? $round($number($__x)) : ",
        block(_decimals(Expr.raw("$__n")), rounded),
        ") : ",
        not_number,
        ty=ty,
    )


def py_format(value: Expr, spec: str) -> Expr | None:
    """format(value, spec) for the specs ',', 'd', ',d', '.Nf', ',.Nf', '%', '.N%', ',.N%'; None
    for another spec. A percentage is the number times 100 (a float product, as Python makes it)
    in fixed notation (6 places unless given) followed by '%'."""
    import re

    m = re.fullmatch(r"(,?)(?:\.(\d+)([f%])|(d)|(%))?", spec)
    if m is None or not spec or (m.group(2) is not None and int(m.group(2)) > 15):
        return None
    grouping, places, integer = bool(m.group(1)), m.group(2), m.group(4)
    percent = m.group(3) == "%" or m.group(5) is not None
    if percent and places is None:
        places = "6"
    picture = "'#,##0'" if grouping else "'0'"
    not_number = (
        "$type($__x) = 'string' ? "
        + raise_("ValueError", f"Unknown format code for a string: {spec!r}")
        + " : "
        + raise_("TypeError", f"unsupported format string {spec!r}")
    )
    if places is not None and percent:
        body = f"($__x := $number($__x) * 100; {_fixed_text(grouping)} & '%')"
        bindings = [("$__P", Expr.raw(repr(float(10 ** int(places)))))]
    elif places is not None:
        body = f"($__x := $number($__x); {_fixed_text(grouping)})"
        bindings = [("$__P", Expr.raw(repr(float(10 ** int(places)))))]
    elif integer:
        body = (
            f"($__x := $number($__x); {_int_test('$__x')} ? $formatNumber($__x, {picture}) : "
            + raise_("ValueError", "Unknown format code 'd' for object of type 'float'")
            + ")"
        )
        bindings = []
    else:
        # ',' alone: the text str() gives, with the integer digits grouped.
        fraction_text = _FRACTION_TEXT.replace("$__n", "$__a")
        body = (
            f"($__x := $number($__x); $__a := $abs($__x); ($__x < 0 ? '-' : '') & "
            f"({_int_test('$__a')} ? $formatNumber($__a, '#,##0') : "
            f"$__a = $floor($__a) ? ($__a < 1e16 ? $formatNumber($__a, '#,##0') & '.0' : {_TOO_BIG_TEXT}) : "
            f"($__t := {fraction_text}; $__s := $split($__t, '.'); "
            "$formatNumber($number($__s[0]), '#,##0') & '.' & $__s[1])))"
        )
        bindings = []
        float_body = (
            f"($__x := $number($__x); $__a := $abs($__x); ({negative_text('$__x')} ? '-' : '') & "
            f"($__a = $floor($__a) ? ($__a < 1e16 ? $formatNumber($__a, '#,##0') & '.0' : {_TOO_BIG_TEXT}) : "
            f"($__t := {fraction_text}; $__s := $split($__t, '.'); "
            "$formatNumber($number($__s[0]), '#,##0') & '.' & $__s[1])))"
        )
        if value.ty is Ty.FLOAT:
            body = float_body
    # A number of unknown kind made by arithmetic: its kind decides (`f"{0.5 + 0.5:,}"` is "1.0").
    by_kind: list[Part] = [body]
    if value.float_when is not None and value.ty is not Ty.FLOAT and places is None:
        float_case = (
            float_body
            if not integer
            else raise_("ValueError", "Unknown format code 'd' for object of type 'float'")
        )
        int_case = f"($__x := $number($__x); {exact_int_text('$__x', picture)})"
        by_kind = ["((", value.float_when, f") ? {float_case} : {int_case})"]
    if is_numeric(value.ty):
        return block([("$__x", value), *bindings], *by_kind, ty=Ty.STR)
    return block(
        [("$__x", value), *bindings],
        f"$type($__x) in {NUMERIC_TYPES} ? ",
        *by_kind,
        f" : {not_number}",
        ty=Ty.STR,
    )


# -- builtins over iterables ----------------------------------------------------------------------------


def py_sum(items: Expr) -> Expr:
    """Python's sum() of an iterable (numbers and booleans, left to right)."""
    step = f"$type($__x) in {NUMERIC_TYPES} ? $__acc + $number($__x) : " + raise_(
        "TypeError", "unsupported operand type(s) for +"
    )
    return join(fold(items, "$__x", step, "0"), ty=Ty.NUM)


def py_minmax(items: Expr, is_max: bool) -> Expr:
    """Python's min()/max() of the items: the first smallest (largest); ValueError when empty."""
    better = "$__lt($__acc, {'v': $__x})" if is_max else "$__lt({'v': $__x}, $__acc)"
    step = f"$exists($__acc.v) ? ({better} ? {{'v': $__x}} : $__acc) : {{'v': $__x}}"
    name = "max" if is_max else "min"
    return _with_functions(
        ("$__eq", "$__lt"),
        "$__best := ",
        fold(items, "$__x", step, "{}"),
        "; $exists($__best.v) ? $__best.v : ",
        raise_("ValueError", f"{name}() arg is an empty sequence"),
        ty=Ty.UNKNOWN,
    )


def py_any_all(items: Expr, is_any: bool) -> Expr:
    test = truthy_text("$__x")
    step = f"$__acc or {test}" if is_any else f"$__acc and {test}"
    return join(fold(items, "$__x", step, "false" if is_any else "true"), ty=Ty.BOOL)


def truthy_text(ref: str) -> str:
    """Python truthiness of the value in the variable `ref`."""
    return f"($type({ref}) = 'array' ? $count({ref}) > 0 : $boolean({ref}))"


def py_sorted(items: Expr, reverse: bool) -> Expr:
    """Python's sorted(): stable, in Python's order (TypeError for values it cannot compare).

    Items are boxed with their position, and equal items are ordered by it, so the comparator is
    a strict order and every implementation of `$sort` returns the same (stable) list."""
    boxes = fold(items, "$__x", "$append($__acc, {'v': $__x, 'i': $count($__acc)})", "[]")
    first, second = ("$__a", "$__b") if reverse else ("$__b", "$__a")
    after = f"$__lt({first}, {second}) or ($not($__lt({second}, {first})) and $__a.i > $__b.i)"
    unbox = "$reduce($__sorted, function($__acc, $__b) { $append($__acc, ($__w := $__b.v; "
    unbox += "$type($__w) = 'array' ? [[$__w]] : [$__w])) }, [])"
    return _with_functions(
        ("$__eq", "$__lt"),
        "$__sorted := [$sort(",
        boxes,
        f", function($__a, $__b) {{ {after} }})]; {unbox}",
        ty=Ty.LIST,
    )


def py_dict(value: Expr) -> Expr:
    """Python's dict() of a dict (a copy) or of an iterable of pairs (2-item lists or 2-character strings)."""
    if value.ty is Ty.DICT:
        return value
    pair = (
        "($__kv := $type($__x) = 'string' ? " + characters("$__x") + " : $__x; "
        "$type($__kv) != 'array' ? "
        + raise_("TypeError", "cannot convert dictionary update sequence element to a sequence")
        + " : $count($__kv) != 2 ? "
        + raise_("ValueError", "dictionary update sequence element has length other than 2")
        + " : $type($__kv[0]) != 'string' ? "
        + raise_(LIMIT, "dict keys must be strings (JSON object keys)")
        + " : $merge([$__acc, {$__kv[0]: $__kv[1]}]))"
    )
    return block(
        [("$__v", value)],
        "$type($__v) = 'object' ? $__v : $type($__v) in ['array', 'string'] ? ",
        fold(py_iter(Expr.raw("$__v")), "$__x", pair, "{}"),
        " : ",
        raise_("TypeError", "object is not iterable"),
        ty=Ty.DICT,
    )


def py_range(start: Expr, stop: Expr) -> Expr:
    """range(start, stop) as a list (integers only; at most 10**7 items)."""
    bounds = (start.const, stop.const) if start.is_const and stop.is_const else None
    if bounds and all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
        first, last = bounds
        if last - first <= 1000:  # a short literal list: nothing left to check at run time
            return Expr.literal(list(range(first, last)))
    check = (
        "$type({v}) = 'boolean' or ($type({v}) = 'number' and {v} = $floor({v})) ? $number({v}) : "
        + raise_("TypeError", "range() needs integers")
    )
    return block(
        [
            ("$__a0", start),
            ("$__b0", stop),
            ("$__a", Expr.raw(check.format(v="$__a0"))),
            ("$__b", Expr.raw(check.format(v="$__b0"))),
        ],
        "$__b - $__a > 10000000 ? ",
        _TOO_LONG,
        " : $__b > $__a ? [$__a..($__b - 1)] : []",
        ty=Ty.LIST,
    )


# -- methods ------------------------------------------------------------------------------------------------


def _method(
    obj: Expr,
    json_type: str,
    python_type: str,
    method: str,
    body: Part,
    ty: Ty,
    args: list[tuple[str, Expr]] | None = None,
) -> Expr:
    """`obj.method(args)`: `body` (reading `$__o` and the `args` bindings, evaluated after the
    method is found, as in Python) when obj is of `json_type`, else AttributeError."""
    error = raise_("AttributeError", f"object has no attribute '{method}' (only {python_type} has)")
    inner = block(args, body) if args else join("(", body, ")")
    if obj.ty is Ty.UNKNOWN:
        return block([("$__o", obj)], f"$type($__o) = '{json_type}' ? ", inner, f" : {error}", ty=ty)
    expected = {"string": Ty.STR, "array": Ty.LIST, "object": Ty.DICT}[json_type]
    if obj.ty is expected:
        return block([("$__o", obj)], inner, ty=ty)
    return join(error, ty=ty)


def str_method(obj: Expr, method: str, args: list[Expr], tuple_arg: bool = False) -> Expr | None:
    """str methods; None when `method` is not one of them. `tuple_arg`: the argument is a tuple
    display (startswith/endswith take a tuple, not a list)."""
    strip = {"strip": _STRIP, "lstrip": f"/^{WHITESPACE}+/", "rstrip": f"/{WHITESPACE}+$/"}
    if method in ("upper", "lower") and not args:
        return _method(obj, "string", "str", method, f"${method}case($__o)", Ty.STR)
    if method in strip and not args:
        return _method(obj, "string", "str", method, f"$replace($__o, {strip[method]}, '')", Ty.STR)
    if method in ("startswith", "endswith") and len(args) == 1:
        test = (
            "$substring($__o, 0, $length($__t)) = $__t"
            if method == "startswith"
            else "$length($__o) >= $length($__t) and $substring($__o, $length($__o) - $length($__t)) = $__t"
        )
        body = (
            "$type($__a) = 'string' ? ($__t := $__a; "
            + test
            + f") : {'true' if tuple_arg else 'false'} and $type($__a) = 'array' ? "
            "$reduce($zip($__a), function($__r, $__p) { $__r or ($__t := $__p[0]; $type($__t) = 'string' ? ("
            + test
            + ") : "
            + raise_("TypeError", f"{method} first arg must be str or a tuple of str")
            + ") }, false) : "
            + raise_("TypeError", f"{method} first arg must be str or a tuple of str")
        )
        return _method(obj, "string", "str", method, body, Ty.BOOL, [("$__a", args[0])])
    if method == "split" and len(args) <= 1:
        whitespace = f"($__t := $replace($__o, {_STRIP}, ''); $__t = '' ? [] : $split($__t, /{WHITESPACE}+/))"
        if not args or (args[0].is_const and args[0].const is None):
            return _method(obj, "string", "str", method, whitespace, Ty.LIST)
        body = (
            f"$type($__a) = 'null' ? {whitespace} : $type($__a) != 'string' ? "
            + raise_("TypeError", "must be str or None")
            + " : $__a = '' ? "
            + raise_("ValueError", "empty separator")
            + " : $split($__o, $__a)"
        )
        return _method(obj, "string", "str", method, body, Ty.LIST, [("$__a", args[0])])
    if method == "replace" and len(args) == 2:
        body = (
            "$__a = '' ? ($length($__o) = 0 ? $__b : $__b & $join("
            + characters("$__o")
            + ", $__b) & $__b) : $join($split($__o, $__a), $__b)"
        )
        checked = (
            "$type($__a) != 'string' ? "
            + raise_("TypeError", "replace() argument 1 must be str")
            + " : $type($__b) != 'string' ? "
            + raise_("TypeError", "replace() argument 2 must be str")
            + f" : ({body})"
        )
        return _method(obj, "string", "str", method, checked, Ty.STR, [("$__a", args[0]), ("$__b", args[1])])
    if method == "count" and len(args) == 1:
        text = (
            "$type($__a) = 'string' ? ($__a = '' ? $length($__o) + 1 : $count($split($__o, $__a)) - 1) : "
            + raise_("TypeError", "must be str")
        )
        same = "$__p[0] = $__a" if _is_text_or_none(args[0]) else "$__eq({'v': $__p[0]}, {'v': $__a})"
        items = f"$reduce($zip($__o), function($__r, $__p) {{ $__r + ({same} ? 1 : 0) }}, 0)"
        error = raise_("AttributeError", "object has no attribute 'count'")
        return _with_functions(
            () if _is_text_or_none(args[0]) else ("$__eq",),
            "$__o := ",
            obj,
            "; $__a := ",
            args[0],
            f"; $type($__o) = 'string' ? ({text}) : $type($__o) = 'array' ? {items} : {error}",
            ty=Ty.NUM,
        )
    return None


def py_join(separator: Expr, items: Expr) -> Expr:
    """`separator.join(items)`: a str separator and an iterable of str."""
    check = (
        "$reduce($zip($__i), function($__r, $__p) { $__r and $type($__p[0]) = 'string' }, true) ? "
        "$join($__i, $__o) : " + raise_("TypeError", "sequence item: expected str instance")
    )
    return _method(separator, "string", "str", "join", block([("$__i", py_iter(items))], check), Ty.STR)


def dict_method(obj: Expr, method: str, args: list[Expr]) -> Expr | None:
    """dict methods; None when `method` is not one of them."""
    if method == "get" and 1 <= len(args) <= 2:
        default = paren(args[1]) if len(args) == 2 else Expr.literal(None)
        body = (
            "$type($__k) = 'string' ? ($__v := $lookup($__o, $__k); $exists($__v) ? $__v : $__dflt) : "
            "$type($__k) in ['array', 'object'] ? " + raise_("TypeError", "unhashable type") + " : $__dflt"
        )
        return _method(
            obj, "object", "dict", method, body, Ty.UNKNOWN, [("$__k", args[0]), ("$__dflt", default)]
        )
    if method == "keys" and not args:
        return _method(obj, "object", "dict", method, ordered_keys("$__o"), Ty.LIST)
    if method == "values" and not args:
        body = (
            f"$reduce({ordered_keys('$__o')}, function($__acc, $__k) {{ $append($__acc, ($__w := $lookup($__o, $__k); "
            "$type($__w) = 'array' ? [[$__w]] : [$__w])) }, [])"
        )
        return _method(obj, "object", "dict", method, body, Ty.LIST)
    if method == "items" and not args:
        body = (
            f"$reduce({ordered_keys('$__o')}, function($__acc, $__k) {{ ($__w := $lookup($__o, $__k); "
            "$__pair := $append([$__k], $type($__w) = 'array' ? [[$__w]] : [$__w]); "
            "$append($__acc, [[$__pair]])) }, [])"
        )
        return _method(obj, "object", "dict", method, body, Ty.LIST)
    return None


def copy_method(obj: Expr) -> Expr:
    if obj.ty in (Ty.LIST, Ty.DICT):
        return obj
    return block(
        [("$__o", obj)],
        "$type($__o) in ['array', 'object'] ? $__o : ",
        raise_("AttributeError", "object has no attribute 'copy'"),
        ty=obj.ty,
    )


# -- statements that change a list or dict -------------------------------------------------------------


def appended(current: Expr, item: Expr) -> Expr:
    """The list after `xs.append(item)`."""
    body = "$append($__o, " + _wrap_text("$__n") + ")"
    return _method(current, "array", "list", "append", body, Ty.LIST, [("$__n", item)])


def list_method(current: Expr, method: str, result: Expr) -> Expr:
    """The list after `xs.<method>(...)`, whose new value is `result` (read from `xs` itself):
    AttributeError first when xs is not a list."""
    return _method(current, "array", "list", method, result, Ty.LIST)


def _wrap_text(ref: str) -> str:
    return f"($type({ref}) = 'array' ? [[{ref}]] : [{ref}])"


def extended(current: Expr, items: Expr) -> Expr:
    """The list after `xs.extend(items)`."""
    body = block([("$__n", py_iter(items))], "$append($__o, $__n)")
    return _method(current, "array", "list", "extend", body, Ty.LIST)


def updated(current: Expr, other: Expr) -> Expr:
    """The dict after `d.update(other)`."""
    body = block([("$__n", py_dict(other))], "$merge([$__o, $__n])")
    return _method(current, "object", "dict", "update", body, Ty.DICT)


def item_set(current: Expr, key: Expr, value: Expr) -> Expr:
    """The dict after `d[key] = value` (a str key: JSON object keys are strings)."""
    key_check = (
        "$type($__k) = 'string' ? $__k : $type($__k) in ['array', 'object'] ? "
        + raise_("TypeError", "unhashable type")
        + " : "
        + raise_(LIMIT, "dict keys must be strings (JSON object keys)")
    )
    body = "$type($__o) = 'object' ? $merge([$__o, {$__key: $__n}]) : " + raise_(
        "TypeError", "object does not support item assignment"
    )
    # Python evaluates the value first, then the dict and the key.
    return block(
        [("$__n", value), ("$__o", current), ("$__k", key), ("$__key", Expr.raw(key_check))], body, ty=Ty.DICT
    )


def timedelta_text(seconds: Expr) -> Expr:
    """Python's str() of a timedelta held as seconds: `[-]D day[s], H:MM:SS[.ffffff]`."""
    pad = "$substring($formatNumber({v} + {p}, '0'), 1)"
    return block(
        [("$__u", join("$round(", seconds, " * 1000000)"))],
        "$__days := $floor($__u / 86400000000); $__rem := $__u - $__days * 86400000000; ",
        "$__secs := $floor($__rem / 1000000); $__us := $__rem - $__secs * 1000000; ",
        "($__days != 0 ? $formatNumber($__days, '0') & ($abs($__days) = 1 ? ' day, ' : ' days, ') : '') & ",
        "$formatNumber($floor($__secs / 3600), '0') & ':' & ",
        pad.format(v="$floor(($__secs % 3600) / 60)", p="100"),
        " & ':' & ",
        pad.format(v="$__secs % 60", p="100"),
        " & ($__us != 0 ? '.' & ",
        pad.format(v="$__us", p="1000000"),
        " : '')",
        ty=Ty.STR,
    )


# -- datetimes --------------------------------------------------------------------------------------------

_ISO_UTC = "/^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,6})?)?(Z|[+-]00:00)$/"


def datetime_text(value: Expr, separator: str) -> Expr:
    """Python's isoformat() (separator 'T') or str() (' ') of an aware UTC datetime: `+00:00`,
    microseconds only when not zero. A datetime travels in Step Functions' form (`...000Z`)."""
    whole = f"'[Y0001]-[M01]-[D01]{separator}[H01]:[m01]:[s01]+00:00'"
    fraction = f"'[Y0001]-[M01]-[D01]{separator}[H01]:[m01]:[s01].[f001]000+00:00'"
    return block(
        [("$__m", join("$toMillis(", value, ")"))],
        f"$fromMillis($__m, $__m % 1000 = 0 ? {whole} : {fraction})",
        ty=Ty.STR,
    )


# json.loads, checked before `$parse` (a failed `$parse` is no Python error, so no `except` would
# catch it): the text's tokens become one character each (\x01 a string, \x02 a number or
# literal, \x03 NaN/Infinity), whitespace between them goes, and arrays and objects of tokens are
# folded into \x02 from the innermost out; JSON is what folds into a single token. The text may
# not hold \x01-\x03 itself (a control character, which JSON refuses anywhere).
# (A backslash is \\x5c and a slash \\x2f: jsonata-js ends a regular expression at a slash outside
# brackets, counting brackets not preceded by a backslash.)
_JSON_STRING = '/"(?:[^"\\x5c\\x00-\\x1f]|\\x5c["\\x5c\\x2fbfnrt]|\\x5cu[0-9a-fA-F]{4})*"/'
_JSON_NUMBER = "/-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/"
_JSON_FOLD = (
    "function($__s) { ($__n := $replace($replace($__s, /\\[(?:[\\x01-\\x03](?:,[\\x01-\\x03])*)?\\]/, "
    '"\\u0002"), /\\{(?:\\x01:[\\x01-\\x03](?:,\\x01:[\\x01-\\x03])*)?\\}/, "\\u0002"); '
    "$__n = $__s ? $__s : $__fold($__n)) }"
)


def py_json_loads(text: Expr) -> Expr:
    """json.loads(text): the value, JSONDecodeError (a ValueError) for text that is not JSON,
    UnsupportedValueError for NaN and Infinity (not JSON numbers)."""
    tokens = (
        f'$replace($replace($replace($replace($__t, {_JSON_STRING}, "\\u0001"), {_JSON_NUMBER}, '
        '"\\u0002"), /true|false|null/, "\\u0002"), /-?Infinity|NaN/, "\\u0003")'
    )
    check = (
        "$type($__t) != 'string' ? "
        + raise_("TypeError", "the JSON object must be str, bytes or bytearray")
        + " : $contains($__t, /[\\x01-\\x03]/) ? "
        + raise_("JSONDecodeError", "Invalid control character")
        + f" : ($__k := $replace({tokens}, /[ \\t\\n\\r]+/, ''); $__fold := {_JSON_FOLD}; "
        "$not($contains($__fold($__k), /^[\\x01-\\x03]$/)) ? "
        + raise_("JSONDecodeError", "the text is not a JSON document")
        + ' : $contains($__k, "\\u0003") ? '
        + raise_(LIMIT, "inf and nan are not JSON numbers")
        + " : $parse($__t))"
    )
    return block([("$__t", text)], check)


def py_fromisoformat(text: Expr) -> Expr:
    """datetime.fromisoformat(text) for UTC texts (`Z`, `+00:00`), as a Step Functions timestamp.

    Other offsets and naive texts are refused at run time: Python keeps their offset (or its
    absence) in the value, which a timestamp cannot carry."""
    check = (
        "$type($__t) != 'string' ? "
        + raise_("TypeError", "fromisoformat: argument must be str")
        + f" : $not($contains($__t, {_ISO_UTC})) ? "
        + raise_(LIMIT, "only UTC timestamps (ending in Z or +00:00) are supported")
        + " : $contains($__t, /\\.[0-9]{3}[1-9]|\\.[0-9]{4}[1-9]|\\.[0-9]{5}[1-9]/) ? "
        + raise_(LIMIT, "a timestamp holds milliseconds, not microseconds")
        + " : $fromMillis($toMillis($substring($__t, 0, 10) & 'T' & $substring($__t, 11)))"
    )
    return block([("$__t", text)], check, ty=Ty.DATETIME)


# What `$fromMillis` writes for a datetime's fields, and where each starts in that text.
_FIELDS_PICTURE = "'[Y0001]-[M01]-[D01] [H01]:[m01]:[s01]'"
DATETIME_FIELDS = {
    "year": (0, 4),
    "month": (5, 2),
    "day": (8, 2),
    "hour": (11, 2),
    "minute": (14, 2),
    "second": (17, 2),
}


def datetime_field(value: Expr, field: str) -> Expr:
    """`dt.year` ... `dt.second`, and `dt.microsecond` (a timestamp holds milliseconds)."""
    if field == "microsecond":
        return block(
            [("$__m", join("$toMillis(", value, ")"))], "($__m % 1000 + 1000) % 1000 * 1000", ty=Ty.NUM
        )
    start, length = DATETIME_FIELDS[field]
    return block(
        [("$__m", join("$toMillis(", value, ")"))],
        f"$number($substring($fromMillis($__m, {_FIELDS_PICTURE}), {start}, {length}))",
        ty=Ty.NUM,
    )


def datetime_method(value: Expr, method: str) -> Expr:
    """`dt.weekday()` (Monday 0), `dt.isoweekday()` (Monday 1) and `dt.timestamp()` (seconds, a
    float): from the milliseconds since 1970-01-01, a Thursday."""
    millis = join("$toMillis(", value, ")")
    if method == "timestamp":
        return join("(", millis, " / 1000)", ty=Ty.FLOAT)
    body = "(($floor($__m / 86400000) + 3) % 7 + 7) % 7" + (" + 1" if method == "isoweekday" else "")
    return block([("$__m", millis)], body, ty=Ty.NUM)


def datetime_shift(value: Expr, seconds: Expr, sign: str) -> Expr:
    """A datetime plus or minus a timedelta; OverflowError outside years 1 to 9999, as in Python.
    A timestamp holds milliseconds: a shift with microseconds in it fails."""
    return block(
        [("$__us", join("$round(", seconds, " * 1000000)"))],
        "$__us % 1000 != 0 ? ",
        raise_(LIMIT, "a timestamp holds milliseconds, not microseconds"),
        " : ",
        block(
            [("$__m", join("$toMillis(", value, f") {sign} $__us / 1000"))],
            "$__m < -62135596800000 or $__m > 253402300799999 ? ",
            raise_("OverflowError", "date value out of range"),
            " : $fromMillis($__m)",
        ),
        ty=Ty.DATETIME,
    )


def mapping(value: Expr) -> Expr:
    """`value` where Python requires a dict (`{**value}`): TypeError for anything else."""
    if value.ty is Ty.DICT:
        return value
    return block(
        [("$__m", value)],
        "$type($__m) = 'object' ? $__m : ",
        raise_("TypeError", "argument after ** must be a mapping"),
        ty=Ty.DICT,
    )
