"""Known differences between jsonata-js and our evaluators, each with its explanation.

A `Cause` names one root cause, says whose it is (`verdict`) and recognises its differences
(`matches`). The harness explains each difference by the first cause that matches; a difference
no cause matches is reported as UNEXPLAINED. Predicates are narrow on purpose: each one was
written from the differences it names, checked by hand on jsonata-js 2.0.6.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from tests.engine.jsonata_js.node import Outcome, same_json

if TYPE_CHECKING:
    from tests.engine.jsonata_js.sources import Case

Verdict = Literal["our bug", "jsonata-python bug", "jsonatapy bug", "jsonata-js bug", "accepted"]


@dataclass(frozen=True)
class Cause:
    name: str
    verdict: Verdict
    explanation: str
    matches: Callable[[Case, Outcome, Outcome], bool]
    evaluators: tuple[str, ...] = ("jsonata-python", "jsonatapy")  # whose differences it explains


# Codes jsonata-python reports for a Python exception that escaped its evaluator (the engine
# prefixes the exception's class name), and its own catch-all.
PYTHON_EXCEPTIONS = {
    "ValueError",
    "TypeError",
    "ZeroDivisionError",
    "InvalidOperation",
    "RuntimeError",
    "AttributeError",
    "KeyError",
    "IndexError",
    "OverflowError",
    "RecursionError",
    "Unexpected",
}
TYPE_ERRORS = {
    "T1003",
    "T0410",
    "T0411",
    "T0412",
    "T2001",
    "T2002",
    "T2003",
    "T2004",
    "T2009",
    "T2010",
    "D1002",
    "D3030",
}


def js_number_text(x: float) -> str:
    """A number as JavaScript's Number#toString writes it (what jsonata-js's $string uses)."""
    if x == int(x) and abs(x) < 1e21:
        return str(int(x))
    text = repr(x)
    if 1e-6 <= abs(x) < 1e21:
        return format(Decimal(text), "f")
    mantissa, _, exponent = text.partition("e")
    power = int(exponent)
    return f"{mantissa}e{'+' if power > 0 else '-'}{abs(power)}"


def _values(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, list):
        for v in value:
            yield from _values(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _values(v)


def _numbers_render_differently(case: Case) -> bool:
    """Bindings hold a float that Python's repr and JavaScript write differently (3.0, 1e+16, 1e-07)."""
    return any(
        isinstance(v, float) and math.isfinite(v) and repr(v) != js_number_text(v)
        for v in _values(case.bindings)
    )


def _non_ascii_in_structure(case: Case) -> bool:
    return any(
        isinstance(v, list | dict) and any(isinstance(x, str) and not x.isascii() for x in _values(v))
        for v in _values(case.bindings)
    )


def _holds_null(case: Case) -> bool:
    return any(v is None for v in _values(case.bindings))


STRINGIFIES = re.compile(r"\$string\(|&|\$join\(")
SEQUENCE_FUNCTIONS = re.compile(
    r"\$(count|map|filter|reduce|sort|append|reverse|join|sum|max|min|each|keys)\("
)


def _unescaped(value: Any) -> Any:
    """Strings with `\\uXXXX` escapes (surrogate pairs included) turned back into characters."""
    if isinstance(value, str):
        text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), value)
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    if isinstance(value, list):
        return [_unescaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _unescaped(v) for k, v in value.items()}
    return value


def _python_exception(case: Case, js: Outcome, ours: Outcome) -> bool:
    return ours.kind == "error" and ours.code in PYTHON_EXCEPTIONS


def _holds_boolean(case: Case) -> bool:
    return (
        any(isinstance(v, bool) for v in _values(case.bindings))
        or re.search(r"\b(true|false)\b", case.expression) is not None
    )


def _bool_as_number(case: Case, js: Outcome, ours: Outcome) -> bool:
    if not _holds_boolean(case):
        return False
    if js.kind == ours.kind == "value":
        return re.search(r"\bin\b|=|\$sort\(", case.expression) is not None
    return js.kind == "error" and js.code in ("D3070", "T2009", "T2010") and ours.kind == "value"


def _escaped_unicode(case: Case, js: Outcome, ours: Outcome) -> bool:
    if js.kind != "value" or ours.kind != "value":
        return False
    if "\\u" in repr(ours.value) and same_json(js.value, _unescaped(ours.value)):
        return True
    # The escapes change a string's length or hash, which an expression may go on to use.
    return _non_ascii_in_structure(case) and STRINGIFIES.search(case.expression) is not None


def _number_text(case: Case, js: Outcome, ours: Outcome) -> bool:
    return (
        js.kind == ours.kind == "value"
        and _numbers_render_differently(case)
        and STRINGIFIES.search(case.expression) is not None
    )


def _null_as_nothing(case: Case, js: Outcome, ours: Outcome) -> bool:
    if not _holds_null(case) or (js.kind == "error" and ours.kind == "error"):
        return False
    if js.kind == "value" and js.value is None and ours.kind == "undefined":
        return True  # a null item read by index or path: $items[$i] where the item is null
    # The empty sequence then flows on: into $sum, into the expression's own $error, ...
    return SEQUENCE_FUNCTIONS.search(case.expression) is not None


def _number_grammar(case: Case, js: Outcome, ours: Outcome) -> bool:
    if js.kind != "error" or js.code != "D3030" or ours.code == "D3030":
        return False
    m = re.search(r'Unable to cast value to a number: ("(?:[^"\\]|\\.)*")', js.message)
    if m is None:
        return False
    try:
        float(json.loads(m.group(1)))
    except ValueError:
        return False
    return True


def _format_number_ties(case: Case, js: Outcome, ours: Outcome) -> bool:
    return "$formatNumber(" in case.expression and js.kind == ours.kind == "value"


def _format_number_exponent(case: Case, js: Outcome, ours: Outcome) -> bool:
    return (
        "$formatNumber(" in case.expression
        and js.kind == ours.kind == "value"
        and isinstance(js.value, str)
        and re.search(r"e,?[+-]|NaN|Infinity", js.value) is not None
    )


def close_json(a: Any, b: Any, rel: float = 1e-12) -> bool:
    """Equal but for numbers within `rel` of each other (a last-bit difference of doubles)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a == b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=rel)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close_json(x, y, rel) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close_json(a[k], b[k], rel) for k in a)
    return bool(a == b)


def _round_large(case: Case, js: Outcome, ours: Outcome) -> bool:
    return (
        "$round(" in case.expression and js.kind == ours.kind == "value" and close_json(js.value, ours.value)
    )


def _power_last_bit(case: Case, js: Outcome, ours: Outcome) -> bool:
    return (
        "$power(" in case.expression and js.kind == ours.kind == "value" and close_json(js.value, ours.value)
    )


def _seventeen_digits(case: Case, js: Outcome, ours: Outcome) -> bool:
    return (
        js.kind == ours.kind == "value"
        and STRINGIFIES.search(case.expression) is not None
        and re.search(r"\d{16,}", json.dumps(ours.value)) is not None
    )


def _nan_operand(case: Case, js: Outcome, ours: Outcome) -> bool:
    return (
        js.kind == "error"
        and js.code in ("T2001", "T2002")
        and ours.kind in ("value", "nonfinite")
        and "$floor(" in case.expression
        and "/" in case.expression
    )


def _javascript_number(case: Case, js: Outcome, ours: Outcome) -> bool:
    return "$number(" in case.expression and js.kind in ("value", "nonfinite") and ours.code == "D3030"


def _from_millis_out_of_range(case: Case, js: Outcome, ours: Outcome) -> bool:
    return (
        "$fromMillis(" in case.expression
        and js.kind == "value"
        and isinstance(js.value, str)
        and "NaN" in js.value
        and ours.kind == "error"
    )


def _skipped_type_check(case: Case, js: Outcome, ours: Outcome) -> bool:
    return js.kind == "error" and js.code in TYPE_ERRORS and ours.kind in ("value", "undefined")


def _null_sequence_jsonatapy(case: Case, js: Outcome, ours: Outcome) -> bool:
    calls = re.search(r"\$(reduce|filter|map)\(", case.expression) is not None
    if not calls or not _holds_null(case):
        return False
    # $reduce(null, f, []) is null, not the fold over [null] (and $sum of it fails); $filter(null, f)
    # never calls f, so f's type error does not happen.
    return not (js.kind == "error" and ours.kind == "error")


def _concurrent_items(case: Case, js: Outcome, ours: Outcome) -> bool:
    return (
        js.kind == ours.kind == "error"
        and js.code != ours.code
        and ours.code not in PYTHON_EXCEPTIONS
        and re.search(r"[\[{]", case.expression) is not None
    )


def _js_crash(case: Case, js: Outcome, ours: Outcome) -> bool:
    return (
        js.kind == "error"
        and js.code in ("TypeError", "RangeError", "ReferenceError")
        and "$contains" in (case.expression)
    )


CAUSES: list[Cause] = [
    Cause(
        "jsonata-js crashes on $contains with an undefined pattern",
        "jsonata-js bug",
        'jsonata-js 2.0.6 throws a JavaScript TypeError ("Cannot read properties of undefined (reading '
        "'apply')\") for $contains(str, undefined); jsonatapy returns undefined, as JSONata functions do "
        "for an undefined argument. On AWS the state fails with some error either way.",
        _js_crash,
    ),
    Cause(
        "Python exception instead of the JSONata error",
        "jsonata-python bug",
        "jsonata-python misses an argument or type check and a Python exception escapes (ValueError for "
        "$number('x') and $toMillis('x'), TypeError for $sort of mixed types and $toMillis(null), "
        "ZeroDivisionError for x/0 and 0 ** -1, InvalidOperation for $round(null)); jsonata-js raises "
        "the JSONata error (D3030, D3110, D3070, T0410, D3061, D1001), or computes Infinity or NaN for "
        "x/0 and goes on (x/0 in [], $floor(x/0) < y give a value).",
        _python_exception,
        evaluators=("jsonata-python",),
    ),
    Cause(
        "$string escapes non-ASCII characters",
        "jsonata-python bug",
        "jsonata-python's $string of an object or array writes non-ASCII characters as \\uXXXX "
        "escapes (json.dumps' default); jsonata-js writes the characters themselves.",
        _escaped_unicode,
        evaluators=("jsonata-python",),
    ),
    Cause(
        "null treated as an empty sequence ($reduce, $filter)",
        "jsonatapy bug",
        "jsonatapy treats a null first argument of $reduce and $filter as an empty sequence "
        "($reduce(null, f, []) is null, [$filter(null, f)] is []); jsonata-js wraps null as [null] and "
        "calls f with it, so $reduce(null, f, []) folds one null and $filter(null, f) raises f's type "
        "error.",
        _null_sequence_jsonatapy,
        evaluators=("jsonatapy",),
    ),
    Cause(
        "null taken for nothing in sequence functions",
        "jsonata-python bug",
        "jsonata-python treats a null value like an empty sequence: $count(null) is 0, $sort(null) and "
        "$reduce(null, f, []) are undefined, $map(null, f) is [], and a null item read by index "
        "($items[$i], as a compiled for loop reads its items) is undefined, so the state fails; "
        "jsonata-js treats null as the one-item sequence [null] ($count(null) is 1, $items[$i] is null).",
        _null_as_nothing,
        evaluators=("jsonata-python",),
    ),
    Cause(
        "numbers written the Python way in strings",
        "jsonata-python bug",
        "jsonata-python's $string (and & and $join, which use it) writes a float the way Python does: "
        "3.0 for an integral float, 1e+16 and 1e-07; jsonata-js writes 3, 10000000000000000 and 1e-7. "
        "An integral float arises from any JSON input written with a fraction (3.0) or from arithmetic; "
        "lengths and hashes of such strings differ in turn.",
        _number_text,
        evaluators=("jsonata-python",),
    ),
    Cause(
        "$number accepts what JSONata's number grammar refuses",
        "jsonata-python bug",
        "$number('1.') (also ' 1', '+1', '.5', '1_0', 'Infinity') is a number to Python's float(); "
        "jsonata-js raises D3030 for any string that is not a JSON number. The expression then fails "
        "later with another code, or not at all.",
        _number_grammar,
        evaluators=("jsonata-python",),
    ),
    Cause(
        "$number accepts what JSONata's number grammar refuses",
        "jsonatapy bug",
        "$number('1.') (also ' 1', '+1', '.5', '1_0', 'Infinity') is a number to jsonatapy (as to Python's float()); "
        "jsonata-js raises D3030 for any string that is not a JSON number. The expression then fails "
        "later with another code, or not at all.",
        _number_grammar,
        evaluators=("jsonatapy",),
    ),
    Cause(
        "booleans taken for numbers",
        "jsonata-python bug",
        "jsonata-python compares with Python's ==, where True == 1 and False == 0: true in [1, 2, 3] is "
        "true, $sort([false, -7, 0]) sorts instead of raising D3070; jsonata-js never equates a boolean "
        "with a number.",
        _bool_as_number,
        evaluators=("jsonata-python",),
    ),
    Cause(
        "$formatNumber rounds ties up",
        "jsonata-python bug",
        "jsonata-python's $formatNumber(2.5, '#,##0') is '3' and $formatNumber(-1.5, '0') is '-1' "
        "(Python's half-up Decimal rounding); jsonata-js rounds half to even ('2', '-2'), as the XPath "
        "picture-string rules it follows specify. Whatever is built from the text differs in turn.",
        _format_number_ties,
        evaluators=("jsonata-python",),
    ),
    Cause(
        "$formatNumber of a number of 1e21 or more",
        "accepted",
        "jsonata-js formats the text JavaScript writes for the number, which is exponential from 1e21 "
        "on, so $formatNumber(-1e21, '0.0') is '-1e+21.0'; jsonatapy writes all the digits. A quirk of "
        "jsonata-js for numbers no workflow formats; not worth copying.",
        _format_number_exponent,
    ),
    Cause(
        "$power differs in the last bit",
        "accepted",
        "$power(552.1, 3) is 168288035.761 in both Python evaluators, JavaScript's Math.pow gives "
        "168288035.76100004: one unit in the last place of a double, which no language promises for pow.",
        _power_last_bit,
    ),
    Cause(
        "$string writes 17 significant digits",
        "jsonatapy bug",
        "jsonata-js's $string (and &) writes a number with at most 15 significant digits "
        "(Number(x.toPrecision(15))): $string(1e16 + 10) is '10000000000000000'; jsonatapy writes "
        "'10000000000000010'. Only numbers beyond 15 digits are affected.",
        _seventeen_digits,
        evaluators=("jsonatapy",),
    ),
    Cause(
        "NaN taken as a number",
        "jsonatapy bug",
        "0 / 0 is NaN; jsonata-js then refuses it as an operand (T2001/T2002, as in the x % 0 the "
        "compiler lowers to x - 0 * $floor(x / 0)), jsonatapy computes on with NaN and returns NaN or "
        "a comparison's result.",
        _nan_operand,
        evaluators=("jsonatapy",),
    ),
    Cause(
        "$number follows JavaScript's Number()",
        "accepted",
        "jsonata-js 2.0.6 converts strings with JavaScript's Number() rules, so $number('0B001') is 1 "
        "(a binary literal) and $number('_0B001') is NaN; jsonatapy raises D3030 for anything that is "
        "not a decimal JSON number, which is what the JSONata documentation specifies.",
        _javascript_number,
        evaluators=("jsonatapy",),
    ),
    Cause(
        "$fromMillis beyond the range of a date",
        "accepted",
        "For milliseconds past JavaScript's Date range (about 8.64e15), jsonata-js's $fromMillis writes "
        "'0NaN-NaN-NaNTNaN:NaN:NaN.NaNZ'; the Python evaluators raise an error instead (jsonatapy's "
        "'Format error: Invalid timestamp' carries no JSONata code). Failing is the better of the two; "
        "no real timestamp is affected.",
        _from_millis_out_of_range,
    ),
    Cause(
        "$round beyond the precision of a double",
        "accepted",
        "$round of a number with more than 15 significant digits differs in the last digit: jsonatapy's "
        "$round(1e21, 2) is 9.999999999999999e+20, both Python evaluators round 2000000000000087.2 to "
        "two decimals as 2000000000000087.2 where jsonata-js (which shifts the decimal point in the "
        "number's text) gives 2000000000000087. Beyond 2**53 a double has no digits to spare.",
        _round_large,
    ),
    Cause(
        "a type check jsonata-js makes is skipped",
        "jsonata-python bug",
        "jsonata-python lets null, booleans or non-strings through where jsonata-js raises a type error "
        "(null + 1, null > 1, $uppercase(1) inside $map, $join of non-strings): it returns a value or "
        "undefined instead of T2001/T2002/T2010/T0410/T0412.",
        _skipped_type_check,
        evaluators=("jsonata-python",),
    ),
    Cause(
        "another failing item's error is reported",
        "accepted",
        "jsonata-js 2.0.6 evaluates the items of an array constructor and the values of an object "
        "constructor concurrently (Promise.all), so when two items fail it reports whichever error its "
        "scheduler reaches first; the Python evaluators report the first failing item in order. Both "
        "fail the state with States.QueryEvaluationError; only the code in the cause differs.",
        _concurrent_items,
    ),
]
