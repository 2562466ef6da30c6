"""`xs.sort(...)` and `xs.reverse()` as statements: the list takes the order `sorted(xs, ...)` and
`xs[::-1]` give (stable, with `key=` and `reverse=`, TypeError for items Python cannot compare),
AttributeError for a value that is not a list; another name sharing the list is refused (DSF051).
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.testing import run_direct, run_local


@orchestrator(name="ReorderLists")
async def reorder(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    xs = list(data["xs"])
    xs.sort()
    orders = list(data["orders"])
    orders.sort(key=lambda o: o["total"], reverse=True)
    names = list(data["names"])
    names.reverse()
    try:
        bad = data["bad"]
        bad.sort()
    except (TypeError, AttributeError) as e:
        return {"error": type(e).__name__, "xs": xs, "orders": orders, "names": names}
    return {"xs": xs, "orders": orders, "names": names}


INPUTS: list[dict[str, Any]] = [
    {
        "xs": [3, 1, 2.5, -1],
        "orders": [{"id": "a", "total": 5}, {"id": "b", "total": 9}, {"id": "c", "total": 5}],
        "names": ["x", "y", "z"],
        "bad": [],
    },
    {"xs": [], "orders": [], "names": [], "bad": [1, "a"]},  # TypeError: '<' between str and int
    {"xs": ["b", "a"], "orders": [], "names": ["only"], "bad": {"a": 1}},  # a dict has no .sort()
    {"xs": [None, 1], "orders": [], "names": [], "bad": []},  # uncaught TypeError
]


@pytest.mark.parametrize("value", INPUTS)
def test_sort_and_reverse_in_place_run_as_python_does(value: dict[str, Any]) -> None:
    direct = run_direct(reorder, value)
    compiled = run_local(reorder, value)
    assert (compiled.status, compiled.output) == (direct.status, direct.output)
    if direct.status == "FAILED":
        assert f"{direct.error}: " in (compiled.cause or "")
    if value is INPUTS[0]:
        assert direct.output == {
            "xs": [-1, 1, 2.5, 3],
            "orders": [{"id": "b", "total": 9}, {"id": "a", "total": 5}, {"id": "c", "total": 5}],
            "names": ["z", "y", "x"],
        }


@pytest.mark.parametrize(
    "body",
    ["ys = d\nd.sort()\nreturn ys", "for x in d:\n    d.reverse()\nreturn d", "d.sort(reverse)\nreturn d"],
)
def test_a_reorder_another_name_sees_is_refused(body: str) -> None:
    source = "from durable_sfn import orchestrator\n\n\n@orchestrator(name='P')\nasync def p(ctx):\n"
    source += "    d = ctx.get_input()\n" + textwrap.indent(body, "    ") + "\n"
    with pytest.raises(CompileError) as refused:
        compile_source(source, "reorder.py")
    assert str(refused.value).startswith("reorder.py:")
