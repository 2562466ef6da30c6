"""Strings are ordered as Python orders them, by code points, in both runs.

JavaScript, and so Step Functions' JSONata, orders strings by UTF-16 code units: an emoji (beyond
U+FFFF) came before a fullwidth "!" (U+FF01) in `<`, `min`, `max` and `sorted`, where Python puts
it after. The local engine now orders as jsonata-js does (tests/engine/test_jsonata_differential.py),
and the compiler compares keys whose order is Python's (`runtime.code_point_order`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from durable_sfn.compiler.expressions.runtime import code_point_order
from durable_sfn.testing import run_direct, run_local
from tests.engine.jsonata_js import node

EMOJI, FULLWIDTH = "\U0001f600", "\uff01"
PAIRS = [
    (FULLWIDTH, EMOJI),
    ("a" + FULLWIDTH, "a" + EMOJI),
    ("\ue000x", "\U00010000"),
    ("\ud7ff\ue000", "\ue000"),
    ("\ud7ff", "\ud7ff\ue000"),
    ("\uffff\uffff", "\U0010ffff"),
    ("z", FULLWIDTH),
    ("\ue001", "\ue000\uffff"),
    ("abc", "abd"),
]


@orchestrator(name="StringOrderUntyped")
async def untyped(ctx: OrchestrationContext) -> JsonValue:
    a, b = ctx.get_input()
    return [
        a < b,
        a <= b,
        a > b,
        a >= b,
        min(a, b),
        max([a, b]),
        sorted([b, a, "m"]),
        sorted([a, b], reverse=True),
    ]


@orchestrator(name="StringOrderTyped")
async def typed(ctx: OrchestrationContext) -> JsonValue:
    pair = ctx.get_input()
    a, b = str(pair[0]), str(pair[1])
    first = "a" if a < b else "b"
    if b > a:
        ctx.set_custom_status("b after a")
    names = [b, a]
    names.sort()
    literals = [a < "\uff01", b >= "\U0001f600", a > "m", b > "m"]
    return [
        first,
        a >= b,
        names,
        sorted({b: 1, a: 2}),
        sorted([[a], [b]]),
        max([a, b], key=lambda s: s),
        literals,
    ]


@pytest.mark.parametrize("orch", [untyped, typed], ids=["untyped", "typed"])
@pytest.mark.parametrize("pair", PAIRS, ids=[repr(p) for p in PAIRS])
def test_compiled_strings_order_as_python_does(orch: Any, pair: tuple[str, str]) -> None:
    for value in (list(pair), list(reversed(pair))):
        direct, compiled = run_direct(orch, value), run_local(orch, value)
        assert direct.status == "SUCCEEDED"
        assert (compiled.status, compiled.output, compiled.custom_status) == (
            "SUCCEEDED",
            direct.output,
            direct.custom_status,
        )


@pytest.fixture(scope="module")
def js() -> Iterator[node.JsonataJs]:
    yield from node.running()


@pytest.mark.parametrize("pair", PAIRS, ids=[repr(p) for p in PAIRS])
def test_the_key_orders_as_python_under_jsonata_js(pair: tuple[str, str], js: node.JsonataJs) -> None:
    # The engine is not the judge here: jsonata-js, which AWS runs, evaluates the key.
    a, b = pair
    expression = f"[{code_point_order('$a')} < {code_point_order('$b')}, {code_point_order('$b')} < {code_point_order('$a')}]"
    outcome = js.evaluate(expression, {"states": {"input": {}, "context": {}}, "a": a, "b": b})
    assert outcome == node.Outcome.of_value([a < b, b < a])
