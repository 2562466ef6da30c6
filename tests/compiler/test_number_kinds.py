"""A number kept in a variable prints as Python prints it: `m = x + y` of 0.5 and 0.5 is the float
1.0, and `str(m)` later, after other states, is '1.0' (JSON stores 1).

The variable keeps its kind in a second variable set in the same Assign (frontend/number_kinds);
a variable also bound otherwise (`for`, `await`, unpacking) prints by its value, as any JSON
number does. Each orchestrator runs direct (`run_direct`) and compiled on the local engine
(`run_local`); the outputs are texts, so the kind is compared.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.compiler import compile_source
from durable_sfn.compiler.frontend.number_kinds import candidates
from durable_sfn.testing import run_direct, run_local


@activity(name="KindsEcho")
def echo(value: JsonValue) -> JsonValue:
    return value


@orchestrator(name="KindsAcrossStates")
async def kinds_across_states(ctx: OrchestrationContext) -> JsonValue:
    inp = ctx.get_input()
    m = inp["x"] + inp["y"]
    await ctx.call_activity(echo, 1)
    out = [str(m), f"{m}", f"{m:,}", str(m * 2)]
    m += 1
    out.append(str(m))
    total = m
    await ctx.call_activity(echo, 2)
    out.append(f"total {total}")
    m = 3
    out.append(str(m))
    m = len(inp["label"])
    out.append(str(m))
    return out


@orchestrator(name="KindsInALoop")
async def kinds_in_a_loop(ctx: OrchestrationContext) -> JsonValue:
    inp = ctx.get_input()
    acc = 0
    texts = []
    for step in inp["steps"]:
        acc = acc + step
        await ctx.call_activity(echo, step)
        texts.append(str(acc))
    if acc > 2:
        acc = -acc
    texts.append(f"{acc}")
    return texts


@orchestrator(name="KindsInBranches")
async def kinds_in_branches(ctx: OrchestrationContext) -> JsonValue:
    inp = ctx.get_input()
    if inp["x"] > 1:
        price = inp["x"] * 2
    else:
        price = 7
    await ctx.call_activity(echo, 0)
    return f"price={price}"


def sum_of(x: float, y: float) -> str:
    total = x + y
    return f"{total}"


@orchestrator(name="KindsInFunctions")
async def kinds_in_functions(ctx: OrchestrationContext) -> JsonValue:
    inp = ctx.get_input()
    outer = inp["x"] + inp["y"]

    async def one(x: float) -> JsonValue:
        m = x + inp["y"]
        await ctx.call_activity(echo, 1)
        outer_copy = outer
        outer_copy += 0
        return [str(m), str(outer), str(outer_copy)]

    per_item = await ctx.task_all([one(x) for x in inp["xs"]])
    return {"items": per_item, "helper": sum_of(inp["x"], inp["y"])}


@orchestrator(name="KindsInLogs")
async def kinds_in_logs(ctx: OrchestrationContext) -> JsonValue:
    inp = ctx.get_input()
    m = inp["x"] + inp["y"]
    await ctx.call_activity(echo, 1)
    logging.warning("m=%s float=%r rounded=%s", m, float(inp["n"]), round(inp["x"], 0))
    print("m", m, inp["n"] / 2)
    return None


def both(orch: Any, input: Any) -> Any:
    direct = run_direct(orch, input)
    compiled = run_local(orch, input)
    assert direct.status == "SUCCEEDED", direct.error
    assert (compiled.status, compiled.error) == ("SUCCEEDED", None), compiled.cause
    assert compiled.output == direct.output
    return direct.output


@pytest.mark.parametrize(
    "value",
    [
        {"x": 0.5, "y": 0.5, "label": "abc"},
        {"x": 1, "y": 2, "label": ""},
        {"x": 2.5, "y": -0.5, "label": "a"},
        {"x": 1.25, "y": 0.125, "label": "ab"},
    ],
)
def test_a_variable_prints_with_its_kind_after_other_states(value: dict[str, Any]) -> None:
    both(kinds_across_states, value)


def test_the_witness_prints_floats() -> None:
    out = both(kinds_across_states, {"x": 0.5, "y": 0.5, "label": "abc"})
    assert out == ["1.0", "1.0", "1.0", "2.0", "2.0", "total 2.0", "3", "3"]


@pytest.mark.parametrize("steps", [[0.5, 0.5, 1], [1, 2], [1.5, 1.5], []])
def test_loops_and_branches_keep_the_kind(steps: list[float]) -> None:
    both(kinds_in_a_loop, {"steps": steps})
    for x in (0.5, 1.5, 2, 3.0):
        both(kinds_in_branches, {"x": x})


def test_only_variables_bound_by_plain_assignments_get_a_kind() -> None:
    import ast

    body = ast.parse(
        "a = x + y\nb = await f()\nb = b + 1\nfor c in xs:\n    c = c * 2\nd = a\ne = 'text'\n"
        "g, h = 1, 2\ng = g + 1\ntry:\n    k = 1\nexcept ValueError as k:\n    pass\nk = k + 1\n"
    ).body
    assert candidates(body) == {"a", "d"}


def test_definitions_without_such_variables_have_no_kinds() -> None:
    source = (
        "from durable_sfn import OrchestrationContext, orchestrator\n\n"
        '@orchestrator(name="Plain")\n'
        "async def plain(ctx: OrchestrationContext):\n"
        "    n = ctx.get_input()\n"
        "    label = f'n={n}'\n"
        "    for i in range(3):\n"
        "        n = i\n"
        "    return [label, n]\n"
    )
    assert "_kind" not in json.dumps(compile_source(source, "plain.py")["Plain"])


@pytest.mark.parametrize("value", [{"x": 0.5, "y": 0.5, "xs": [0.5, 1, 2.5]}, {"x": 1, "y": 2, "xs": [3]}])
def test_task_all_functions_and_expression_helpers_keep_the_kind(value: dict[str, Any]) -> None:
    out = both(kinds_in_functions, value)
    if value["x"] == 0.5:
        assert out == {
            "items": [["1.0", "1.0", "1.0"], ["1.5", "1.0", "1.0"], ["3.0", "1.0", "1.0"]],
            "helper": "1.0",
        }


def test_log_records_print_numbers_with_their_kind() -> None:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        value = {"x": 0.5, "y": 0.5, "n": 24}
        direct, compiled = run_direct(kinds_in_logs, value), run_local(kinds_in_logs, value)
    finally:
        root.setLevel(level)
    texts = [str(r) for r in compiled.logs]
    assert texts == [str(r) for r in direct.logs]
    assert texts == ["WARNING root: m=1.0 float=24.0 rounded=0.0", "print: m 1.0 12.0"]
