"""Every expression rule the compiler accepts, run as Python and compiled, over generated JSON values.

Each operation (a Python expression, or a few statements, over named operands) becomes a tiny
orchestrator that reads its operands from the execution input. It is compiled once; then, for
each input hypothesis draws, it runs directly as Python (`run_direct`) and compiled on the local
engine (one EXPRESS state machine per operation, `start_sync_execution`), and the two must agree:
the same output (JSON values: numbers compare by value, booleans are not numbers), or both fail
with the same error name. An operation the compiler refuses is not run (refusing is correct);
`REFUSED` lists the ones that must stay refused.

Operands draw from every kind of JSON value (strings empty, blank and non-ASCII; integers of 16+
digits and beyond 2**53; floats with rounding ties; None inside lists; dicts; nested lists),
mostly from the kind the operation is meant for, so type errors are exercised too.

`KNOWN_MISMATCHES` is the catalogue of disagreements: each entry names its root cause and a
witness input. The test of a catalogued case asserts that the witness still disagrees (strict
xfail), so fixing a cause shows up as an unexpected pass: then remove its entries.

`make test` runs a fixed-seed slice without shrinking. A long exploration, with shrinking, that
prints every disagreement grouped by case:

    .venv/bin/python -m tests.compiler.test_expression_semantics --examples 500 [--match TEXT]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.util
import json
import math
import re
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from durable_sfn.compiler.diagnostics import CompileError
from durable_sfn.engine import LocalStepFunctions, VirtualClock
from durable_sfn.testing import ExecutionResult, run_direct
from durable_sfn.testing.compiled import compiled_definition
from durable_sfn.testing.results import DEFAULT_START

# ---------------------------------------------------------------------------------------------
# Values

SPECIAL_FLOATS = [
    2.675,
    0.125,
    0.375,
    2.5,
    0.5,
    -0.5,
    1.5,
    -2.5,
    1.005,
    0.1,
    0.3,
    -0.0,
    3.0,
    1e16,
    1e21,
    1e22,
    1.5e300,
    1e-7,
    123456.789,
    1234.5,
    9007199254740993.0,
]
BIG_INTS = [
    2**53 - 1,
    2**53,
    2**53 + 1,
    -(2**53) - 1,
    2**63,
    10**20,
    1234567890123456,
    12345678901234567,
]
SPECIAL_TEXTS = [
    "",
    " ",
    "  ",
    "\t\n ",
    "a",
    "ab",
    "aa",
    "12",
    "-3",
    " 7 ",
    "1.5",
    "0x10",
    "1e3",
    "1_000",
    "\u0663",  # ARABIC-INDIC DIGIT THREE: int() accepts it
    "\u00df",  # ß: upper() is "SS"
    "\u0130",  # İ: lower() is two code points
    "\U0001f600",  # outside the BMP: one code point, two UTF-16 units
    "a,b",
    "a  b",
    "true",
    "None",
    "[1, 2]",
    '{"a": 1}',
    "NaN",
    "inf",
]
ALPHABET = "ab A0 \t\n\u00e9\u00df\u0130\U0001f600,-."

small_ints = st.integers(-12, 12)
ints = st.one_of(
    small_ints,
    st.integers(-(10**6), 10**6),
    st.integers(10**15, 10**19),
    st.integers(-(10**19), -(10**15)),
    st.sampled_from(BIG_INTS),
)
floats = st.one_of(
    st.sampled_from(SPECIAL_FLOATS),
    st.integers(-(10**5), 10**5).map(lambda i: i / 1000),  # three decimals: ties at two
    st.integers(-(10**4), 10**4).map(lambda i: i / 8),  # exact binary ties
    st.floats(allow_nan=False, allow_infinity=False),
)
numbers = st.one_of(ints, floats)
texts = st.one_of(
    st.text(ALPHABET, max_size=8),
    st.sampled_from(SPECIAL_TEXTS),
    st.sampled_from(SPECIAL_TEXTS),
    st.text(max_size=4),
)
keys = st.one_of(st.sampled_from(["k", "a", "b", "", "a b", "K", "\u00e9"]), st.text("abk", max_size=2))
scalars = st.one_of(st.none(), st.booleans(), ints, floats, texts)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=8,
)
lists = st.one_of(
    st.lists(small_ints, max_size=5),
    st.lists(st.one_of(st.none(), small_ints), max_size=5),
    st.lists(texts, max_size=4),
    st.lists(scalars, max_size=4),
    st.lists(json_values, max_size=3),
)
dicts = st.one_of(
    st.dictionaries(keys, small_ints, max_size=4),
    st.dictionaries(keys, json_values, max_size=3),
    st.fixed_dictionaries({"k": json_values}, optional={"a": small_ints, "": texts}),
)
# Values Python and JSONata disagree about most: booleans against numbers, empty containers.
edgy = st.sampled_from([True, False, 0, 1, 0.0, 1.0, 2, -1, "", "0", "1", None, [], {}, [0], [None], {"": 0}])
iso_texts = st.one_of(
    st.datetimes(
        min_value=DEFAULT_START.replace(tzinfo=None, year=2020),
        max_value=DEFAULT_START.replace(tzinfo=None, year=2030),
    ).flatmap(
        lambda d: st.sampled_from(
            [
                d.isoformat(),
                d.isoformat() + "+00:00",
                d.isoformat() + "Z",
                d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z",
                d.isoformat() + "+02:00",
                d.date().isoformat(),
            ]
        )
    ),
    texts,
)


def mostly(focus: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Three draws in four from `focus`, the rest from every JSON value."""
    return st.one_of(focus, focus, focus, json_values)


@dataclass(frozen=True)
class Operand:
    values: st.SearchStrategy[Any]
    # How the orchestrator binds the operand from the input; the typed bindings are identities on
    # `values` that let the compiler infer the static type (and so choose another translation).
    binding: str = "inp[{key}]"


OPERANDS: dict[str, Operand] = {
    # Strings: untyped, and typed (the compiler knows a str()).
    "s": Operand(mostly(texts)),
    "t": Operand(mostly(texts)),
    "u": Operand(mostly(texts)),
    "S": Operand(texts, "str(inp[{key}])"),
    "T": Operand(texts, "str(inp[{key}])"),
    "iso": Operand(iso_texts),
    # Numbers.
    "x": Operand(mostly(numbers)),
    "y": Operand(mostly(numbers)),
    "X": Operand(numbers, "inp[{key}] + 0"),
    "Y": Operand(numbers, "inp[{key}] + 0"),
    "n": Operand(st.one_of(small_ints, small_ints, edgy)),
    "i": Operand(st.one_of(st.integers(-6, 6), st.integers(-6, 6), edgy)),
    # Lists and dicts.
    "xs": Operand(mostly(lists)),
    "ys": Operand(mostly(lists)),
    "XS": Operand(lists, "inp[{key}] + []"),
    "d": Operand(mostly(dicts)),
    "e": Operand(mostly(dicts)),
    "D": Operand(dicts, "{{**inp[{key}]}}"),
    "k": Operand(st.one_of(keys, keys, edgy)),
    # Anything.
    "v": Operand(st.one_of(json_values, edgy)),
    "w": Operand(st.one_of(json_values, edgy)),
    "p": Operand(st.one_of(edgy, scalars)),
    "q": Operand(st.one_of(edgy, scalars)),
}


# ---------------------------------------------------------------------------------------------
# Operations

# How an expression is used: returned as the output, or as a leaf of a returned dict (an Output
# template); `cond` decides an `if` (a Choice state) with it.
CONTEXTS: dict[str, str] = {
    "return": "return {expr}",
    "dict": "return {{'r': {expr}}}",
    "cond": "if {expr}:\n    return 'yes'\nreturn 'no'",
}

TRY_TEMPLATE = """\
try:
    r = {expr}
except KeyError:
    r = 'KeyError'
except IndexError:
    r = 'IndexError'
except ZeroDivisionError:
    r = 'ZeroDivisionError'
except TypeError:
    r = 'TypeError'
except ValueError:
    r = 'ValueError'
except AttributeError:
    r = 'AttributeError'
return r"""


@dataclass(frozen=True)
class Case:
    area: str
    source: str  # the orchestrator body after the operand bindings
    label: str  # the case id: the expression and its context, or the statement text

    @property
    def operands(self) -> list[str]:
        names = {n.id for n in ast.walk(ast.parse(self.source)) if isinstance(n, ast.Name)}
        return [n for n in OPERANDS if n in names]

    @property
    def function(self) -> str:
        slug = re.sub(r"[^0-9a-z]+", "_", self.label.lower()).strip("_")[:30]
        return f"case_{hashlib.sha1(self.label.encode()).hexdigest()[:8]}_{slug}"


def expressions(area: str, exprs: list[str], contexts: tuple[str, ...] = ("return", "dict")) -> list[Case]:
    return [
        Case(area, CONTEXTS[c].format(expr=e), e if c == "return" else f"{e} [{c}]")
        for e in exprs
        for c in contexts
    ]


def statements(area: str, sources: list[str]) -> list[Case]:
    out = []
    for source in sources:
        text = textwrap.dedent(source).strip()
        out.append(Case(area, text, " / ".join(line.strip() for line in text.splitlines())))
    return out


def in_try(area: str, exprs: list[str]) -> list[Case]:
    return [Case(area, TRY_TEMPLATE.format(expr=e), f"try: {e}") for e in exprs]


CASES: list[Case] = [
    *expressions(
        "strings",
        [
            "s + t",
            "S + T",
            "s * n",
            "S * n",
            "n * S",
            "s[0]",
            "s[-1]",
            "s[i]",
            "S[i]",
            "len(s)",
            "len(S)",
            "s.upper()",
            "s.lower()",
            "s.strip()",
            "s.lstrip()",
            "s.rstrip()",
            "s.startswith(t)",
            "s.endswith(t)",
            "s.split()",
            "S.split()",
            "s.split(t)",
            "s.split(',')",
            "s.replace(t, u)",
            "s.replace('a', '-')",
            "t.join(xs)",
            "','.join(xs)",
            "s.count(t)",
            "S.count(T)",
            "s.count('a')",
            "t in s",
            "t not in s",
            "'a' in S",
            "s == t",
            "s < t",
            "s <= t",
            "s > t",
            "s >= t",
            "max(s, t)",
            "min(s, t)",
            "sorted(s)",
            "list(s)",
            "str(s)",
            "f'<{s}>'",
            "f'{s!s}'",
            "s or 'empty'",
            "s and 'full'",
            "not s",
            "bool(s)",
            "int(s)",
            "float(s)",
            "json.loads(s)",
            "[c for c in s]",
            "[c for c in S]",
            "{c: 1 for c in s}",
        ],
    ),
    *expressions("strings", ["s", "s == t", "t in s"], ("cond",)),
    *statements(
        "strings",
        [
            """
            out = []
            for c in s:
                out.append(c)
            return out
            """,
            """
            s2 = s
            s2 += t
            return [s, s2]
            """,
        ],
    ),
    *expressions(
        "iteration",
        [
            "xs + ys",
            "XS + ys",
            "xs[0]",
            "xs[-1]",
            "xs[i]",
            "XS[i]",
            "len(xs)",
            "len(XS)",
            "v in xs",
            "v not in xs",
            "sorted(xs)",
            "sorted(xs, reverse=True)",
            "list(xs)",
            "xs.count(v)",
            "sum(xs)",
            "min(xs)",
            "max(xs)",
            "any(xs)",
            "all(xs)",
            "[a for a in xs]",
            "[a for a in XS]",
            "[a for a in xs if a]",
            "[a for a in xs if a is not None]",
            "[[a] for a in xs]",
            "[a * 2 for a in xs]",
            "{str(a): a for a in xs}",
            "xs == ys",
            "[v, w]",
            "[xs, v]",
            "(v, w)",
            "bool(xs)",
            "not xs",
            "xs or ys",
            "xs and ys",
            "xs.copy()",
            "[a for a in range(n)]",
            "[a for a in range(n, 4)]",
            "d['k']",
            "d[k]",
            "D[k]",
            "d.get(k)",
            "d.get(k, v)",
            "d.get('k') is None",
            "list(d.keys())",
            "sorted(d.keys())",
            "list(d.values())",
            "list(d.items())",
            "list(d)",
            "sorted(d)",
            "[a for a in d]",
            "[a for a in D]",
            "{a: d[a] for a in d}",
            "k in d",
            "k not in d",
            "k in D",
            "len(d)",
            "len(D)",
            "{**d, 'x': v}",
            "{**d, **e}",
            "dict(d)",
            "d.copy()",
            "d == e",
            "bool(d)",
            "{k: v}",
            "{'a': v, 'b': [w]}",
            "len(v)",
        ],
    ),
    *expressions("iteration", ["xs", "d"], ("cond",)),
    *statements(
        "iteration",
        [
            """
            out = []
            for a in xs:
                out.append(a)
            return out
            """,
            """
            out = []
            for a in xs:
                if a:
                    out.append(a)
            return out
            """,
            """
            m = 0
            for a in xs:
                m += 1
            return m
            """,
            """
            out = []
            for a in d:
                out.append(a)
            return out
            """,
            """
            out = []
            for a in d:
                out.append(d[a])
            return out
            """,
            """
            out = []
            for a in d.items():
                out.append(a)
            return out
            """,
            """
            out = []
            for a in range(n):
                out.append(a)
            return out
            """,
        ],
    ),
    *expressions(
        "numbers",
        [
            "x + y",
            "X + Y",
            "x - y",
            "x * y",
            "x / y",
            "x // y",
            "X // Y",
            "x % y",
            "x ** n",
            "-x",
            "+x",
            "abs(x)",
            "x == y",
            "x != y",
            "x < y",
            "x <= y",
            "x > y",
            "x >= y",
            "0 < x < 10",
            "p == q",
            "p != q",
            "p < q",
            "round(x)",
            "round(x, n)",
            "round(X, 2)",
            "int(x)",
            "float(x)",
            "str(x)",
            "str(X)",
            "f'{x}'",
            "f'ORD-{x}'",
            "f'{x:.2f}'",
            "f'{x:.0f}'",
            "f'{x:,}'",
            "f'{x:,.2f}'",
            "f'{x:d}'",
            "min(x, y)",
            "max(x, y)",
            "max(x, y, 0)",
            "sum([x, y])",
            "bool(x)",
            "not x",
            "x or y",
            "x and y",
            "x if x > y else y",
            "int(v)",
            "float(v)",
            "str(v)",
            "f'{v}'",
            "bool(v)",
            "not v",
            "bool(p)",
            "v is None",
            "v is not None",
            "v == None",
            "v == w",
            "v if w else 0",
            "str(x / y)",
            "str(x // y)",
            "str(float(x))",
            "str(x * 1.5)",
            "f'{x / y}'",
            "str(round(x, n))",
            "str(abs(x))",
            "timedelta(seconds=x).total_seconds()",
            "timedelta(hours=x, minutes=y).total_seconds()",
        ],
    ),
    *expressions("numbers", ["x", "p", "v", "x > y"], ("cond",)),
    *expressions(
        "datetimes",
        [
            "ctx.current_utc_datetime.isoformat()",
            "(ctx.current_utc_datetime + timedelta(seconds=x)).isoformat()",
            "ctx.current_utc_datetime + timedelta(minutes=x)",
            "datetime.fromisoformat(iso)",
            "datetime.fromisoformat(iso).isoformat()",
            "datetime.fromisoformat(iso) > ctx.current_utc_datetime",
            "(datetime.fromisoformat(iso) - ctx.current_utc_datetime).total_seconds()",
        ],
    ),
    *statements(
        "references",
        [
            """
            b = xs
            b.append(v)
            return xs
            """,
            """
            b = xs
            b.extend(ys)
            return [xs, b]
            """,
            """
            b = d
            b['k'] = v
            return d
            """,
            """
            b = d
            b.update(e)
            return d
            """,
            """
            b = xs.copy()
            b.append(v)
            return [xs, b]
            """,
            """
            b = [xs, xs]
            xs.append(v)
            return b
            """,
            """
            xs.append(v)
            return xs
            """,
            """
            xs.extend(ys)
            return xs
            """,
            """
            d['z'] = v
            return d
            """,
            """
            d.update(e)
            return d
            """,
            """
            out = []
            out.append(xs)
            return out
            """,
            """
            m = x
            m += y
            return m
            """,
        ],
    ),
    *in_try(
        "errors",
        [
            "d[k]",
            "d['k']",
            "xs[i]",
            "xs[0]",
            "x / y",
            "x // y",
            "x % y",
            "int(s)",
            "float(s)",
            "len(v)",
            "s + t",
            "v + w",
            "json.loads(s)",
            "s.upper()",
            "d['k']['k']",
        ],
    ),
]

# Cases the compiler must refuse (at compile time, with a diagnostic), with the reason.
REFUSED: dict[str, str] = {
    "[c for c in S]": "DSF002: looping over a value the compiler knows is a string",
    "[c for c in S] [dict]": "DSF002: looping over a value the compiler knows is a string",
    "{k: v}": "DSF002: a dict key the compiler cannot prove is a string",
    "{k: v} [dict]": "DSF002: a dict key the compiler cannot prove is a string",
}


# ---------------------------------------------------------------------------------------------
# The catalogue of disagreements


@dataclass(frozen=True)
class Known:
    cause: str  # a key of ROOT_CAUSES
    witness: Mapping[str, Any]  # operand values on which the two runs disagree


ROOT_CAUSES: dict[str, str] = {
    # errors
    "error-names": "an expression Python rejects (KeyError, IndexError, ZeroDivisionError, TypeError, "
    "ValueError, AttributeError) fails the compiled run with States.QueryEvaluationError",
    "errors-in-try": "an expression error inside `try` fails the whole compiled execution; the handler "
    "(`except KeyError`, `except ValueError`, ...) never runs",
    "unchecked-types": "an operation Python rejects for its operand types returns a value compiled "
    "(len(None) == 0, '' + None == 'null', None.get(k) is None, list(None), ...)",
    # strings
    "str-index": "s[i] indexes a JSONata sequence: s[0] and s[-1] are the whole string, s[1] is undefined",
    "str-iterate": "iterating a string (for/comprehension/list/sorted/min/max) yields the whole string once",
    "str-split": "s.split() of a blank string gives [''], s.split('') succeeds, s.split(None) fails",
    "str-repeat": "`*` repeats a string only when the compiler knows a string operand; counts that are "
    "booleans fail and float counts succeed",
    "str-replace-empty": "s.replace('', u) fails compiled (JSONata rejects an empty pattern)",
    "count": "s.count(t) counts list elements (0 for a string), xs.count(None) is 0",
    "repr": 'str()/f-string of a list or dict gives JSON text ([null], {"a":1}) instead of Python\'s repr',
    "engine-lowercase": "the local engine's $lowercase folds case ('\u00df' -> 'ss'); Python and JavaScript "
    "keep '\u00df' (an engine deviation, not a compiler rule)",
    # iteration
    "dict-iterate": "iterating a dict (for/comprehension/list/sorted/any/all) yields the dict itself, not its keys",
    "items-nesting": "list(d.items()) and `for kv in d.items()` nest the pairs one level too deep (or too shallow)",
    "none-elements": "None elements vanish from lists in comprehensions and loops, or fail the run",
    "minmax": "min()/max() of lists, of one-element lists holding None, and of list arguments flatten or fail",
    "ordering": "<, <=, >, >= on lists (Python compares them item by item) fail compiled",
    "range-args": "range() of a boolean fails compiled; range() of a float succeeds (Python: TypeError)",
    "non-string-keys": "d[k] / d.get(k) with a non-string key (True) filters or fails instead of KeyError/None",
    "sequence-repeat": "n * [] (list repetition by an untyped operand) fails compiled",
    # numbers and text
    "big-ints": "integers beyond 2**53 lose precision compiled (arithmetic, comparisons, formatting)",
    "int-text": "integers of 16+ digits print in exponent form in str() and f-strings (1e+15)",
    "float-text": "str()/f-string of a float prints it like an int when integral (str(4 / 2) == '2')",
    "round-ties": "round(x, n) and f'{x:.nf}' round the decimal text (2.675 -> 2.68), Python the binary value (2.67)",
    "format-spec": "f'{x:,}' on a float drops the decimals; f'{x:d}' accepts a float",
    "bool-is-int": "booleans are not numbers compiled: True == 1 is False, x <= False, range(True), "
    "round(x, True), 0 ** True fail",
    "int-parse": "int('1.5') (and other text Python rejects) succeeds compiled",
    "non-finite": "float('inf') succeeds in Python but is not a JSON number",
    "timedelta-range": "timedelta beyond 999999999 days (OverflowError in Python) succeeds compiled",
    "fromisoformat": "datetime.fromisoformat(s) keeps the text: no validation, no normalisation, naive "
    "datetimes compare and subtract",
    # references
    "aliasing": "b = a; b.append(v) (or b[k] = v, b.update(e)) leaves a unchanged compiled",
}

KNOWN_MISMATCHES: dict[str, tuple[Known, ...]] = {
    "s + t": (
        Known("error-names", {"s": None, "t": ""}),
        Known("unchecked-types", {"s": "", "t": None}),
    ),
    "s + t [dict]": (
        Known("error-names", {"s": None, "t": ""}),
        Known("unchecked-types", {"s": "", "t": None}),
    ),
    "s * n": (
        Known("error-names", {"s": "", "n": 0.0}),
        Known("str-repeat", {"s": "", "n": 0}),
    ),
    "s * n [dict]": (
        Known("error-names", {"s": "", "n": 0.0}),
        Known("str-repeat", {"s": "", "n": 0}),
    ),
    "S * n": (
        Known("error-names", {"S": "", "n": ""}),
        Known("str-repeat", {"S": "", "n": 0.0}),
        Known("bool-is-int", {"S": "", "n": True}),
    ),
    "S * n [dict]": (
        Known("error-names", {"S": "", "n": ""}),
        Known("str-repeat", {"S": "", "n": 0.0}),
        Known("bool-is-int", {"S": "", "n": True}),
    ),
    "n * S": (
        Known("error-names", {"S": "", "n": 1.0}),
        Known("str-repeat", {"S": "", "n": 0.0}),
        Known("bool-is-int", {"S": "", "n": True}),
    ),
    "n * S [dict]": (
        Known("error-names", {"S": "", "n": 1.0}),
        Known("str-repeat", {"S": "", "n": 0.0}),
        Known("bool-is-int", {"S": "", "n": True}),
    ),
    "s[0]": (
        Known("error-names", {"s": []}),
        Known("str-index", {"s": "00"}),
    ),
    "s[0] [dict]": (
        Known("error-names", {"s": []}),
        Known("str-index", {"s": "00"}),
    ),
    "s[-1]": (Known("str-index", {"s": "00"}),),
    "s[-1] [dict]": (
        Known("error-names", {"s": []}),
        Known("str-index", {"s": "00"}),
    ),
    "s[i]": (
        Known("str-index", {"s": "00", "i": 0}),
        Known("error-names", {"s": "", "i": 1}),
        Known("bool-is-int", {"s": "0", "i": False}),
    ),
    "s[i] [dict]": (
        Known("str-index", {"s": "00", "i": 0}),
        Known("error-names", {"s": "", "i": 1}),
    ),
    "S[i]": (
        Known("str-index", {"S": "00", "i": 0}),
        Known("bool-is-int", {"S": "0", "i": False}),
        Known("error-names", {"S": "", "i": 1}),
    ),
    "S[i] [dict]": (
        Known("str-index", {"S": "00", "i": 0}),
        Known("error-names", {"S": "", "i": 1}),
        Known("bool-is-int", {"S": "0", "i": False}),
    ),
    "len(s)": (Known("unchecked-types", {"s": None}),),
    "len(s) [dict]": (Known("unchecked-types", {"s": None}),),
    "s.upper()": (Known("error-names", {"s": None}),),
    "s.upper() [dict]": (Known("error-names", {"s": None}),),
    "s.lower()": (
        Known("error-names", {"s": None}),
        Known("engine-lowercase", {"s": "ß"}),
    ),
    "s.lower() [dict]": (
        Known("error-names", {"s": None}),
        Known("engine-lowercase", {"s": "ß"}),
    ),
    "s.strip()": (Known("error-names", {"s": None}),),
    "s.strip() [dict]": (Known("error-names", {"s": None}),),
    "s.lstrip()": (Known("error-names", {"s": None}),),
    "s.lstrip() [dict]": (Known("error-names", {"s": None}),),
    "s.rstrip()": (Known("error-names", {"s": None}),),
    "s.rstrip() [dict]": (Known("error-names", {"s": None}),),
    "s.startswith(t)": (Known("error-names", {"s": "", "t": None}),),
    "s.startswith(t) [dict]": (Known("error-names", {"s": "", "t": None}),),
    "s.endswith(t)": (Known("error-names", {"s": "", "t": None}),),
    "s.endswith(t) [dict]": (Known("error-names", {"s": "", "t": None}),),
    "s.split()": (
        Known("error-names", {"s": None}),
        Known("str-split", {"s": ""}),
    ),
    "s.split() [dict]": (
        Known("error-names", {"s": None}),
        Known("str-split", {"s": ""}),
    ),
    "S.split()": (Known("str-split", {"S": ""}),),
    "S.split() [dict]": (Known("str-split", {"S": ""}),),
    "s.split(t)": (
        Known("error-names", {"s": "", "t": []}),
        Known("str-split", {"s": "", "t": ""}),
    ),
    "s.split(t) [dict]": (
        Known("error-names", {"s": None, "t": ""}),
        Known("str-split", {"s": "", "t": ""}),
    ),
    "s.split(',')": (Known("error-names", {"s": None}),),
    "s.split(',') [dict]": (Known("error-names", {"s": None}),),
    "s.replace(t, u)": (
        Known("unchecked-types", {"s": "", "t": "0", "u": None}),
        Known("error-names", {"s": "", "t": "", "u": None}),
        Known("str-replace-empty", {"s": "", "t": "", "u": ""}),
    ),
    "s.replace(t, u) [dict]": (
        Known("unchecked-types", {"s": "", "t": "0", "u": None}),
        Known("error-names", {"s": "", "t": "", "u": None}),
        Known("str-replace-empty", {"s": "", "t": "", "u": ""}),
    ),
    "s.replace('a', '-')": (Known("error-names", {"s": None}),),
    "s.replace('a', '-') [dict]": (Known("error-names", {"s": None}),),
    "t.join(xs)": (Known("error-names", {"t": None, "xs": []}),),
    "t.join(xs) [dict]": (Known("error-names", {"t": None, "xs": []}),),
    "','.join(xs)": (Known("error-names", {"xs": [0]}),),
    "','.join(xs) [dict]": (Known("error-names", {"xs": None}),),
    "s.count(t)": (
        Known("unchecked-types", {"s": "", "t": None}),
        Known("count", {"s": "0", "t": ""}),
    ),
    "s.count(t) [dict]": (
        Known("unchecked-types", {"s": "", "t": None}),
        Known("count", {"s": "0", "t": ""}),
    ),
    "S.count(T)": (Known("count", {"S": "0", "T": ""}),),
    "S.count(T) [dict]": (Known("count", {"S": "0", "T": ""}),),
    "s.count('a')": (
        Known("unchecked-types", {"s": None}),
        Known("count", {"s": "0a"}),
    ),
    "s.count('a') [dict]": (
        Known("unchecked-types", {"s": None}),
        Known("count", {"s": "0a"}),
    ),
    "t in s": (
        Known("unchecked-types", {"s": None, "t": ""}),
        Known("error-names", {"s": "", "t": None}),
    ),
    "t in s [dict]": (
        Known("unchecked-types", {"s": None, "t": ""}),
        Known("error-names", {"s": "", "t": None}),
    ),
    "t not in s": (
        Known("unchecked-types", {"s": None, "t": ""}),
        Known("error-names", {"s": "", "t": None}),
    ),
    "t not in s [dict]": (
        Known("unchecked-types", {"s": None, "t": ""}),
        Known("error-names", {"s": "", "t": None}),
    ),
    "s < t": (Known("error-names", {"s": "", "t": None}),),
    "s < t [dict]": (
        Known("ordering", {"s": [], "t": []}),
        Known("error-names", {"s": "", "t": None}),
    ),
    "s <= t": (
        Known("ordering", {"s": [], "t": []}),
        Known("error-names", {"s": "", "t": None}),
    ),
    "s <= t [dict]": (Known("error-names", {"s": "", "t": None}),),
    "s > t": (
        Known("ordering", {"s": [], "t": []}),
        Known("error-names", {"s": "", "t": None}),
    ),
    "s > t [dict]": (
        Known("error-names", {"s": "", "t": None}),
        Known("ordering", {"s": [], "t": []}),
    ),
    "s >= t": (Known("error-names", {"s": "", "t": None}),),
    "s >= t [dict]": (Known("error-names", {"s": "", "t": None}),),
    "max(s, t)": (
        Known("minmax", {"s": [], "t": [0]}),
        Known("unchecked-types", {"s": "", "t": []}),
        Known("error-names", {"s": "", "t": None}),
    ),
    "max(s, t) [dict]": (Known("error-names", {"s": "", "t": None}),),
    "min(s, t)": (
        Known("unchecked-types", {"s": "", "t": []}),
        Known("error-names", {"s": "", "t": None}),
    ),
    "min(s, t) [dict]": (Known("error-names", {"s": "", "t": None}),),
    "sorted(s)": (
        Known("error-names", {"s": None}),
        Known("str-iterate", {"s": ""}),
    ),
    "sorted(s) [dict]": (Known("str-iterate", {"s": ""}),),
    "list(s)": (
        Known("unchecked-types", {"s": None}),
        Known("str-iterate", {"s": ""}),
    ),
    "list(s) [dict]": (Known("str-iterate", {"s": ""}),),
    "str(s)": (Known("int-text", {"s": 1000000000000000}),),
    "str(s) [dict]": (Known("int-text", {"s": 1000000000000000}),),
    "f'<{s}>'": (Known("repr", {"s": [None]}),),
    "f'<{s}>' [dict]": (Known("repr", {"s": 1000000000000000}),),
    "f'{s!s}'": (Known("int-text", {"s": 1000000000000000}),),
    "f'{s!s}' [dict]": (Known("int-text", {"s": 1000000000000000}),),
    "int(s)": (
        Known("error-names", {"s": ""}),
        Known("int-parse", {"s": "1.5"}),
    ),
    "int(s) [dict]": (Known("error-names", {"s": ""}),),
    "float(s)": (Known("error-names", {"s": ""}),),
    "float(s) [dict]": (
        Known("non-finite", {"s": "inf"}),
        Known("error-names", {"s": ""}),
    ),
    "json.loads(s)": (Known("error-names", {"s": ""}),),
    "json.loads(s) [dict]": (Known("error-names", {"s": ""}),),
    "[c for c in s]": (Known("str-iterate", {"s": ""}),),
    "[c for c in s] [dict]": (Known("str-iterate", {"s": ""}),),
    "{c: 1 for c in s}": (
        Known("error-names", {"s": False}),
        Known("dict-iterate", {"s": {}}),
        Known("unchecked-types", {"s": None}),
        Known("str-iterate", {"s": ""}),
    ),
    "{c: 1 for c in s} [dict]": (
        Known("error-names", {"s": False}),
        Known("unchecked-types", {"s": None}),
        Known("str-iterate", {"s": ""}),
    ),
    "t in s [cond]": (
        Known("unchecked-types", {"s": None, "t": ""}),
        Known("error-names", {"s": "", "t": None}),
    ),
    "out = [] / for c in s: / out.append(c) / return out": (
        Known("unchecked-types", {"s": None}),
        Known("str-iterate", {"s": ""}),
    ),
    "s2 = s / s2 += t / return [s, s2]": (
        Known("error-names", {"s": None, "t": ""}),
        Known("unchecked-types", {"s": "", "t": None}),
    ),
    "xs + ys": (
        Known("error-names", {"xs": None, "ys": []}),
        Known("unchecked-types", {"xs": [], "ys": None}),
    ),
    "xs + ys [dict]": (
        Known("error-names", {"xs": None, "ys": []}),
        Known("unchecked-types", {"xs": [], "ys": None}),
    ),
    "XS + ys": (Known("unchecked-types", {"ys": None, "XS": []}),),
    "XS + ys [dict]": (Known("unchecked-types", {"ys": None, "XS": []}),),
    "xs[0]": (Known("error-names", {"xs": []}),),
    "xs[0] [dict]": (
        Known("unchecked-types", {"xs": None}),
        Known("error-names", {"xs": []}),
    ),
    "xs[-1]": (Known("error-names", {"xs": []}),),
    "xs[-1] [dict]": (Known("error-names", {"xs": []}),),
    "xs[i]": (
        Known("unchecked-types", {"i": 0, "xs": None}),
        Known("error-names", {"i": 0, "xs": []}),
    ),
    "xs[i] [dict]": (
        Known("bool-is-int", {"i": True, "xs": [0, 0]}),
        Known("none-elements", {"i": 0, "xs": [None]}),
        Known("unchecked-types", {"i": 0, "xs": None}),
        Known("error-names", {"i": 0, "xs": []}),
    ),
    "XS[i]": (Known("error-names", {"i": 0, "XS": []}),),
    "XS[i] [dict]": (
        Known("none-elements", {"i": 0, "XS": [None]}),
        Known("error-names", {"i": 0, "XS": []}),
    ),
    "len(xs)": (Known("unchecked-types", {"xs": None}),),
    "len(xs) [dict]": (Known("unchecked-types", {"xs": None}),),
    "v in xs": (Known("unchecked-types", {"xs": None, "v": True}),),
    "v in xs [dict]": (Known("unchecked-types", {"xs": None, "v": True}),),
    "v not in xs": (Known("none-elements", {"xs": [None], "v": None}),),
    "v not in xs [dict]": (Known("unchecked-types", {"xs": None, "v": True}),),
    "sorted(xs)": (
        Known("str-iterate", {"xs": ""}),
        Known("unchecked-types", {"xs": False}),
        Known("error-names", {"xs": None}),
    ),
    "sorted(xs) [dict]": (Known("error-names", {"xs": None}),),
    "sorted(xs, reverse=True)": (Known("error-names", {"xs": None}),),
    "sorted(xs, reverse=True) [dict]": (
        Known("unchecked-types", {"xs": False}),
        Known("dict-iterate", {"xs": {}}),
        Known("error-names", {"xs": None}),
    ),
    "list(xs)": (Known("unchecked-types", {"xs": None}),),
    "list(xs) [dict]": (Known("unchecked-types", {"xs": None}),),
    "xs.count(v)": (Known("count", {"xs": [None], "v": None}),),
    "xs.count(v) [dict]": (
        Known("count", {"xs": [None], "v": None}),
        Known("unchecked-types", {"xs": None, "v": True}),
    ),
    "sum(xs)": (Known("error-names", {"xs": None}),),
    "sum(xs) [dict]": (Known("error-names", {"xs": [None]}),),
    "min(xs)": (
        Known("str-iterate", {"xs": "00"}),
        Known("unchecked-types", {"xs": 0}),
        Known("minmax", {"xs": [None]}),
        Known("error-names", {"xs": []}),
    ),
    "min(xs) [dict]": (
        Known("minmax", {"xs": [None]}),
        Known("error-names", {"xs": []}),
    ),
    "max(xs)": (
        Known("unchecked-types", {"xs": 0}),
        Known("minmax", {"xs": [None]}),
        Known("error-names", {"xs": []}),
    ),
    "max(xs) [dict]": (
        Known("minmax", {"xs": [None]}),
        Known("error-names", {"xs": []}),
    ),
    "any(xs)": (Known("unchecked-types", {"xs": None}),),
    "any(xs) [dict]": (Known("unchecked-types", {"xs": None}),),
    "all(xs)": (Known("unchecked-types", {"xs": None}),),
    "all(xs) [dict]": (
        Known("dict-iterate", {"xs": {}}),
        Known("unchecked-types", {"xs": None}),
    ),
    "[a for a in xs]": (Known("none-elements", {"xs": [None]}),),
    "[a for a in xs] [dict]": (
        Known("none-elements", {"xs": ""}),
        Known("unchecked-types", {"xs": False}),
        Known("error-names", {"xs": None}),
    ),
    "[a for a in XS]": (Known("none-elements", {"XS": [None]}),),
    "[a for a in XS] [dict]": (Known("none-elements", {"XS": [None]}),),
    "[a for a in xs if a]": (Known("unchecked-types", {"xs": None}),),
    "[a for a in xs if a] [dict]": (
        Known("none-elements", {"xs": "00"}),
        Known("unchecked-types", {"xs": None}),
    ),
    "[a for a in xs if a is not None]": (
        Known("dict-iterate", {"xs": {}}),
        Known("unchecked-types", {"xs": None}),
    ),
    "[a for a in xs if a is not None] [dict]": (Known("unchecked-types", {"xs": None}),),
    "[[a] for a in xs]": (Known("none-elements", {"xs": [None]}),),
    "[[a] for a in xs] [dict]": (Known("none-elements", {"xs": [None]}),),
    "[a * 2 for a in xs]": (
        Known("str-repeat", {"xs": [""]}),
        Known("unchecked-types", {"xs": [None]}),
    ),
    "[a * 2 for a in xs] [dict]": (
        Known("str-repeat", {"xs": [""]}),
        Known("unchecked-types", {"xs": [None]}),
    ),
    "{str(a): a for a in xs}": (
        Known("none-elements", {"xs": [None]}),
        Known("unchecked-types", {"xs": None}),
    ),
    "{str(a): a for a in xs} [dict]": (Known("unchecked-types", {"xs": None}),),
    "xs.copy()": (Known("unchecked-types", {"xs": None}),),
    "xs.copy() [dict]": (Known("unchecked-types", {"xs": None}),),
    "[a for a in range(n)]": (
        Known("error-names", {"n": ""}),
        Known("range-args", {"n": 0.0}),
        Known("bool-is-int", {"n": True}),
    ),
    "[a for a in range(n)] [dict]": (
        Known("error-names", {"n": ""}),
        Known("range-args", {"n": 0.0}),
        Known("bool-is-int", {"n": True}),
    ),
    "[a for a in range(n, 4)]": (
        Known("error-names", {"n": 0.0}),
        Known("bool-is-int", {"n": True}),
    ),
    "[a for a in range(n, 4)] [dict]": (
        Known("error-names", {"n": 0.0}),
        Known("bool-is-int", {"n": True}),
    ),
    "d['k']": (Known("error-names", {"d": {}}),),
    "d['k'] [dict]": (Known("error-names", {"d": {}}),),
    "d[k]": (
        Known("non-string-keys", {"d": {}, "k": True}),
        Known("error-names", {"d": {}, "k": "k"}),
    ),
    "d[k] [dict]": (
        Known("non-string-keys", {"d": {}, "k": True}),
        Known("error-names", {"d": {}, "k": "k"}),
    ),
    "D[k]": (
        Known("non-string-keys", {"D": {}, "k": True}),
        Known("error-names", {"D": {}, "k": "k"}),
    ),
    "D[k] [dict]": (
        Known("non-string-keys", {"D": {}, "k": True}),
        Known("error-names", {"D": {}, "k": "k"}),
    ),
    "d.get(k)": (
        Known("big-ints", {"d": {"k": 9007199254740993}, "k": "k"}),
        Known("unchecked-types", {"d": None, "k": "k"}),
        Known("error-names", {"d": {}, "k": []}),
        Known("bool-is-int", {"d": {}, "k": True}),
    ),
    "d.get(k) [dict]": (
        Known("unchecked-types", {"d": None, "k": "k"}),
        Known("error-names", {"d": {}, "k": []}),
        Known("bool-is-int", {"d": {}, "k": True}),
    ),
    "d.get(k, v)": (
        Known("error-names", {"d": None, "k": True, "v": True}),
        Known("unchecked-types", {"d": None, "k": "k", "v": True}),
        Known("bool-is-int", {"d": {}, "k": True, "v": True}),
    ),
    "d.get(k, v) [dict]": (
        Known("unchecked-types", {"d": None, "k": "k", "v": True}),
        Known("error-names", {"d": {}, "k": [], "v": True}),
        Known("bool-is-int", {"d": {}, "k": True, "v": True}),
    ),
    "d.get('k') is None": (Known("unchecked-types", {"d": None}),),
    "d.get('k') is None [dict]": (Known("unchecked-types", {"d": None}),),
    "list(d.keys())": (Known("unchecked-types", {"d": None}),),
    "list(d.keys()) [dict]": (Known("unchecked-types", {"d": None}),),
    "sorted(d.keys())": (Known("unchecked-types", {"d": None}),),
    "sorted(d.keys()) [dict]": (Known("unchecked-types", {"d": None}),),
    "list(d.values())": (Known("unchecked-types", {"d": None}),),
    "list(d.values()) [dict]": (Known("unchecked-types", {"d": None}),),
    "list(d.items())": (Known("items-nesting", {"d": {"k": []}}),),
    "list(d.items()) [dict]": (
        Known("items-nesting", {"d": {"k": 0, "a": 0}}),
        Known("unchecked-types", {"d": None}),
    ),
    "list(d)": (
        Known("unchecked-types", {"d": None}),
        Known("dict-iterate", {"d": {}}),
    ),
    "list(d) [dict]": (
        Known("unchecked-types", {"d": None}),
        Known("dict-iterate", {"d": {}}),
    ),
    "sorted(d)": (
        Known("unchecked-types", {"d": False}),
        Known("error-names", {"d": None}),
        Known("dict-iterate", {"d": {}}),
    ),
    "sorted(d) [dict]": (
        Known("unchecked-types", {"d": False}),
        Known("error-names", {"d": None}),
        Known("dict-iterate", {"d": {}}),
    ),
    "[a for a in d]": (Known("dict-iterate", {"d": {}}),),
    "[a for a in d] [dict]": (Known("dict-iterate", {"d": {}}),),
    "{a: d[a] for a in d}": (
        Known("error-names", {"d": False}),
        Known("unchecked-types", {"d": None}),
        Known("dict-iterate", {"d": {}}),
    ),
    "{a: d[a] for a in d} [dict]": (
        Known("error-names", {"d": False}),
        Known("unchecked-types", {"d": None}),
        Known("dict-iterate", {"d": {}}),
    ),
    "k in d": (Known("unchecked-types", {"d": {}, "k": []}),),
    "k in d [dict]": (Known("unchecked-types", {"d": None, "k": "k"}),),
    "k not in d": (Known("unchecked-types", {"d": None, "k": "k"}),),
    "k not in d [dict]": (Known("unchecked-types", {"d": None, "k": "k"}),),
    "k in D": (Known("unchecked-types", {"D": {}, "k": []}),),
    "k in D [dict]": (Known("unchecked-types", {"D": {}, "k": []}),),
    "len(d)": (Known("unchecked-types", {"d": None}),),
    "len(d) [dict]": (Known("unchecked-types", {"d": None}),),
    "{**d, 'x': v}": (
        Known("unchecked-types", {"d": [], "v": True}),
        Known("error-names", {"d": None, "v": True}),
    ),
    "{**d, 'x': v} [dict]": (
        Known("unchecked-types", {"d": [], "v": True}),
        Known("error-names", {"d": None, "v": True}),
    ),
    "{**d, **e}": (
        Known("unchecked-types", {"d": {}, "e": []}),
        Known("error-names", {"d": {}, "e": None}),
    ),
    "{**d, **e} [dict]": (
        Known("unchecked-types", {"d": {}, "e": []}),
        Known("error-names", {"d": {}, "e": None}),
    ),
    "dict(d)": (Known("unchecked-types", {"d": []}),),
    "dict(d) [dict]": (Known("unchecked-types", {"d": None}),),
    "d.copy()": (Known("unchecked-types", {"d": None}),),
    "d.copy() [dict]": (Known("unchecked-types", {"d": None}),),
    "d == e": (Known("bool-is-int", {"d": False, "e": 0}),),
    "len(v)": (Known("unchecked-types", {"v": True}),),
    "len(v) [dict]": (Known("unchecked-types", {"v": None}),),
    "out = [] / for a in xs: / out.append(a) / return out": (
        Known("none-elements", {"xs": [None]}),
        Known("unchecked-types", {"xs": None}),
    ),
    "out = [] / for a in xs: / if a: / out.append(a) / return out": (Known("none-elements", {"xs": [None]}),),
    "m = 0 / for a in xs: / m += 1 / return m": (Known("unchecked-types", {"xs": None}),),
    "out = [] / for a in d: / out.append(a) / return out": (Known("dict-iterate", {"d": {}}),),
    "out = [] / for a in d: / out.append(d[a]) / return out": (Known("dict-iterate", {"d": {"k": None}}),),
    "out = [] / for a in d.items(): / out.append(a) / return out": (
        Known("items-nesting", {"d": {"k": None, "a": 0}}),
        Known("unchecked-types", {"d": None}),
    ),
    "out = [] / for a in range(n): / out.append(a) / return out": (
        Known("error-names", {"n": ""}),
        Known("range-args", {"n": 0.0}),
        Known("bool-is-int", {"n": True}),
    ),
    "x + y": (
        Known("unchecked-types", {"x": [], "y": 0}),
        Known("error-names", {"x": 0, "y": None}),
        Known("big-ints", {"x": 0, "y": 9007199254740993}),
    ),
    "x + y [dict]": (
        Known("unchecked-types", {"x": [], "y": 0}),
        Known("error-names", {"x": 0, "y": None}),
        Known("big-ints", {"x": 0, "y": 9007199254740993}),
    ),
    "X + Y": (Known("big-ints", {"X": 0, "Y": 9007199254740993}),),
    "X + Y [dict]": (Known("big-ints", {"X": 0, "Y": 9007199254740993}),),
    "x - y": (
        Known("error-names", {"x": 0, "y": None}),
        Known("big-ints", {"x": 0, "y": 9007199254740993}),
    ),
    "x - y [dict]": (
        Known("error-names", {"x": 0, "y": None}),
        Known("big-ints", {"x": 0, "y": 9007199254740993}),
    ),
    "x * y": (
        Known("sequence-repeat", {"x": 0, "y": []}),
        Known("error-names", {"x": 0, "y": None}),
        Known("big-ints", {"x": 9, "y": 1000799917193445}),
    ),
    "x * y [dict]": (
        Known("error-names", {"x": 0, "y": None}),
        Known("non-finite", {"x": 11, "y": 1.634266486238469e307}),
        Known("big-ints", {"x": 11, "y": 1000000000000001}),
    ),
    "x / y": (Known("error-names", {"x": 0, "y": 0}),),
    "x / y [dict]": (
        Known("big-ints", {"x": 1, "y": 9007199254740993}),
        Known("error-names", {"x": 0, "y": 0}),
    ),
    "x // y": (Known("error-names", {"x": 0, "y": 0}),),
    "x // y [dict]": (Known("error-names", {"x": 0, "y": 0}),),
    "X // Y": (Known("error-names", {"X": 0, "Y": 0}),),
    "X // Y [dict]": (
        Known("big-ints", {"X": 17675057553592250, "Y": 3}),
        Known("error-names", {"X": 0, "Y": 0}),
    ),
    "x % y": (
        Known("big-ints", {"x": 9007199254740993, "y": 2}),
        Known("error-names", {"x": 0, "y": 0}),
    ),
    "x % y [dict]": (
        Known("big-ints", {"x": 1, "y": -9007199254740993}),
        Known("error-names", {"x": 0, "y": 0}),
    ),
    "x ** n": (
        Known("big-ints", {"x": 1000000000000000, "n": 2}),
        Known("bool-is-int", {"x": 0, "n": True}),
        Known("error-names", {"x": 0, "n": -1}),
    ),
    "x ** n [dict]": (
        Known("big-ints", {"x": 1553, "n": 5}),
        Known("bool-is-int", {"x": 0, "n": True}),
        Known("error-names", {"x": 0, "n": -1}),
    ),
    "-x": (
        Known("error-names", {"x": None}),
        Known("big-ints", {"x": 9007199254740993}),
    ),
    "-x [dict]": (Known("big-ints", {"x": 9007199254740993}),),
    "+x": (Known("unchecked-types", {"x": None}),),
    "+x [dict]": (Known("unchecked-types", {"x": None}),),
    "abs(x)": (Known("error-names", {"x": None}),),
    "abs(x) [dict]": (
        Known("error-names", {"x": None}),
        Known("big-ints", {"x": -9007199254740993}),
    ),
    "x != y": (Known("big-ints", {"x": 9007199254740992, "y": 9007199254740993}),),
    "x < y": (Known("error-names", {"x": 0, "y": None}),),
    "x < y [dict]": (Known("error-names", {"x": 0, "y": None}),),
    "x <= y": (
        Known("bool-is-int", {"x": 0, "y": False}),
        Known("error-names", {"x": 0, "y": None}),
    ),
    "x <= y [dict]": (
        Known("ordering", {"x": [], "y": []}),
        Known("error-names", {"x": 0, "y": None}),
    ),
    "x > y": (
        Known("ordering", {"x": [], "y": []}),
        Known("error-names", {"x": 0, "y": None}),
    ),
    "x > y [dict]": (Known("error-names", {"x": 0, "y": None}),),
    "x >= y": (Known("error-names", {"x": 0, "y": None}),),
    "x >= y [dict]": (Known("error-names", {"x": 0, "y": None}),),
    "0 < x < 10": (Known("error-names", {"x": None}),),
    "0 < x < 10 [dict]": (Known("error-names", {"x": None}),),
    "p < q": (
        Known("bool-is-int", {"p": True, "q": True}),
        Known("error-names", {"p": None, "q": None}),
    ),
    "p < q [dict]": (
        Known("bool-is-int", {"p": True, "q": True}),
        Known("error-names", {"p": None, "q": None}),
    ),
    "round(x)": (Known("error-names", {"x": None}),),
    "round(x) [dict]": (
        Known("error-names", {"x": None}),
        Known("big-ints", {"x": -9007199254740993}),
    ),
    "round(x, n)": (
        Known("error-names", {"x": 0, "n": 0.0}),
        Known("bool-is-int", {"x": 0, "n": True}),
    ),
    "round(x, n) [dict]": (
        Known("big-ints", {"x": 9007199254740993, "n": 0}),
        Known("error-names", {"x": 0, "n": 0.0}),
        Known("bool-is-int", {"x": 0, "n": True}),
    ),
    "round(X, 2)": (Known("round-ties", {"X": 2.675}),),
    "round(X, 2) [dict]": (Known("round-ties", {"X": 2.675}),),
    "int(x)": (
        Known("error-names", {"x": None}),
        Known("big-ints", {"x": 9007199254740993}),
    ),
    "int(x) [dict]": (Known("big-ints", {"x": 9007199254740993}),),
    "float(x)": (Known("error-names", {"x": None}),),
    "float(x) [dict]": (Known("error-names", {"x": None}),),
    "str(x)": (Known("int-text", {"x": 1000000000000000}),),
    "str(x) [dict]": (Known("int-text", {"x": 1000000000000000}),),
    "str(X)": (Known("int-text", {"X": 1000000000000000}),),
    "str(X) [dict]": (Known("int-text", {"X": 1000000000000000}),),
    "f'{x}'": (Known("int-text", {"x": 1000000000000000}),),
    "f'{x}' [dict]": (Known("int-text", {"x": 1000000000000000}),),
    "f'ORD-{x}'": (Known("int-text", {"x": 1000000000000000}),),
    "f'ORD-{x}' [dict]": (Known("repr", {"x": 1000000000000000}),),
    "f'{x:.2f}'": (
        Known("error-names", {"x": None}),
        Known("big-ints", {"x": 9007199254740993}),
    ),
    "f'{x:.2f}' [dict]": (
        Known("big-ints", {"x": 9007199254740993}),
        Known("error-names", {"x": None}),
    ),
    "f'{x:.0f}'": (
        Known("error-names", {"x": None}),
        Known("big-ints", {"x": 9007199254740993}),
    ),
    "f'{x:.0f}' [dict]": (
        Known("error-names", {"x": None}),
        Known("big-ints", {"x": -9007199254740993}),
    ),
    "f'{x:,}'": (
        Known("error-names", {"x": None}),
        Known("format-spec", {"x": 2.675}),
    ),
    "f'{x:,}' [dict]": (
        Known("error-names", {"x": None}),
        Known("format-spec", {"x": 2.675}),
    ),
    "f'{x:,.2f}'": (
        Known("error-names", {"x": None}),
        Known("big-ints", {"x": 9007199254740993}),
    ),
    "f'{x:,.2f}' [dict]": (
        Known("error-names", {"x": None}),
        Known("big-ints", {"x": 9007199254740993}),
    ),
    "f'{x:d}'": (Known("format-spec", {"x": 2.675}),),
    "f'{x:d}' [dict]": (
        Known("format-spec", {"x": 2.675}),
        Known("error-names", {"x": None}),
    ),
    "min(x, y)": (
        Known("bool-is-int", {"x": 0, "y": False}),
        Known("unchecked-types", {"x": 0, "y": []}),
        Known("error-names", {"x": 0, "y": None}),
    ),
    "min(x, y) [dict]": (
        Known("error-names", {"x": 0, "y": None}),
        Known("big-ints", {"x": 0, "y": -9007199254740993}),
    ),
    "max(x, y)": (
        Known("bool-is-int", {"x": 0, "y": False}),
        Known("unchecked-types", {"x": 0, "y": []}),
        Known("error-names", {"x": 0, "y": None}),
        Known("big-ints", {"x": 0, "y": 9007199254740993}),
    ),
    "max(x, y) [dict]": (
        Known("minmax", {"x": [], "y": []}),
        Known("unchecked-types", {"x": 0, "y": []}),
        Known("error-names", {"x": 0, "y": None}),
        Known("big-ints", {"x": 0, "y": 9007199254740993}),
    ),
    "max(x, y, 0)": (
        Known("unchecked-types", {"x": 0, "y": []}),
        Known("error-names", {"x": 0, "y": None}),
        Known("big-ints", {"x": 0, "y": 9007199254740993}),
    ),
    "max(x, y, 0) [dict]": (
        Known("unchecked-types", {"x": 0, "y": []}),
        Known("error-names", {"x": 0, "y": None}),
        Known("big-ints", {"x": 0, "y": 9007199254740993}),
    ),
    "sum([x, y])": (Known("error-names", {"x": 0, "y": None}),),
    "sum([x, y]) [dict]": (
        Known("error-names", {"x": 0, "y": None}),
        Known("big-ints", {"x": 0, "y": 9007199254740993}),
    ),
    "x if x > y else y": (Known("error-names", {"x": 0, "y": None}),),
    "x if x > y else y [dict]": (
        Known("ordering", {"x": [], "y": []}),
        Known("error-names", {"x": 0, "y": None}),
    ),
    "int(v)": (Known("error-names", {"v": None}),),
    "int(v) [dict]": (Known("error-names", {"v": ""}),),
    "float(v)": (Known("error-names", {"v": None}),),
    "float(v) [dict]": (Known("error-names", {"v": None}),),
    "str(v)": (Known("int-text", {"v": 1000000000000000}),),
    "str(v) [dict]": (Known("repr", {"v": [None]}),),
    "f'{v}'": (Known("repr", {"v": [None]}),),
    "f'{v}' [dict]": (Known("repr", {"v": [None]}),),
    "v == w": (Known("bool-is-int", {"v": True, "w": 1}),),
    "v == w [dict]": (Known("bool-is-int", {"v": True, "w": 1}),),
    "timedelta(seconds=x).total_seconds()": (Known("timedelta-range", {"x": 1000000000000000}),),
    "timedelta(seconds=x).total_seconds() [dict]": (Known("timedelta-range", {"x": 1000000000000000}),),
    "timedelta(hours=x, minutes=y).total_seconds()": (
        Known("error-names", {"x": 0, "y": None}),
        Known("timedelta-range", {"x": 0, "y": 1000000000000000}),
    ),
    "timedelta(hours=x, minutes=y).total_seconds() [dict]": (
        Known("error-names", {"x": 0, "y": 2.9961552247705265e306}),
        Known("timedelta-range", {"x": 0, "y": 1000000000000000}),
    ),
    "x > y [cond]": (Known("error-names", {"x": 0, "y": None}),),
    "(ctx.current_utc_datetime + timedelta(seconds=x)).isoformat()": (
        Known("error-names", {"x": 1000000000000000}),
    ),
    "(ctx.current_utc_datetime + timedelta(seconds=x)).isoformat() [dict]": (
        Known("error-names", {"x": 1000000000000000}),
    ),
    "ctx.current_utc_datetime + timedelta(minutes=x)": (Known("error-names", {"x": 1000000000000000}),),
    "ctx.current_utc_datetime + timedelta(minutes=x) [dict]": (
        Known("error-names", {"x": 1000000000000000}),
    ),
    "datetime.fromisoformat(iso)": (Known("fromisoformat", {"iso": "2020-01-01T00:00:00"}),),
    "datetime.fromisoformat(iso) [dict]": (Known("fromisoformat", {"iso": "2020-01-01T00:00:00"}),),
    "datetime.fromisoformat(iso).isoformat()": (
        Known("fromisoformat", {"iso": "2020-01-01T00:00:00"}),
        Known("error-names", {"iso": ""}),
    ),
    "datetime.fromisoformat(iso).isoformat() [dict]": (
        Known("fromisoformat", {"iso": "2020-01-01T00:00:00"}),
        Known("error-names", {"iso": ""}),
    ),
    "datetime.fromisoformat(iso) > ctx.current_utc_datetime": (
        Known("fromisoformat", {"iso": "2020-01-01T00:00:00"}),
        Known("error-names", {"iso": ""}),
    ),
    "datetime.fromisoformat(iso) > ctx.current_utc_datetime [dict]": (
        Known("fromisoformat", {"iso": "2020-01-01T00:00:00"}),
        Known("error-names", {"iso": ""}),
    ),
    "(datetime.fromisoformat(iso) - ctx.current_utc_datetime).total_seconds()": (
        Known("fromisoformat", {"iso": "2020-01-01T00:00:00"}),
        Known("error-names", {"iso": ""}),
    ),
    "(datetime.fromisoformat(iso) - ctx.current_utc_datetime).total_seconds() [dict]": (
        Known("fromisoformat", {"iso": "2020-01-01T00:00:00.000001+00:00"}),
        Known("error-names", {"iso": ""}),
    ),
    "b = xs / b.append(v) / return xs": (
        Known("unchecked-types", {"xs": None, "v": True}),
        Known("aliasing", {"xs": [], "v": True}),
    ),
    "b = xs / b.extend(ys) / return [xs, b]": (
        Known("aliasing", {"xs": [], "ys": [0]}),
        Known("unchecked-types", {"xs": [], "ys": None}),
    ),
    "b = d / b['k'] = v / return d": (Known("aliasing", {"d": {}, "v": True}),),
    "b = d / b.update(e) / return d": (Known("aliasing", {"d": {}, "e": {"k": 0}}),),
    "b = xs.copy() / b.append(v) / return [xs, b]": (Known("unchecked-types", {"xs": None, "v": True}),),
    "b = [xs, xs] / xs.append(v) / return b": (
        Known("unchecked-types", {"xs": None, "v": True}),
        Known("aliasing", {"xs": [], "v": True}),
    ),
    "xs.append(v) / return xs": (Known("unchecked-types", {"xs": None, "v": True}),),
    "xs.extend(ys) / return xs": (Known("unchecked-types", {"xs": [], "ys": None}),),
    "d['z'] = v / return d": (
        Known("unchecked-types", {"d": [], "v": True}),
        Known("error-names", {"d": None, "v": True}),
    ),
    "d.update(e) / return d": (
        Known("unchecked-types", {"d": {}, "e": ""}),
        Known("error-names", {"d": {}, "e": None}),
    ),
    "m = x / m += y / return m": (
        Known("unchecked-types", {"x": [], "y": 0}),
        Known("error-names", {"x": 0, "y": None}),
        Known("big-ints", {"x": 0, "y": 9007199254740993}),
    ),
    "try: d[k]": (
        Known("unchecked-types", {"d": {}, "k": True}),
        Known("errors-in-try", {"d": {}, "k": "k"}),
    ),
    "try: d['k']": (Known("errors-in-try", {"d": {}}),),
    "try: xs[i]": (Known("errors-in-try", {"i": 0, "xs": []}),),
    "try: xs[0]": (
        Known("unchecked-types", {"xs": None}),
        Known("errors-in-try", {"xs": []}),
    ),
    "try: x / y": (Known("errors-in-try", {"x": 0, "y": 0}),),
    "try: x // y": (Known("errors-in-try", {"x": 0, "y": 0}),),
    "try: x % y": (
        Known("big-ints", {"x": 1, "y": -9007199254740993}),
        Known("errors-in-try", {"x": 0, "y": 0}),
    ),
    "try: int(s)": (
        Known("errors-in-try", {"s": ""}),
        Known("unchecked-types", {"s": "1.5"}),
    ),
    "try: float(s)": (Known("errors-in-try", {"s": ""}),),
    "try: len(v)": (Known("unchecked-types", {"v": True}),),
    "try: s + t": (
        Known("errors-in-try", {"s": None, "t": ""}),
        Known("unchecked-types", {"s": "", "t": None}),
    ),
    "try: v + w": (
        Known("unchecked-types", {"v": "", "w": True}),
        Known("errors-in-try", {"v": True, "w": True}),
    ),
    "try: json.loads(s)": (Known("errors-in-try", {"s": ""}),),
    "try: s.upper()": (Known("errors-in-try", {"s": None}),),
    "try: d['k']['k']": (Known("errors-in-try", {"d": {}}),),
    "str(x / y)": (
        Known("float-text", {"x": 0, "y": 1}),
        Known("error-names", {"x": 0, "y": 0}),
    ),
    "str(x / y) [dict]": (
        Known("repr", {"x": 0, "y": 1}),
        Known("error-names", {"x": 0, "y": 0}),
    ),
    "str(x // y)": (
        Known("float-text", {"x": 0, "y": 2.675}),
        Known("error-names", {"x": 0, "y": 0}),
    ),
    "str(x // y) [dict]": (
        Known("repr", {"x": 0, "y": 2.675}),
        Known("error-names", {"x": 0, "y": 0}),
    ),
    "str(x * 1.5)": (
        Known("non-finite", {"x": 1.1984620899082105e308}),
        Known("float-text", {"x": 0}),
    ),
    "str(x * 1.5) [dict]": (Known("repr", {"x": 0}),),
    "str(float(x))": (Known("float-text", {"x": 0}),),
    "str(float(x)) [dict]": (
        Known("error-names", {"x": None}),
        Known("repr", {"x": 0}),
    ),
    "str(round(x, n))": (
        Known("int-text", {"x": 1000000000000000, "n": 0}),
        Known("error-names", {"x": 0, "n": 0.0}),
        Known("bool-is-int", {"x": 0, "n": True}),
    ),
    "str(round(x, n)) [dict]": (
        Known("int-text", {"x": 1000000000000000, "n": 0}),
        Known("error-names", {"x": 0, "n": 0.0}),
        Known("bool-is-int", {"x": 0, "n": True}),
    ),
    "str(abs(x))": (Known("int-text", {"x": 1000000000000000}),),
    "str(abs(x)) [dict]": (
        Known("error-names", {"x": None}),
        Known("int-text", {"x": 1000000000000000}),
    ),
    "f'{x / y}'": (
        Known("float-text", {"x": 0, "y": 1}),
        Known("error-names", {"x": 0, "y": 0}),
    ),
    "f'{x / y}' [dict]": (
        Known("repr", {"x": 0, "y": 1}),
        Known("error-names", {"x": 0, "y": 0}),
    ),
}


# ---------------------------------------------------------------------------------------------
# Running a case both ways

HEADER = """\
# Generated by tests/compiler/test_expression_semantics.py.
import json
from datetime import datetime, timedelta
from typing import Any

from durable_sfn import OrchestrationContext, orchestrator

"""


def case_source(case: Case) -> str:
    lines = [
        f'@orchestrator(name="{case.function}")',
        f"async def {case.function}(ctx: OrchestrationContext) -> Any:",
        "    inp = ctx.get_input()",
    ]
    for name in case.operands:
        lines.append(f"    {name} = " + OPERANDS[name].binding.format(key=json.dumps(name)))
    lines += ["    " + line for line in case.source.splitlines()]
    return "\n".join(lines) + "\n\n\n"


@dataclass
class Outcome:
    status: str
    value: Any = None  # the output, or the error name

    def __str__(self) -> str:
        return f"{self.value!r}" if self.status == "SUCCEEDED" else f"fails with {self.value}"


class Mismatch(AssertionError):
    pass


class ValueMismatch(Mismatch):
    """Both runs succeed with different outputs."""


class PythonFailsCompiledSucceeds(Mismatch):
    """Python raises; the compiled definition returns a value."""


class CompiledFailsPythonSucceeds(Mismatch):
    """The compiled definition fails; Python returns a value."""


class ErrorNameMismatch(Mismatch):
    """Both fail, with different error names."""


ROLE = "arn:aws:iam::123456789012:role/expression-semantics"
RUNS_PER_ENGINE = 2000


@dataclass
class Suite:
    """One generated module per case (small files keep compiling and the direct run's source
    lookups cheap), and an engine per case, each created on first use."""

    directory: Path
    functions: dict[str, Callable[..., Any]] = field(default_factory=dict)
    machines: dict[str, tuple[LocalStepFunctions, str, int]] = field(default_factory=dict)
    refused: dict[str, CompileError | None] = field(default_factory=dict)

    def function(self, case: Case) -> Callable[..., Any]:
        fn = self.functions.get(case.function)
        if fn is None:
            path = self.directory / f"{case.function}.py"
            path.write_text(HEADER + case_source(case), encoding="utf-8")
            spec = importlib.util.spec_from_file_location(case.function, path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            fn = self.functions[case.function] = getattr(module, case.function)
        return fn

    def compile(self, case: Case) -> CompileError | None:
        """The case's CompileError, or None when it compiles (compiled once, then cached)."""
        if case.function not in self.refused:
            try:
                compiled_definition(self.function(case))
                self.refused[case.function] = None
            except CompileError as exc:
                self.refused[case.function] = exc
        return self.refused[case.function]

    def run_compiled(self, case: Case, value: Mapping[str, Any]) -> Outcome:
        entry = self.machines.get(case.function)
        if entry is None or entry[2] >= RUNS_PER_ENGINE:
            sfn = LocalStepFunctions(clock=VirtualClock(DEFAULT_START))
            definition = json.dumps(compiled_definition(self.function(case)))
            arn = sfn.create_state_machine(
                name=case.function, definition=definition, roleArn=ROLE, type="EXPRESS"
            )["stateMachineArn"]
            entry = (sfn, arn, 0)
        sfn, arn, runs = entry
        self.machines[case.function] = (sfn, arn, runs + 1)
        result = sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps(value))
        if result["status"] == "SUCCEEDED":
            return Outcome("SUCCEEDED", json.loads(result["output"]))
        return Outcome(result["status"], result.get("error"))

    def run_direct(self, case: Case, value: Mapping[str, Any]) -> Outcome:
        result: ExecutionResult = run_direct(self.function(case), dict(value))
        if result.status == "SUCCEEDED":
            return Outcome("SUCCEEDED", result.output)
        return Outcome(result.status, result.error)


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values: one number type (3 == 3.0), but booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def compare(suite: Suite, case: Case, value: Mapping[str, Any]) -> None:
    """Run `case` both ways on `value`; raise a Mismatch subclass naming the kind of difference."""
    try:
        direct = suite.run_direct(case, value)
    except TypeError as exc:  # the direct run refuses a value that is not JSON (e.g. a dict view)
        direct = Outcome("NOT_JSON", type(exc).__name__)
    compiled = suite.run_compiled(case, value)
    detail = f"{case.label} on {dict(value)!r}: Python {direct}, compiled {compiled}"
    if direct.status == "SUCCEEDED" and compiled.status == "SUCCEEDED":
        if not same_json(direct.value, compiled.value):
            raise ValueMismatch(detail)
    elif direct.status == "SUCCEEDED":
        raise CompiledFailsPythonSucceeds(detail)
    elif compiled.status == "SUCCEEDED":
        raise PythonFailsCompiledSucceeds(detail)
    elif direct.value != compiled.value:
        raise ErrorNameMismatch(detail)


def inputs(case: Case) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({name: OPERANDS[name].values for name in case.operands})


# ---------------------------------------------------------------------------------------------
# The tests

FAST = settings(
    max_examples=20,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: failures here are catalogued ones
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Suite:
    return Suite(tmp_path_factory.mktemp("expression_semantics"))


def _params() -> Iterator[Any]:
    for case in CASES:
        known = KNOWN_MISMATCHES.get(case.label, ())
        reason = ", ".join(k.cause for k in known)
        marks = [pytest.mark.xfail(strict=True, raises=Mismatch, reason=reason)] if known else []
        yield pytest.param(case, id=case.label, marks=marks)


@pytest.mark.parametrize("case", list(_params()))
def test_python_and_compiled_agree(suite: Suite, case: Case) -> None:
    refusal = suite.compile(case)
    if case.label in REFUSED:
        assert refusal is not None, f"{case.label} must be refused: {REFUSED[case.label]}"
        return
    assert refusal is None, f"{case.label} is refused:\n{refusal}"
    known = KNOWN_MISMATCHES.get(case.label, ())
    if known:
        # Every catalogued cause must still show on its witness; a fixed one must leave the catalogue.
        still: list[Mismatch] = []
        for k in known:
            try:
                compare(suite, case, k.witness)
            except Mismatch as exc:
                still.append(exc)
            else:
                pytest.fail(
                    f"fixed: {case.label} now agrees on {dict(k.witness)!r}; remove its {k.cause!r} entry"
                )
        raise still[0]

    @FAST
    @given(value=inputs(case))
    def agree(value: dict[str, Any]) -> None:
        compare(suite, case, value)

    agree()


def test_catalogue_is_consistent() -> None:
    labels = {c.label for c in CASES}
    assert len(labels) == len(CASES), "case labels must be unique"
    assert set(KNOWN_MISMATCHES) <= labels
    assert set(REFUSED) <= labels
    for label, known in KNOWN_MISMATCHES.items():
        case = next(c for c in CASES if c.label == label)
        for k in known:
            assert k.cause in ROOT_CAUSES, (label, k.cause)
            assert set(k.witness) == set(case.operands), label


# ---------------------------------------------------------------------------------------------
# Long exploration


def explore(suite: Suite, case: Case, examples: int) -> list[Mismatch]:
    """Every distinct disagreement hypothesis finds (and shrinks) for `case`."""
    found: list[Mismatch] = []

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        report_multiple_bugs=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(value=inputs(case))
    def agree(value: dict[str, Any]) -> None:
        compare(suite, case, value)

    try:
        agree()
    except Mismatch as exc:
        found.append(exc)
    except BaseExceptionGroup as group:
        found.extend(e for e in group.exceptions if isinstance(e, Mismatch))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--match", default="", help="only cases whose label contains this text")
    args = parser.parse_args(argv)
    cases = [c for c in CASES if args.match in c.label]
    with tempfile.TemporaryDirectory() as directory:
        suite = Suite(Path(directory))
        disagreeing = 0
        for case in cases:
            refusal = suite.compile(case)
            if refusal is not None:
                codes = sorted({d.code for d in refusal.diagnostics})
                print(f"REFUSED  [{case.area}] {case.label}: {', '.join(codes)}")
                continue
            found = explore(suite, case, args.examples)
            disagreeing += bool(found)
            for mismatch in found:
                print(f"MISMATCH [{case.area}] {type(mismatch).__name__}: {mismatch}")
            sys.stdout.flush()
    print(f"{disagreeing} of {len(cases)} cases disagree")
    return 1 if disagreeing else 0


if __name__ == "__main__":
    sys.exit(main())
