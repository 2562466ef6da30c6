"""A list or dict that holds an item of another value shares that item, not the other value.

`m = {"b": xs[0]}` then `xs.append(v)` leaves `m` as it was, in Python and compiled: only a
change inside the shared item (`xs[0].append(v)`, `m["b"].append(v)`) would show in both, and
that is refused (DSF051), as is a change of a value stored whole (`m = {"b": xs}`). The same
holds for `{**d}`, which copies d's items into a new dict, and for `out.append(xs[0])`.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.testing import run_direct, run_local


@orchestrator(name="SharedItemThenAppend")
async def item_then_append(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    xs = data["xs"]
    m = {"b": xs[0]}
    xs.append(5)
    return [m, xs]


@orchestrator(name="SharedSpreadThenSet")
async def spread_then_set(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    e = data["e"]
    m = {**e, "z": 1}
    e["q"] = 2
    return [m, e]


@orchestrator(name="SharedAppendedItemThenAppend")
async def appended_item_then_append(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    rows = data["rows"]
    out = []
    out.append(rows[0])
    rows.append([9])
    return [out, rows]


INPUT = {"xs": [1, 2], "e": {"a": [1], "q": 0}, "rows": [[1], [2]]}


@pytest.mark.parametrize("orch", [item_then_append, spread_then_set, appended_item_then_append])
def test_a_value_holding_an_item_is_not_changed_by_a_change_of_the_other_value(orch: Any) -> None:
    direct = run_direct(orch, INPUT)
    compiled = run_local(orch, INPUT)
    assert direct.status == "SUCCEEDED"
    assert (compiled.status, compiled.output) == (direct.status, direct.output)


REFUSED = {
    "the whole list stored": 'xs = d["xs"]\nm = {"b": xs}\nxs.append(5)\nreturn [m, xs]',
    "the shared item changed through its owner": 'e = d["e"]\nm = {**e}\ne["a"].append(2)\nreturn [m, e]',
    "the shared item changed through the holder": 'xs = d["rows"]\nm = {"b": xs[0]}\nm["b"].append(1)\nreturn [m, xs]',
    "an appended item changed through its owner": 'xs = d["rows"]\nout = []\nout.append(xs[0])\nxs[0].append(3)\nreturn [out, xs]',
}


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_a_change_that_shows_through_the_shared_item_is_refused(body: str) -> None:
    source = "from durable_sfn import orchestrator\n\n\n@orchestrator(name='P')\nasync def p(ctx):\n"
    source += "    d = ctx.get_input()\n" + textwrap.indent(body, "    ") + "\n"
    with pytest.raises(CompileError) as refused:
        compile_source(source, "shared.py")
    assert "DSF051" in str(refused.value)
    assert str(refused.value).startswith("shared.py:")


BRANCHES = {
    "rebound in a sibling branch": 'xs = d["xs"]\nys = xs\nif d["a"]:\n    xs = [1]\nelif d["b"]:\n    xs.append(1)\nreturn ys',
    "rebound in a loop body": 'xs = d["xs"]\nys = xs\nfor i in d["n"]:\n    xs = [i]\nxs.append(1)\nreturn ys',
    "rebound in a try body": 'xs = d["xs"]\nys = xs\ntry:\n    v = d["k"]\n    xs = [v]\nexcept KeyError:\n    pass\nxs.append(1)\nreturn ys',
}


@pytest.mark.parametrize("body", BRANCHES.values(), ids=BRANCHES.keys())
def test_a_name_bound_anew_on_a_path_that_may_be_skipped_still_shares(body: str) -> None:
    """Found by the differential run (seed 3006026): `xs` bound anew in an `if` branch ended the
    link `ys = xs` for the `elif` branch too, so `xs.append(v)` there compiled while `ys` showed
    the change in Python."""
    source = "from durable_sfn import orchestrator\n\n\n@orchestrator(name='P')\nasync def p(ctx):\n"
    source += "    d = ctx.get_input()\n" + textwrap.indent(body, "    ") + "\n"
    with pytest.raises(CompileError) as refused:
        compile_source(source, "shared.py")
    assert "DSF051 'xs' is changed in place here while 'ys' refers to the same value" in str(refused.value)


@orchestrator(name="SharedReboundFirst")
async def rebound_first(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    xs = data["xs"]
    ys = xs
    if data["fresh"]:
        xs = [0]
        xs.append(1)  # xs is a new list on every path to here
    return [xs, ys]


@pytest.mark.parametrize("fresh", [True, False])
def test_a_name_bound_anew_on_every_path_to_the_change_no_longer_shares(fresh: bool) -> None:
    value = {"xs": [5], "fresh": fresh}
    direct, compiled = run_direct(rebound_first, value), run_local(rebound_first, value)
    assert (compiled.status, compiled.output) == (direct.status, direct.output)
