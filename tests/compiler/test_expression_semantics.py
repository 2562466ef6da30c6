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

Where a JSON value cannot carry what Python computes, the compiled run refuses the value with
UnsupportedValueError (docs/compiler.md, "Python values, exactly"). `RUNTIME_LIMITS` lists each
such limit with the messages it fails with and the operand values it covers: a refusal outside
them is a mismatch (`UndocumentedRefusal`), and `REFUSED_AT_RUN_TIME` pins a witness of each.

`KNOWN_MISMATCHES` is the catalogue of what still disagrees: each entry names its root cause and
a witness input. The test of a catalogued case asserts that the witness still disagrees (strict
xfail), so fixing a cause shows up as a failure that asks for its entry to be removed. (The first
catalogue, before the expression rules were made exact, listed 345 of 432 cases under 30 root
causes; see this file's history.) One difference is accepted in `compare` rather than catalogued:
an expression error no `try` catches fails the compiled run with States.QueryEvaluationError whose
Cause starts with Python's error name (`uncaught_expression_error`, pinned by its own test).

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
from durable_sfn.testing import ExecutionResult, jsonvalues, run_direct
from durable_sfn.testing.compiled import compiled_definition
from durable_sfn.testing.results import DEFAULT_START

INT_LIMIT = 2**53 - 1  # the largest integer a JSON number (a double) holds with all below it

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
    "\uff01",  # FULLWIDTH EXCLAMATION MARK: after the emoji in UTF-16 order, before it in Python's
    "a,b",
    "a  b",
    "true",
    "None",
    "[1, 2]",
    '{"a": 1}',
    "NaN",
    "inf",
]
ALPHABET = "ab A0 \t\n\u00e9\u00df\u0130\U0001f600\uff01,-."

small_ints = st.integers(-12, 12)
ints = st.one_of(
    small_ints,
    st.integers(-(10**6), 10**6),
    st.integers(10**15, 10**18),
    st.integers(-(10**18), -(10**15)),
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
    *expressions(
        "iteration",
        [
            "sorted(xs, key=lambda a: a)",
            "sorted(xs, key=lambda a: [a], reverse=True)",
            "min(xs, key=lambda a: a, default=v)",
            "max(xs, key=lambda a: [a])",
            "max(xs, default=None)",
            "max(d, key=d.get)",
            "min(d, key=d.get, default=k)",
            "sorted(d.items(), key=lambda kv: kv[1])",
            "[a for a, b in sorted(d.items(), key=lambda kv: kv[1], reverse=True)]",
        ],
        ("return",),
    ),
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
            groups = {}
            for a in xs:
                groups.setdefault(k, []).append(a)
            return groups
            """,
            """
            groups = {"k": [], "a": {}}
            groups[k].extend(xs)
            return groups
            """,
            """
            counts = {}
            for a in d:
                counts[a] = 0
                counts[a] += x
            return counts
            """,
            """
            seen = {}
            first = seen.setdefault(k, v)
            return [seen, first]
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
            "f'{x:.1%}'",
            "f'{x:%}'",
            "f'{x:,.0%}'",
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
            "str(x + y)",
            "f'{x * y}'",
            "f'{x - y:,}'",
            "f'{x + y:d}'",
            "str(-(x + y))",
            "str(abs(x - y))",
            "str(x ** n)",
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
            """
            m = x + y
            return str(m)
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
    *expressions(
        "slices",
        [
            "xs[i:]",
            "xs[:i]",
            "xs[i:n]",
            "xs[::i]",
            "xs[n:i:-1]",
            "s[i:]",
            "s[:i]",
            "s[::-1]",
            "s[i:n:i]",
            "v[1:3]",
            "xs[p:q]",
        ],
    ),
    *in_try("slices", ["xs[::i]", "v[i:]", "xs[p:]"]),
    *expressions(
        "string methods",
        [
            "s.isdigit()",
            "s.title()",
            "S.title()",
            "'{} and {}'.format(s, x)",
            "'{1}-{0}-{1}'.format(v, n)",
            "'{:.2f}|{name}'.format(x, name=s)",
        ],
    ),
    *in_try("string methods", ["s.isdigit()", "s.title()", "'{:.2f}'.format(x)"]),
    *expressions(
        "reversed",
        [
            "list(reversed(v))",
            "''.join(reversed(s))",
            "[c for c in reversed(s)]",
            "sorted(reversed(xs))",
            "reversed(xs)",
        ],
    ),
    *statements(
        "reversed",
        [
            """
            out = []
            for item in reversed(v):
                out.append(item)
            return out
            """
        ],
    ),
]

# Cases the compiler must refuse (at compile time, with a diagnostic), with the reason.
REFUSED: dict[str, str] = {
    "b = xs / b.append(v) / return xs": "DSF051: the list another name refers to changes in place",
    "b = xs / b.extend(ys) / return [xs, b]": "DSF051: the list another name refers to changes in place",
    "b = d / b['k'] = v / return d": "DSF051: the dict another name refers to changes in place",
    "b = d / b.update(e) / return d": "DSF051: the dict another name refers to changes in place",
    "b = [xs, xs] / xs.append(v) / return b": "DSF051: a list inside another list changes in place",
    "{k: v}": "DSF002: a dict key the compiler cannot prove is a string",
    "reversed(xs)": "DSF004: reversed() outside iteration is an iterator object, not a JSON value",
    "reversed(xs) [dict]": "DSF004: reversed() outside iteration is an iterator object, not a JSON value",
    "{k: v} [dict]": "DSF002: a dict key the compiler cannot prove is a string",
}


# ---------------------------------------------------------------------------------------------
# Values the compiled run refuses


def _numbers(value: Any) -> Iterator[int | float]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)


def _texts(value: Any) -> Iterator[str]:
    """Every string in a value, dict keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _texts(item)


def _containers(value: Any) -> Iterator[list[Any] | dict[str, Any]]:
    if isinstance(value, list | dict):
        yield value
        for item in value if isinstance(value, list) else value.values():
            yield from _containers(item)


def _is_float(n: int | float) -> bool:
    """A float as Python holds a JSON number (the direct run's boundary makes 2.0 an int)."""
    return not (float(n).is_integer() and abs(n) <= INT_LIMIT)


def _output(direct: Outcome) -> Any:
    return direct.value if direct.status == "SUCCEEDED" else None


def _exponent_text(operands: Mapping[str, Any], direct: Outcome) -> bool:
    texts = [t.replace(",", "") for t in _texts(_output(direct))]
    return any(re.search(r"[0-9]e[+-][0-9]|[0-9]{22}", t) for t in texts)


def _beyond_int_range(operands: Mapping[str, Any], direct: Outcome) -> bool:
    found = [*_numbers(list(operands.values())), *_numbers(_output(direct))]
    if any(abs(n) > INT_LIMIT for n in found if math.isfinite(n)):
        return True
    digits = [t.replace(",", "") for t in _texts(_output(direct))]
    if any(re.fullmatch(r"-?[0-9]+", t) and abs(int(t)) > INT_LIMIT for t in digits):
        return True
    pairs = [n for v in operands.values() for n in _numbers(v) if not isinstance(v, list | dict)]
    for a in pairs:  # a quotient // and % need exactly
        for b in pairs:
            try:
                if b != 0 and abs(a / b) > INT_LIMIT:
                    return True
            except OverflowError:
                return True
    return False


def _negative_digits_of_a_float(operands: Mapping[str, Any], direct: Outcome) -> bool:
    scalars = [v for v in operands.values() if isinstance(v, int | float) and not isinstance(v, bool)]
    return any(_is_float(v) for v in scalars) and any(isinstance(v, int) and v < 0 for v in scalars)


def _repr_of_container(operands: Mapping[str, Any], direct: Outcome) -> bool:
    contains = any(c is not v for v in operands.values() for c in _containers(v)) or any(
        isinstance(v, list | dict) for v in operands.values()
    )
    return contains and any("[" in t or "{" in t for t in _texts(_output(direct)))


def _not_a_utc_millisecond(operands: Mapping[str, Any], direct: Outcome) -> bool:
    texts = [v for v in operands.values() if isinstance(v, str)]
    # Python fails too on some of these (a text that is no timestamp: ValueError; a naive one
    # compared with an aware one: TypeError), with another error name.
    return any(not re.search(r"(Z|[+-]00:00)$", t) or re.search(r"\.[0-9]{3}[0-9]*[1-9]", t) for t in texts)


def _non_ascii(operands: Mapping[str, Any], direct: Outcome) -> bool:
    return any(any(ord(c) > 127 for c in t) for t in _texts(list(operands.values())))


def _non_finite(operands: Mapping[str, Any], direct: Outcome) -> bool:
    overflow = direct.status != "SUCCEEDED" and direct.value == "OverflowError"
    texts = _texts(_output(direct))
    return (
        overflow
        or any(not math.isfinite(n) for n in _numbers(_output(direct)))
        or any(re.search(r"\b(inf|nan)\b", t) for t in texts)
    )


def _key_not_a_string(operands: Mapping[str, Any], direct: Outcome) -> bool:
    """A pair whose key is not a string (dict(pairs)), or a key operand that is not one (d[k] = v,
    d.setdefault(k, [])...)."""
    return ("k" in operands and not isinstance(operands["k"], str)) or any(
        not isinstance(item, str)
        for v in operands.values()
        for c in _containers(v)
        if isinstance(c, list)
        for item in c
    )


def _digit_keys(operands: Mapping[str, Any], direct: Outcome) -> bool:
    """A dict of two or more keys, one of them a decimal integer, among the operands."""
    return any(
        isinstance(c, dict) and len(c) > 1 and any(re.fullmatch(r"0|[1-9][0-9]{0,9}", k) for k in c)
        for v in operands.values()
        for c in _containers(v)
    )


def _a_list(operands: Mapping[str, Any], direct: Outcome) -> bool:
    return any(isinstance(v, list) for v in operands.values())


# JSONata's own refusal of a result that is not a finite number (Python's float arithmetic goes
# on with inf).
NUMBER_OUT_OF_RANGE = "D1001: Number out of range"


@dataclass(frozen=True)
class Limit:
    """A value a JSON document or JSONata cannot carry the way Python does: the compiled run fails
    with UnsupportedValueError there (docs/compiler.md, "Python values, exactly") instead of going
    on with another value. The refusal is accepted only with one of `messages` and only where
    `applies(operands, Python's outcome)` holds, so a refusal of any other value is a Mismatch."""

    doc: str
    messages: tuple[str, ...]
    applies: Callable[[Mapping[str, Any], Outcome], bool]


RUNTIME_LIMITS: dict[str, Limit] = {
    "float-text-range": Limit(
        "str()/format of a float that Python prints with an exponent (1e+16, 1e-05), or of 10**21 "
        "and more with '.Nf'",
        ("this float has no exact text here", "a number of 10**21 or more has no exact fixed-point text"),
        _exponent_text,
    ),
    "big-ints": Limit(
        "an integer result beyond 2**53 - 1 (or a float quotient beyond it in // and %): JSON "
        "numbers are doubles",
        (
            "an integer beyond 2**53 has no exact JSON number",
            "the quotient is too large for an exact remainder",
            "this float has no exact text here",  # str() of an integral float beyond 2**53
        ),
        _beyond_int_range,
    ),
    "round-negative-digits": Limit(
        "round(x, n) of a float with negative n",
        ("round() of a float to negative digits",),
        _negative_digits_of_a_float,
    ),
    "repr-unknown": Limit(
        "str()/f-string/format of a list or dict the compiler cannot see is one (Python's repr; "
        "known lists and dicts are refused, DSF052)",
        ("the text of a list or dict is Python's repr",),
        _repr_of_container,
    ),
    "timestamps": Limit(
        "datetime.fromisoformat of a text without a UTC offset, with another offset or with "
        "microseconds (a Step Functions timestamp is UTC, in milliseconds)",
        ("only UTC timestamps", "a timestamp holds milliseconds, not microseconds"),
        _not_a_utc_millisecond,
    ),
    "non-ascii-text": Limit(
        "int()/float()/isdigit() of text with characters beyond ASCII (Python reads every script's "
        "digits), title() of such text (Unicode's title case)",
        (
            "int() and float() of text with characters beyond ASCII",
            "isdigit() of a text with characters outside ASCII",
            "title() of a text with characters outside ASCII",
        ),
        _non_ascii,
    ),
    "non-finite": Limit(
        "float('nan'), json.loads('NaN'): not JSON numbers",
        ("inf and nan are not JSON numbers", NUMBER_OUT_OF_RANGE),
        _non_finite,
    ),
    "dict-keys": Limit(
        "a dict key that is not a string (JSON object keys are strings)",
        ("dict keys must be strings",),
        _key_not_a_string,
    ),
    "dict-key-order": Limit(
        "iterating a dict with two or more keys, one of them a decimal integer ('0', '42'): "
        "JSONata puts such keys first, ascending, where Python keeps insertion order",
        ("the order of a dict whose keys include decimal integers is not kept",),
        _digit_keys,
    ),
    "shared-list-augmented": Limit(
        "`x += y` on a list another name reads later (Python extends both names' list; a compiled "
        "variable holds its own)",
        ("this list is shared with another name",),
        _a_list,
    ),
}


def refusal_message(compiled: Outcome) -> str | None:
    """The message of the compiled run's UnsupportedValueError, caught by a `try` or not."""
    if compiled.value == "UnsupportedValueError":
        return compiled.cause
    if compiled.value == "States.QueryEvaluationError" and NUMBER_OUT_OF_RANGE in compiled.cause:
        return NUMBER_OUT_OF_RANGE
    marker = "D3137: UnsupportedValueError: "  # uncaught: after the expression's text
    if compiled.value == "States.QueryEvaluationError" and marker in compiled.cause:
        return compiled.cause.rpartition(marker)[2]
    return None


def documented_refusal(value: Mapping[str, Any], direct: Outcome, compiled: Outcome) -> str | None:
    """The RUNTIME_LIMITS cause that accounts for the compiled run's refusal, if one does."""
    message = refusal_message(compiled)
    if message is None:
        return None
    for cause, limit in RUNTIME_LIMITS.items():
        if any(message.startswith(m) for m in limit.messages) and limit.applies(value, direct):
            return cause
    return None


# ---------------------------------------------------------------------------------------------
# The catalogue of disagreements


@dataclass(frozen=True)
class Known:
    cause: str  # a key of ROOT_CAUSES
    witness: Mapping[str, Any]  # operand values on which the two runs disagree


# What still differs, and why: each a silent difference (both runs succeed with different values,
# or fail with different error names) that is not fixed yet.
ROOT_CAUSES: dict[str, str] = {}
KNOWN_MISMATCHES: dict[str, tuple[Known, ...]] = {}
# Cases with a witness of a documented refusal: the compiled run fails with UnsupportedValueError
# (a RUNTIME_LIMITS cause) where Python goes on. The witness pins the refusal; the case's other
# values must agree or be refused under a limit that applies to them.
REFUSED_AT_RUN_TIME: dict[str, tuple[Known, ...]] = {
    "json.loads(s) [dict]": (Known("non-finite", {"s": "NaN"}),),
    "s.isdigit()": (Known("non-ascii-text", {"s": "٣"}),),
    "s.isdigit() [dict]": (Known("non-ascii-text", {"s": "٣"}),),
    "try: s.isdigit()": (Known("non-ascii-text", {"s": "٣"}),),
    "s.title()": (Known("non-ascii-text", {"s": "é"}),),
    "s.title() [dict]": (Known("non-ascii-text", {"s": "é"}),),
    "S.title()": (Known("non-ascii-text", {"S": "é"}),),
    "S.title() [dict]": (Known("non-ascii-text", {"S": "é"}),),
    "try: s.title()": (Known("non-ascii-text", {"s": "é"}),),
    "'{} and {}'.format(s, x)": (Known("repr-unknown", {"s": [], "x": 1}),),
    "'{} and {}'.format(s, x) [dict]": (Known("repr-unknown", {"s": [], "x": 1}),),
    "'{1}-{0}-{1}'.format(v, n)": (Known("repr-unknown", {"v": [None], "n": 1}),),
    "'{1}-{0}-{1}'.format(v, n) [dict]": (Known("repr-unknown", {"v": [None], "n": 1}),),
    "try: '{:.2f}'.format(x)": (Known("float-text-range", {"x": 1e22}),),
    "'{:.2f}|{name}'.format(x, name=s)": (Known("repr-unknown", {"x": 1, "s": []}),),
    "'{:.2f}|{name}'.format(x, name=s) [dict]": (Known("repr-unknown", {"x": 1, "s": []}),),
    "str(s)": (Known("repr-unknown", {"s": []}),),
    "str(s) [dict]": (Known("repr-unknown", {"s": []}),),
    "f'<{s}>'": (Known("repr-unknown", {"s": []}),),
    "f'<{s}>' [dict]": (Known("repr-unknown", {"s": []}),),
    "f'{s!s}'": (Known("repr-unknown", {"s": []}),),
    "f'{s!s}' [dict]": (Known("repr-unknown", {"s": []}),),
    "int(s)": (Known("non-ascii-text", {"s": "٣"}),),
    "int(s) [dict]": (Known("non-ascii-text", {"s": "٣"}),),
    "float(s)": (Known("non-finite", {"s": "NaN"}),),
    "float(s) [dict]": (Known("non-ascii-text", {"s": "٣"}),),
    "{c: 1 for c in s}": (Known("dict-keys", {"s": [None, -57999, -7, "a  b"]}),),
    "{c: 1 for c in s} [dict]": (Known("dict-keys", {"s": [None]}),),
    "s2 = s / s2 += t / return [s, s2]": (Known("shared-list-augmented", {"s": [], "t": ""}),),
    "{str(a): a for a in xs}": (Known("repr-unknown", {"xs": [[]]}),),
    "{str(a): a for a in xs} [dict]": (Known("repr-unknown", {"xs": [[]]}),),
    "X + Y [dict]": (Known("big-ints", {"X": 1000000000000000, "Y": 8007199254740993}),),
    "x * y": (Known("big-ints", {"x": 4, "y": 2251799813685248}),),
    "x * y [dict]": (Known("big-ints", {"x": 10, "y": 1000000000000000}),),
    "x // y": (Known("big-ints", {"x": 1, "y": 1.5401586945786098e-153}),),
    "x // y [dict]": (Known("big-ints", {"x": 9007199254740992, "y": 1}),),
    "X // Y": (Known("big-ints", {"X": 1, "Y": 6.584602090790711e-139}),),
    "X // Y [dict]": (Known("big-ints", {"X": 9007199254740992, "Y": 1}),),
    "x % y": (Known("big-ints", {"x": 1, "y": 2.908471126046226e-124}),),
    "x % y [dict]": (Known("big-ints", {"x": 1, "y": 5e-324}),),
    "x ** n [dict]": (Known("big-ints", {"x": 22, "n": 12}),),
    "round(x, n)": (Known("round-negative-digits", {"x": 9007199254740992, "n": -1}),),
    "round(x, n) [dict]": (Known("round-negative-digits", {"x": 9007199254740992, "n": -1}),),
    "str(x)": (Known("float-text-range", {"x": 9999999999999999}),),
    "str(x) [dict]": (Known("float-text-range", {"x": 9999999999999999}),),
    "str(X)": (Known("float-text-range", {"X": 9999999999999999}),),
    "str(X) [dict]": (Known("float-text-range", {"X": 9999999999999999}),),
    "f'{x}'": (Known("float-text-range", {"x": 100000000000000000000}),),
    "f'{x}' [dict]": (Known("float-text-range", {"x": 9999999999999999}),),
    "f'ORD-{x}'": (Known("float-text-range", {"x": 9999999999999999}),),
    "f'ORD-{x}' [dict]": (Known("float-text-range", {"x": 9999999999999999}),),
    "f'{x:.2f}'": (Known("float-text-range", {"x": 1e21}),),
    "f'{x:.2f}' [dict]": (Known("float-text-range", {"x": 1e21}),),
    "f'{x:.0f}'": (Known("float-text-range", {"x": 1e21}),),
    "f'{x:.0f}' [dict]": (Known("float-text-range", {"x": 1e21}),),
    "f'{x:,}'": (Known("float-text-range", {"x": 9999999999999999}),),
    "f'{x:,}' [dict]": (Known("float-text-range", {"x": 9999999999999999}),),
    "f'{x:.1%}'": (Known("float-text-range", {"x": 1e19}),),
    "f'{x:.1%}' [dict]": (Known("float-text-range", {"x": 1e19}),),
    "f'{x:%}'": (Known("float-text-range", {"x": 1e19}),),
    "f'{x:%}' [dict]": (Known("float-text-range", {"x": 1e19}),),
    "f'{x:,.0%}'": (Known("float-text-range", {"x": 1e19}),),
    "f'{x:,.0%}' [dict]": (Known("float-text-range", {"x": 1e19}),),
    "f'{x:,.2f}'": (Known("float-text-range", {"x": 1e22}),),
    "f'{x:,.2f}' [dict]": (Known("float-text-range", {"x": 1e21}),),
    "str(v)": (Known("repr-unknown", {"v": []}),),
    "str(v) [dict]": (Known("repr-unknown", {"v": []}),),
    "f'{v}'": (Known("repr-unknown", {"v": []}),),
    "f'{v}' [dict]": (Known("repr-unknown", {"v": []}),),
    "str(x / y)": (Known("float-text-range", {"x": 1, "y": 1000000000000000}),),
    "str(x / y) [dict]": (Known("float-text-range", {"x": 1, "y": 1000000000000000}),),
    "str(float(x))": (Known("float-text-range", {"x": 9999999999999999}),),
    "str(float(x)) [dict]": (Known("float-text-range", {"x": 9999999999999999}),),
    "str(x * 1.5)": (Known("float-text-range", {"x": 6666666666666666}),),
    "str(x * 1.5) [dict]": (Known("float-text-range", {"x": 6666666666666666}),),
    "f'{x / y}'": (Known("float-text-range", {"x": 1, "y": 10001}),),
    "f'{x / y}' [dict]": (Known("float-text-range", {"x": 1, "y": 10001}),),
    "str(round(x, n))": (Known("big-ints", {"x": 9007199254740501, "n": -3}),),
    "str(round(x, n)) [dict]": (Known("round-negative-digits", {"x": 9999999999999716, "n": -11}),),
    "str(abs(x))": (Known("float-text-range", {"x": 9999999999999999}),),
    "str(abs(x)) [dict]": (Known("float-text-range", {"x": 9999999999999999}),),
    "datetime.fromisoformat(iso)": (Known("timestamps", {"iso": "2020-01-01T00:00:00"}),),
    "datetime.fromisoformat(iso) [dict]": (Known("timestamps", {"iso": "2020-01-01T00:00:00"}),),
    "datetime.fromisoformat(iso).isoformat()": (Known("timestamps", {"iso": "2020-01-01T00:00:00"}),),
    "datetime.fromisoformat(iso).isoformat() [dict]": (Known("timestamps", {"iso": "2020-01-01T00:00:00"}),),
    "datetime.fromisoformat(iso) > ctx.current_utc_datetime": (
        Known("timestamps", {"iso": "2020-01-01T00:00:00+02:00"}),
    ),
    "datetime.fromisoformat(iso) > ctx.current_utc_datetime [dict]": (
        Known("timestamps", {"iso": "2020-01-01T00:00:00.000001+00:00"}),
    ),
    "(datetime.fromisoformat(iso) - ctx.current_utc_datetime).total_seconds()": (
        Known("timestamps", {"iso": "2020-01-01T00:00:00.000001+00:00"}),
    ),
    "(datetime.fromisoformat(iso) - ctx.current_utc_datetime).total_seconds() [dict]": (
        Known("timestamps", {"iso": "2020-01-01T00:00:00.000001+00:00"}),
    ),
    "try: x // y": (Known("big-ints", {"x": -6.398981671679959e214, "y": 0.039}),),
    "try: x % y": (Known("big-ints", {"x": 1, "y": 3.013163232008557e-103}),),
    "try: int(s)": (Known("non-ascii-text", {"s": "٣"}),),
    "try: float(s)": (Known("non-ascii-text", {"s": "ß"}),),
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
    cause: str = ""

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


class UndocumentedRefusal(Mismatch):
    """The compiled run fails with UnsupportedValueError where no RUNTIME_LIMITS entry applies."""


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
        # The input as Step Functions reads it: every JSON number a double.
        text = jsonvalues.dumps(jsonvalues.roundtrip(dict(value), "the input"))
        result = sfn.start_sync_execution(stateMachineArn=arn, input=text)
        if result["status"] == "SUCCEEDED":
            return Outcome("SUCCEEDED", json.loads(result["output"]))
        return Outcome(result["status"], result.get("error"), result.get("cause") or "")

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
    if refusal_message(compiled) is not None:
        if documented_refusal(value, direct, compiled) is None:
            raise UndocumentedRefusal(f"{detail}: {refusal_message(compiled)}")
        return
    if direct.status == "SUCCEEDED" and compiled.status == "SUCCEEDED":
        if not same_json(direct.value, compiled.value):
            raise ValueMismatch(detail)
    elif direct.status == "SUCCEEDED":
        raise CompiledFailsPythonSucceeds(detail)
    elif compiled.status == "SUCCEEDED":
        raise PythonFailsCompiledSucceeds(detail)
    elif direct.value != compiled.value and not uncaught_expression_error(direct, compiled):
        raise ErrorNameMismatch(detail)


def uncaught_expression_error(direct: Outcome, compiled: Outcome) -> bool:
    """The one accepted difference of error names: an expression error no `try` catches fails
    the compiled run with States.QueryEvaluationError, whose Cause names Python's error (inside a
    `try` the handler sees Python's name; see test_uncaught_expression_errors_name_python_errors)."""
    return compiled.value == "States.QueryEvaluationError" and f"{direct.value}: " in compiled.cause


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
    for k in REFUSED_AT_RUN_TIME.get(case.label, ()):
        direct, compiled = suite.run_direct(case, k.witness), suite.run_compiled(case, k.witness)
        assert documented_refusal(k.witness, direct, compiled) == k.cause, (
            f"{case.label} on {dict(k.witness)!r}: Python {direct}, compiled {compiled} "
            f"({refusal_message(compiled)}); expected the {k.cause!r} refusal"
        )
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


@pytest.mark.parametrize(
    ("source", "value", "error"),
    [
        ("return d['k']", {"d": {}}, "KeyError"),
        ("return xs[3]", {"xs": []}, "IndexError"),
        ("return x / y", {"x": 1, "y": 0}, "ZeroDivisionError"),
        ("return len(v)", {"v": 5}, "TypeError"),
        ("return int(s)", {"s": "1.5"}, "ValueError"),
        ("return json.loads(s)", {"s": '{"a": [1, 2,]}'}, "JSONDecodeError"),
        ("return s.upper()", {"s": None}, "AttributeError"),
    ],
)
def test_uncaught_expression_errors_name_python_errors(
    suite: Suite, source: str, value: dict[str, Any], error: str
) -> None:
    """The accepted difference (`uncaught_expression_error`), pinned: Python raises `error`; the
    compiled run fails with States.QueryEvaluationError whose Cause starts with the same name
    (inside a `try`, the handler for `error` runs in both; see the `try:` cases)."""
    case = Case("errors", source, f"uncaught: {source}")
    direct, compiled = suite.run_direct(case, value), suite.run_compiled(case, value)
    assert (direct.status, direct.value) == ("FAILED", error)
    assert (compiled.status, compiled.value) == ("FAILED", "States.QueryEvaluationError")
    assert f"{error}: " in compiled.cause


def test_catalogue_is_consistent() -> None:
    labels = {c.label for c in CASES}
    assert len(labels) == len(CASES), "case labels must be unique"
    assert set(KNOWN_MISMATCHES) <= labels
    assert set(REFUSED) <= labels
    assert set(REFUSED_AT_RUN_TIME) <= labels
    for catalogue, causes in ((KNOWN_MISMATCHES, ROOT_CAUSES), (REFUSED_AT_RUN_TIME, RUNTIME_LIMITS)):
        for label, known in catalogue.items():
            case = next(c for c in CASES if c.label == label)
            for k in known:
                assert k.cause in causes, (label, k.cause)
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
