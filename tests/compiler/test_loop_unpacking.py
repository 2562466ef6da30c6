"""Loops whose target unpacks each item: `for a, b in pairs`, nested targets
(`for i, (a, b) in enumerate(zip(xs, ys))`) and `for k, v in sorted(d.items())`; assignments that
unpack a value of any length: `a, b = pair`, `first, *rest = xs`, `(a, b), c = row`.

A pair in JSON is a 2-item list. Each case runs direct (`run_direct`) and compiled on the local
engine (`run_local`) and the two must agree, including Python's ValueError for an item of the
wrong length, raised at that item and caught by `except ValueError`.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.testing import ExecutionResult, run_direct, run_local


def both(orch: Any, input: Any, *, error_name: bool = True, concurrent: bool = False) -> ExecutionResult:
    """Run direct and compiled and assert they agree. Without `error_name` the error is not
    compared: an expression error no `try` catches fails a compiled run as
    States.QueryEvaluationError, with Python's error and message in its cause. The activity calls
    of a `concurrent` fan-out are compared in any order."""
    direct = run_direct(orch, input)
    compiled = run_local(orch, input)
    assert (compiled.status, compiled.output) == (direct.status, direct.output)
    if error_name:
        assert compiled.error == direct.error
    else:
        assert f"{direct.error}: {direct.cause}" in (compiled.cause or "")
    if concurrent:  # a fan-out's calls run in no defined order
        assert sorted(map(repr, compiled.activity_calls)) == sorted(map(repr, direct.activity_calls))
    else:
        assert compiled.activity_calls == direct.activity_calls
    return direct


@activity(name="Scale")
def scale(pair: JsonValue) -> JsonValue:
    assert isinstance(pair, list)
    return [pair[0], pair[1] * 10]


@orchestrator(name="PairsLoop")
async def pairs_loop(ctx: OrchestrationContext) -> JsonValue:
    pairs = ctx.get_input()
    seen = []
    try:
        for name, count in pairs:
            seen.append(f"{name}={count}")
    except ValueError as e:
        seen.append(str(e))
    return seen


@orchestrator(name="UnusedNames")
async def unused_names(ctx: OrchestrationContext) -> JsonValue:
    count = 0
    for _, _unused in ctx.get_input():
        count += 1
    return count


def test_items_are_checked_even_when_the_names_are_not_read() -> None:
    assert both(unused_names, [[1, 2], [3, 4]]).output == 2
    assert both(unused_names, [[1, 2], [3]], error_name=False).error == "ValueError"


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([["a", 1], ["b", 2]], ["a=1", "b=2"]),
        ([["a", 1], ["b"]], ["a=1", "not enough values to unpack (expected 2, got 1)"]),
        ([["a", 1, 2]], ["too many values to unpack (expected 2)"]),
        (["xy", {"k": 1, "j": 2}], ["x=y", "k=j"]),  # a string's characters, a dict's keys
        ([], []),
    ],
)
def test_pairs_unpack_like_python(pairs: JsonValue, expected: JsonValue) -> None:
    assert both(pairs_loop, pairs).output == expected


def test_an_item_that_cannot_be_unpacked_fails_with_type_error() -> None:
    result = both(pairs_loop, [["a", 1], None])
    assert (result.status, result.error) == ("FAILED", "TypeError")


@orchestrator(name="AwaitingPairsLoop")
async def awaiting_pairs_loop(ctx: OrchestrationContext) -> JsonValue:
    """A loop with awaits in it (loop states), over pairs an activity returned."""
    scaled = []
    try:
        for key, value in ctx.get_input():
            scaled.append(await ctx.call_activity(scale, [key, value]))
    except ValueError as e:
        scaled.append(str(e))
    totals = {}
    for key, value in scaled[:2]:
        totals[key] = value
    return [scaled, totals]


@pytest.mark.parametrize(
    "pairs",
    [[["a", 1], ["b", 2]], [["a", 1], ["b", 2], ["c"]], [["a", 1], ["b", 2], ["c", 3, 4], ["d", 5]]],
)
def test_loop_with_awaits_unpacks_each_item_when_it_reaches_it(pairs: JsonValue) -> None:
    result = both(awaiting_pairs_loop, pairs)
    assert len(result.activity_calls) == 2  # the bad item fails after the earlier items' calls


@orchestrator(name="NestedTargets")
async def nested_targets(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    rows: list[JsonValue] = []
    for i, (name, price) in enumerate(zip(data["names"], data["prices"], strict=False), 1):
        rows.append(f"{i}. {name}: {price}")
    for key, value in sorted(data["stock"].items()):
        rows.append(f"{key}={value}")
    for (a, b), c in data["groups"]:
        rows.append([a, b, c])
    labels = [f"{i}:{name}" for i, (name, _) in enumerate(zip(data["names"], data["prices"], strict=False))]
    return [rows, labels]


def test_nested_targets_and_sorted_items() -> None:
    data = {
        "names": ["pen", "ink", "pad"],
        "prices": [2, 5],
        "stock": {"pen": 3, "ink": 7.5, "cap": None},
        "groups": [[[1, None], "x"], ["ab", [2]]],
    }
    assert both(nested_targets, data).output == [
        ["1. pen: 2", "2. ink: 5", "cap=None", "ink=7.5", "pen=3", [1, None, "x"], ["a", "b", [2]]],
        ["0:pen", "1:ink"],
    ]


def test_nested_target_item_of_wrong_length_raises_value_error() -> None:
    data = {"names": [], "prices": [], "stock": {}, "groups": [[[1, 2, 3], "x"]]}
    result = both(nested_targets, data, error_name=False)
    assert (result.status, result.error) == ("FAILED", "ValueError")


HEADER = """
from durable_sfn import OrchestrationContext, orchestrator


@orchestrator(name="Refused")
async def refused(ctx: OrchestrationContext):
    pairs = ctx.get_input()
"""


@pytest.mark.parametrize(
    ("body", "says", "hint"),
    [
        ("return [a for a, b in pairs]", "comprehension cannot unpack", "for a, b in pairs:"),
        ("return sum(a for a, b in pairs)", "comprehension cannot unpack", "for a, b in pairs:"),
        (
            "return [a for i, (a, b) in enumerate(pairs)]",
            "can unpack an inner group only from zip or d.items()",
            "for i, (a, b) in enumerate(pairs):",
        ),
        (
            "for i, *rest in enumerate(pairs):\n    pass",
            "starred name cannot take the items",
            "first, *rest = x",
        ),
        ("a, pairs[0] = 1, 2", "only names can be unpacked into", "a, *rest = xs"),
    ],
)
def test_unsupported_unpacking_is_refused_at_its_line(body: str, says: str, hint: str) -> None:
    with pytest.raises(CompileError) as info:
        compile_source(HEADER + textwrap.indent(body, "    "), "refused.py")
    [diagnostic] = info.value.diagnostics
    assert diagnostic.code == "DSF022"
    assert diagnostic.line == HEADER.count("\n") + 1
    assert says in diagnostic.message
    assert hint in diagnostic.hint


@orchestrator(name="IndexedPairs")
async def indexed_pairs(ctx: OrchestrationContext) -> JsonValue:
    """The same loop as `awaiting_pairs_loop` without unpacking: reading the items by index."""
    scaled = []
    for pair in ctx.get_input():
        scaled.append(await ctx.call_activity(scale, [pair[0], pair[1]]))
    return scaled


@orchestrator(name="UnpackedPairs")
async def unpacked_pairs(ctx: OrchestrationContext) -> JsonValue:
    scaled = []
    for key, value in ctx.get_input():
        scaled.append(await ctx.call_activity(scale, [key, value]))
    return scaled


def test_unpacking_costs_no_transitions() -> None:
    pairs = [["a", 1], ["b", 2], ["c", 3]]
    indexed = run_local(indexed_pairs, pairs)
    unpacked = run_local(unpacked_pairs, pairs)
    assert unpacked.output == indexed.output == both(unpacked_pairs, pairs).output
    assert len(unpacked.path) == len(indexed.path), (unpacked.path, indexed.path)


@orchestrator(name="NestedFanOut")
async def nested_fan_out(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    return await ctx.task_all(
        [
            ctx.call_activity(scale, [f"{i}:{name}", n])
            for i, (name, n) in enumerate(zip(data["names"], data["counts"], strict=False))
        ]
    )


def test_nested_targets_in_a_task_all_fan_out() -> None:
    data = {"names": ["pen", "ink"], "counts": [1, 2, 3]}
    assert both(nested_fan_out, data, concurrent=True).output == [["0:pen", 10], ["1:ink", 20]]


@orchestrator(name="StarredAssignments")
async def starred_assignments(ctx: OrchestrationContext) -> JsonValue:
    xs = ctx.get_input()
    out: list[JsonValue] = []
    try:
        first, *rest = xs
        out.append([first, rest])
        *init, last = xs
        out.append([init, last])
        a, *middle, b = xs
        out.append([a, middle, b])
        (p, q), r = [xs, "z"]
        out.append([p, q, r])
    except ValueError as e:
        out.append(str(e))
    return out


@pytest.mark.parametrize(
    "xs", [[1, 2], [[5], [6]], [1, None, [3], 4], "ab", {"k": 1, "j": 2}, [1], [], [1, 2, 3]]
)
def test_starred_and_nested_assignments(xs: JsonValue) -> None:
    both(starred_assignments, xs)


@orchestrator(name="UnpackResults")
async def unpack_results(ctx: OrchestrationContext) -> JsonValue:
    out: list[JsonValue] = []
    key, value = await ctx.call_activity(scale, ctx.get_input())
    out.append([key, value])
    for first, *others in [[1], [2, 3, 4], "xyz"]:
        out.append([first, others])
    try:
        rows: Any = [["a", 1], ["b"], ["c", 3]]
        for i, (name, count) in enumerate(rows):
            out.append([i, name, count])
    except ValueError as e:
        out.append([str(e), i, name])
    return out


def test_unpacking_awaited_results_and_loop_groups() -> None:
    assert both(unpack_results, ["k", 4]).output == [
        ["k", 40],
        [1, []],
        [2, [3, 4]],
        ["x", ["y", "z"]],
        [0, "a", 1],
        ["not enough values to unpack (expected 2, got 1)", 1, "a"],
    ]
