"""Comprehensions with several `for` clauses, and fan-outs over every combination of two lists.

`[x for row in grid for x in row]` and "resize every image to every size" are everyday Python;
both runs must give Python's items in Python's order, conditions applied where they stand.
"""

from __future__ import annotations

import pytest

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.compiler import compile_orchestrator
from durable_sfn.testing import run_direct, run_local


@activity(name="NcResize")
def resize(job: dict[str, JsonValue]) -> dict[str, JsonValue]:
    width, height = job["size"]  # type: ignore[misc]
    return {"name": job["name"], "pixels": width * height}  # type: ignore[operator]


@orchestrator(name="NcExpressions")
async def expressions(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    pairs = [[n, s] for n in data["names"] if n != "skip" for s in data["sizes"] if s != n]
    flat = [x for row in data["grid"] for x in row]
    keyed = {f"{n}-{s}": s for n in data["names"] for s in data["sizes"]}
    cells = [[i, k, v] for i, row in enumerate(data["rows"]) for k, v in row.items() if v]
    chars = [c for word in data["names"] for c in word]
    inner = [[y for y in row if y] for row in data["grid"]]
    return {"pairs": pairs, "flat": flat, "keyed": keyed, "cells": cells, "chars": chars, "inner": inner}


EXPRESSION_INPUTS: list[JsonValue] = [
    {
        "names": ["a", "skip", "bc"],
        "sizes": [1, "a", 2.5],
        "grid": [[1, None, [3]], [], [0, False]],
        "rows": [{"x": 1, "y": 0}, {}, {"z": None, "w": [1]}],
    },
    {"names": [], "sizes": [1], "grid": [], "rows": []},
]


@pytest.mark.parametrize("data", EXPRESSION_INPUTS)
def test_comprehensions_with_several_fors_give_pythons_items_in_order(data: JsonValue) -> None:
    direct, local = run_direct(expressions, data), run_local(expressions, data)
    assert direct.status == local.status == "SUCCEEDED"
    assert local.output == direct.output


def test_the_first_input_gives_what_python_gives() -> None:
    output = run_local(expressions, EXPRESSION_INPUTS[0]).output
    assert isinstance(output, dict)
    assert output["pairs"] == [["a", 1], ["a", 2.5], ["bc", 1], ["bc", "a"], ["bc", 2.5]]
    assert output["flat"] == [1, None, [3], 0, False]
    assert output["cells"] == [[0, "x", 1], [2, "w", [1]]]
    assert output["chars"] == ["a", "s", "k", "i", "p", "b", "c"]


@orchestrator(name="NcTaskAllComprehension")
async def every_size_by_comprehension(ctx: OrchestrationContext) -> JsonValue:
    batch = ctx.get_input()
    return await ctx.task_all(
        [
            ctx.call_activity(resize, {"name": name, "size": size})
            for name in batch["names"]
            if name
            for size in batch["sizes"]
        ]
    )


@orchestrator(name="NcNestedLoops")
async def every_size_by_loops(ctx: OrchestrationContext) -> JsonValue:
    batch = ctx.get_input()
    tasks = []
    for name in batch["names"]:
        if name:
            for size in batch["sizes"]:
                tasks.append(ctx.call_activity(resize, {"name": name, "size": size}))
    return await ctx.task_all(tasks)


@orchestrator(name="NcThreeLevels")
async def three_levels(ctx: OrchestrationContext) -> JsonValue:
    jobs = []
    for i, row in enumerate(ctx.get_input()["rows"]):
        for key, count in row.items():
            for n in range(count):
                jobs.append(ctx.call_activity(resize, {"name": f"{i}{key}{n}", "size": [count, n]}))
    return await ctx.task_all(jobs)


BATCH: JsonValue = {
    "names": ["a", "", "b"],
    "sizes": [[100, 50], [30, 20]],
    "rows": [{"x": 1}, {}, {"y": 2, "z": 3}],
}


@pytest.mark.parametrize("orch", [every_size_by_comprehension, every_size_by_loops])
@pytest.mark.parametrize("batch", [BATCH, {"names": [], "sizes": [[1, 3]], "rows": []}])
def test_a_fan_out_over_every_combination_runs_alike(orch: object, batch: JsonValue) -> None:
    direct, local = run_direct(orch, batch), run_local(orch, batch)  # type: ignore[arg-type]
    assert direct.status == local.status == "SUCCEEDED"
    assert local.output == direct.output
    # Concurrent calls may start in any order: compare what was called.
    assert sorted(str(c.input) for c in local.activity_calls) == sorted(
        str(c.input) for c in direct.activity_calls
    )


def test_every_combination_is_called_once_in_pythons_order() -> None:
    output = run_local(every_size_by_loops, BATCH).output
    assert output == [
        {"name": "a", "pixels": 5000},
        {"name": "a", "pixels": 600},
        {"name": "b", "pixels": 5000},
        {"name": "b", "pixels": 600},
    ]
    three = run_local(three_levels, BATCH)
    assert [item["name"] for item in three.output] == ["0x0", "2y0", "2y1", "2z0", "2z1", "2z2"]  # type: ignore[union-attr, index]
    assert three.output == run_direct(three_levels, BATCH).output


def test_a_fan_out_over_combinations_is_one_map() -> None:
    for orch in (every_size_by_comprehension, every_size_by_loops):
        states = compile_orchestrator(orch)["States"]
        assert [s["Type"] for s in states.values()].count("Map") == 1
