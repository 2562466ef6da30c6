"""`map(f, xs)` handed to a consumer (`join`, `sum`, `list`, `sorted`, `min`, `max`, `any`,
`all`): the same as the generator `(f(x) for x in xs)`, direct and compiled alike; anywhere else
it stays refused (DSF004)."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.testing import run_direct, run_local


def order_label(order: Any) -> str:
    return f"#{order['id']}"


@orchestrator(name="MapConsumers")
async def map_consumers(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    return [
        ", ".join(map(str, data["xs"])),
        sum(map(abs, data["xs"])),
        list(map(lambda o: o["id"], data["orders"])),
        sorted(map(order_label, data["orders"]), reverse=True),
        max(map(len, data["names"]), default=0),
        "-".join(map(lambda n: n.upper(), data["names"])),
        any(map(lambda x: x > 2, data["xs"])),
        all(map(lambda o: o["id"] > 0, data["orders"])),
    ]


INPUTS: list[dict[str, Any]] = [
    {"xs": [1, -2, 3], "orders": [{"id": 1}, {"id": 2}], "names": ["ab", "c"]},
    {"xs": [], "orders": [], "names": []},
    {"xs": [1, -2, 3.5, None], "orders": [{"id": 1}], "names": ["x"]},  # abs(None): TypeError
    {"xs": [5], "orders": [{"id": 1}, {"x": 1}], "names": ["x"]},  # o["id"]: KeyError
    {"xs": [5], "orders": [{"id": 0}, {"x": 1}], "names": ["x"]},  # all() stops before the KeyError
]


@pytest.mark.parametrize("value", INPUTS)
def test_map_passed_to_a_consumer_runs_as_python_does(value: dict[str, Any]) -> None:
    direct = run_direct(map_consumers, value)
    compiled = run_local(map_consumers, value)
    assert (compiled.status, compiled.output) == (direct.status, direct.output)
    if direct.status == "FAILED":
        assert f"{direct.error}: " in (compiled.cause or "")
    if value == INPUTS[0]:
        assert direct.output == ["1, -2, 3", 6, [1, 2], ["#2", "#1"], 2, "AB-C", True, True]


@pytest.mark.parametrize(
    "body",
    ["for n in map(int, d):\n    pass", "m = map(str, d)\nreturn list(m)", "return map(str, d)"],
)
def test_map_anywhere_else_is_refused(body: str) -> None:
    source = "from durable_sfn import orchestrator\n\n\n@orchestrator(name='P')\nasync def p(ctx):\n"
    source += "    d = ctx.get_input()\n" + textwrap.indent(body, "    ") + "\n"
    with pytest.raises(CompileError) as refused:
        compile_source(source, "maps.py")
    assert str(refused.value).startswith("maps.py:")
