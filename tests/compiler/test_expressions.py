"""Python expressions and their JSONata translations agree: each expression is evaluated by Python
and, compiled, by the engine's JSONata evaluator, over generated variable values."""

from __future__ import annotations

import ast
import math
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from durable_sfn.compiler.diagnostics import DiagnosticSink
from durable_sfn.compiler.expressions.core import ExprEnv
from durable_sfn.compiler.expressions.translator import ExpressionTranslator
from durable_sfn.compiler.ir import Ty
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.jsonata import evaluate_expression

EXPRESSIONS = [
    "x + 1",
    "x - y[0]",
    "x * 3",
    "x / 4",
    "x // 3",
    "x % 3",
    "-x",
    "x ** 2",
    "abs(x)",
    "x > 2",
    "1 < x <= 5",
    "x == 3",
    "x != 3",
    "not x",
    "x and s",
    "x or s",
    "s or 'empty'",
    "x and y",
    "x if x > 0 else -x",
    "s + '!'",
    "s + s",
    "y + [x]",
    "[x, s]",
    "[y, x]",
    "{'a': x, 'b': [s]}",
    "x in y",
    "x not in y",
    "s in 'hello world'",
    "'k' in d",
    "len(y)",
    "len(s)",
    "len(d)",
    "sum(y)",
    "max(y) if y else 0",
    "min(x, 3)",
    "any([v > 3 for v in y])",
    "all([v > 0 for v in y])",
    "str(x)",
    "str(x > 1)",
    "int(x / 3)",
    "round(x / 7, 2)",
    "float(x)",
    "sorted(y)",
    "sorted(y, reverse=True)",
    "[v * 2 for v in y]",
    "[v for v in y if v % 2 == 0]",
    "[[v] for v in y]",
    "{t: len(t) for t in [s, 'ab']}",
    "f'{s}-{x}'",
    "f'{x:.2f}'",
    "s.upper()",
    "s.lower()",
    "s.strip()",
    "s.startswith('a')",
    "s.endswith('b')",
    "s.split('a')",
    "'-'.join([s, s])",
    "s.replace('a', 'z')",
    "d.get('k')",
    "d.get('missing', x)",
    "d.get('missing') is None",
    "d['k'] is not None",
    "sorted(d.keys())",
    "y[0] if y else None",
    "y[-1] if y else 0",
    "{**d, 'x': x}",
    "[x for x in range(3)]",
    "[i * x for i in range(x if x < 6 else 6)]",
]

values = st.fixed_dictionaries(
    {
        "x": st.integers(min_value=-10, max_value=10),
        "y": st.lists(st.integers(min_value=-5, max_value=9), max_size=4),
        "s": st.text(alphabet="ab xyz", max_size=6),
        "d": st.fixed_dictionaries(
            {"k": st.one_of(st.none(), st.integers(-3, 3), st.text("ab", max_size=2))}
        ),
    }
)


def compile_expression(source: str) -> str:
    sink = DiagnosticSink("expr.py", source)
    env = ExprEnv(sink, "ctx", None, {name: Ty.UNKNOWN for name in "xysd"})
    expr = ExpressionTranslator(env).translate(ast.parse(source, mode="eval").body)
    assert not sink.items, [d.render() for d in sink.items]
    return expr.text()


def run_jsonata(text: str, variables: dict[str, Any]) -> Any:
    env = EvalEnv(state_name="S", query_language="JSONata", input=None, context={}, variables=variables)
    return evaluate_expression("{% " + text + " %}", env, "Test")


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(b, int | float) and isinstance(a, int | float) and math.isclose(a, b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return (type(a) is type(b) and a == b) or (
        isinstance(a, int | float)
        and isinstance(b, int | float)
        and a == b
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    )


@pytest.mark.parametrize("source", EXPRESSIONS)
@settings(max_examples=12, deadline=None)
@given(variables=values)
def test_jsonata_translation_agrees_with_python(source: str, variables: dict[str, Any]) -> None:
    try:
        expected = eval(source, dict(variables))  # test oracle: the expression as Python
    except (ZeroDivisionError, TypeError, ValueError, KeyError, IndexError):
        assume(False)
        return
    if isinstance(expected, str | bool | int | float | list | dict | type(None)) is False:
        assume(False)
    text = compile_expression(source)
    actual = run_jsonata(text, dict(variables))
    assert same(expected, actual), f"{source} -> {text}: python {expected!r}, jsonata {actual!r}"
