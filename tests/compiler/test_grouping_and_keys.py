"""Grouping and ordering as Durable users write them: `sorted(xs, key=lambda x: x["price"])`,
`max(totals, key=totals.get)`, `min(xs, default=None)`, `groups.setdefault(k, []).append(v)`,
`groups[k].append(v)`.

Each construct runs direct and compiled on the same inputs (ties, empty lists, None, keys of
different types) and both runs must agree: the same value, or the same Python error caught by
the orchestrator's own `except`. What stays refused is refused at its line with a hint.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.testing import run_direct, run_local


def doubled_price(order: JsonValue) -> JsonValue:
    return order["price"] * 2  # type: ignore[index, operator]


@orchestrator(name="GkSorted")
async def sorts(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    out: dict[str, Any] = {}
    try:
        out["by_price"] = sorted(data["xs"], key=lambda x: x["price"])
    except TypeError:
        out["by_price"] = "TypeError"
    except KeyError:
        out["by_price"] = "KeyError"
    try:
        out["by_price_desc"] = sorted(data["xs"], key=lambda x: x["price"], reverse=True)
    except TypeError:
        out["by_price_desc"] = "TypeError"
    except KeyError:
        out["by_price_desc"] = "KeyError"
    try:
        out["ranked"] = sorted(data["totals"].items(), key=lambda kv: kv[1], reverse=True)
    except TypeError:
        out["ranked"] = "TypeError"
    try:
        out["by_len"] = sorted(data["words"], key=len)
        out["by_helper"] = sorted(data["xs"], key=doubled_price, reverse=False)
        out["by_pair"] = sorted(data["words"], key=lambda w: [len(w), w], reverse=True)
    except TypeError:
        out["by_len"] = "TypeError"
    except KeyError:
        out["by_len"] = "KeyError"
    return out


@orchestrator(name="GkMinMax")
async def extremes(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    out: dict[str, Any] = {}
    try:
        out["soonest"] = min(data["xs"], key=lambda o: o["price"])
    except TypeError:
        out["soonest"] = "TypeError"
    except ValueError:
        out["soonest"] = "ValueError"
    except KeyError:
        out["soonest"] = "KeyError"
    try:
        out["dearest"] = max(data["xs"], key=lambda o: o["price"], default=None)
    except TypeError:
        out["dearest"] = "TypeError"
    except KeyError:
        out["dearest"] = "KeyError"
    try:
        out["best"] = max(data["totals"], key=data["totals"].get)
    except TypeError:
        out["best"] = "TypeError"
    except ValueError:
        out["best"] = "ValueError"
    try:
        out["top"] = max(data["values"], default=None)
        out["low"] = min(data["values"], default=0)
        out["pair"] = max(len(data["words"]), len(data["xs"]), key=lambda n: -n)
    except TypeError:
        out["top"] = "TypeError"
    return out


INPUTS: list[JsonValue] = [
    {  # ties of equal keys (1, 1.0, True) keep their order, forwards and reversed
        "xs": [
            {"price": 2, "n": "a"},
            {"price": 1, "n": "b"},
            {"price": 2.0, "n": "c"},
            {"price": True, "n": "d"},
            {"price": 1.5, "n": "e"},
        ],
        "totals": {"a": 3, "b": 5, "c": 5.0, "d": 1},
        "values": [3, 1, 3.0, True, 1.0],
        "words": ["bb", "a", "cc", "d", ""],
    },
    {"xs": [], "totals": {}, "values": [], "words": []},
    {"xs": [{"price": None, "n": "a"}], "totals": {"a": None}, "values": [None], "words": ["x"]},
    {  # None and keys of different types cannot be compared: TypeError
        "xs": [{"price": None}, {"price": None}],
        "totals": {"a": 1, "b": "x"},
        "values": [1, "a"],
        "words": ["a", 1],
    },
    {
        "xs": [{"price": 1}, {"price": "x"}],
        "totals": {"a": None, "b": None},
        "values": [None, 1],
        "words": [],
    },
    {  # lists compare item by item; strings by code point
        "xs": [{"price": [1, 2]}, {"price": [1]}, {"price": [0, "a"]}, {"price": [1]}],
        "totals": {"x": "b", "y": "a", "z": "b"},
        "values": ["b", "a", "B"],
        "words": ["b", "a", "B", "ab"],
    },
    {
        "xs": [{"n": 1}, {"price": 1}],
        "totals": {"a": [1], "b": [1, 0]},
        "values": [[1], [0, 5]],
        "words": ["ab"],
    },
]


@pytest.mark.parametrize("orch", [sorts, extremes], ids=["sorted", "min_max"])
@pytest.mark.parametrize("data", INPUTS)
def test_key_functions_and_defaults_run_as_in_python(orch: object, data: JsonValue) -> None:
    direct, local = run_direct(orch, data), run_local(orch, data)  # type: ignore[arg-type]
    assert (local.status, local.error) == (direct.status, direct.error) == ("SUCCEEDED", None)
    assert local.output == direct.output


def test_sorts_are_stable_with_reverse_and_extremes_take_the_first() -> None:
    sorted_out = run_local(sorts, INPUTS[0]).output
    assert isinstance(sorted_out, dict)
    assert [x["n"] for x in sorted_out["by_price"]] == ["b", "d", "e", "a", "c"]
    assert [x["n"] for x in sorted_out["by_price_desc"]] == ["a", "c", "e", "b", "d"]
    assert sorted_out["ranked"] == [["b", 5], ["c", 5], ["a", 3], ["d", 1]]
    assert sorted_out["by_len"] == ["", "a", "d", "bb", "cc"]
    extremes_out = run_local(extremes, INPUTS[0]).output
    assert isinstance(extremes_out, dict)
    assert extremes_out["soonest"] == {"price": 1, "n": "b"}
    assert extremes_out["dearest"] == {"price": 2, "n": "a"}
    assert (extremes_out["best"], extremes_out["top"], extremes_out["low"]) == ("b", 3, 1)
    empty = run_local(extremes, INPUTS[1]).output
    assert empty == {
        "soonest": "ValueError",
        "dearest": None,
        "best": "ValueError",
        "top": None,
        "low": 0,
        "pair": 0,
    }
    mixed = run_local(sorts, INPUTS[3]).output
    assert isinstance(mixed, dict)
    assert (mixed["by_price"], mixed["ranked"], mixed["by_len"]) == ("TypeError", "TypeError", "TypeError")


@orchestrator(name="GkUncaught")
async def uncaught(ctx: OrchestrationContext) -> JsonValue:
    return max(ctx.get_input(), key=lambda o: o["eta"])


def test_an_uncaught_comparison_error_names_pythons_error() -> None:
    data: JsonValue = [{"eta": 1}, {"eta": "soon"}]
    direct, local = run_direct(uncaught, data), run_local(uncaught, data)
    assert (direct.status, direct.error) == ("FAILED", "TypeError")
    assert (local.status, local.error) == ("FAILED", "States.QueryEvaluationError")
    assert "TypeError: " in (local.cause or "")
    empty = run_local(uncaught, [])
    assert "ValueError: max() arg is an empty sequence" in (empty.cause or "")


@orchestrator(name="GkGroups")
async def grouping(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    by_customer: dict[str, Any] = {}
    by_kind: dict[str, Any] = {}
    seen: dict[str, Any] = {}
    tags: dict[str, Any] = {"all": []}
    try:
        for order in data["orders"]:
            by_customer.setdefault(order["customer"], []).append(order["id"])
            if order["kind"] not in by_kind:
                by_kind[order["kind"]] = []
            by_kind[order["kind"]].append(order["id"])
            tags["all"].extend(order["tags"])
            seen.setdefault(order["kind"], 0)
            first = seen.setdefault("first", order["id"])
            seen["last"] = first
    except TypeError:
        return "TypeError"
    except AttributeError:
        return "AttributeError"
    except KeyError:
        return "KeyError"
    return {"by_customer": by_customer, "by_kind": by_kind, "seen": seen, "tags": tags}


@orchestrator(name="GkItemChanges")
async def item_changes(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    stock: dict[str, Any] = {"a": [1], "b": {"n": 1}}
    try:
        stock[data["dict_key"]].update({"m": len(data)})
        stock[data["list_key"]].append(data["value"])
        got = stock.setdefault(data["new_key"])
    except TypeError:
        return "TypeError"
    except AttributeError:
        return "AttributeError"
    except KeyError:
        return "KeyError"
    return {"stock": stock, "got": got}


GROUP_INPUTS: list[JsonValue] = [
    {
        "orders": [
            {"customer": "a", "kind": "x", "id": 1, "tags": ["t"]},
            {"customer": "b", "kind": "y", "id": [2], "tags": "uv"},
            {"customer": "a", "kind": "x", "id": None, "tags": []},
        ]
    },
    {"orders": []},
    {"orders": [{"customer": ["a"], "kind": "x", "id": 1, "tags": []}]},  # unhashable key: TypeError
    {"orders": [{"customer": "a", "kind": "x", "id": 1, "tags": 5}]},  # extend with a number: TypeError
    {"orders": [{"customer": "a", "kind": "x", "id": 1}]},  # missing key: KeyError
]
ITEM_INPUTS: list[JsonValue] = [
    {"list_key": "a", "dict_key": "b", "value": [3], "new_key": "c"},
    {"list_key": "a", "dict_key": "b", "value": None, "new_key": "a"},
    {"list_key": "b", "dict_key": "b", "value": 1, "new_key": "c"},  # a dict has no append
    {"list_key": "z", "dict_key": "b", "value": 1, "new_key": "c"},  # KeyError
    {"list_key": "a", "dict_key": "a", "value": 1, "new_key": "c"},  # a list has no update
    {"list_key": "a", "dict_key": "b", "value": 1, "new_key": {"k": 1}},  # unhashable: TypeError
]


@pytest.mark.parametrize(
    ("orch", "data"),
    [(grouping, d) for d in GROUP_INPUTS] + [(item_changes, d) for d in ITEM_INPUTS],
)
def test_changing_items_of_a_dict_runs_as_in_python(orch: object, data: JsonValue) -> None:
    direct, local = run_direct(orch, data), run_local(orch, data)  # type: ignore[arg-type]
    assert (local.status, local.error) == (direct.status, direct.error) == ("SUCCEEDED", None)
    assert local.output == direct.output


def test_grouping_gives_pythons_groups() -> None:
    output = run_local(grouping, GROUP_INPUTS[0]).output
    assert output == {
        "by_customer": {"a": [1, None], "b": [[2]]},
        "by_kind": {"x": [1, None], "y": [[2]]},
        "seen": {"x": 0, "first": 1, "last": 1, "y": 0},
        "tags": {"all": ["t", "u", "v"]},
    }
    assert run_local(grouping, GROUP_INPUTS[2]).output == "TypeError"
    assert run_local(item_changes, ITEM_INPUTS[2]).output == "AttributeError"


@orchestrator(name="GkCounts")
async def counting(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    key = data["key"]
    counts: dict[str, Any] = {}
    lists: dict[str, Any] = {"all": [], "chars": []}
    try:
        lists["chars"] += data["extra"]
        for word in data["words"]:
            if word not in counts:
                counts[word] = 0
            counts[word] += 1
            counts[word] *= 2
            lists["all"] += [word]
        counts[key] -= 1
    except KeyError:
        return "KeyError"
    except TypeError:
        return "TypeError"
    return {"counts": counts, "lists": lists}


@orchestrator(name="GkEnumerateStart")
async def numbered(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    pairs = [[i, x] for i, x in enumerate(data, start=1)]
    labels = {str(i): x for i, x in enumerate(data, start=-2)}
    positions = []
    for i, x in enumerate(data, start=10):
        positions.append([i, x])
    return [pairs, labels, positions]


@pytest.mark.parametrize(
    ("orch", "data"),
    [
        (counting, {"words": ["a", "b", "a"], "extra": "xy", "key": "a"}),
        (counting, {"words": [], "extra": [1, [2]], "key": "a"}),  # KeyError
        (counting, {"words": ["a"], "extra": 5, "key": "a"}),  # a list += a number: TypeError
        (counting, {"words": ["a"], "extra": {"k": 1}, "key": "a"}),  # a dict extends by its keys
        (numbered, ["p", None, [1]]),
        (numbered, []),
        (numbered, "ab"),
    ],
)
def test_item_arithmetic_and_enumerate_start_run_as_in_python(orch: object, data: JsonValue) -> None:
    direct, local = run_direct(orch, data), run_local(orch, data)  # type: ignore[arg-type]
    assert (local.status, local.error) == (direct.status, direct.error) == ("SUCCEEDED", None)
    assert local.output == direct.output


@orchestrator(name="GkSharedItem")
async def shared_item(ctx: OrchestrationContext) -> JsonValue:
    xs: list[Any] = []
    d = {"xs": xs}
    d["xs"] += ctx.get_input()
    return xs


def test_extending_a_shared_list_item_fails_as_a_shared_name_does() -> None:
    assert run_direct(shared_item, [1]).output == [1]  # Python extends the list both names hold
    compiled = run_local(shared_item, [1])
    assert (compiled.status, compiled.error) == ("FAILED", "States.QueryEvaluationError")
    assert "UnsupportedValueError: this list is shared with another name" in (compiled.cause or "")


def cheapest(orders: Any, field: str) -> Any:
    ranked = sorted(orders, key=lambda o: o[field])
    return ranked[0] if ranked else None


async def ranked_groups(ctx: OrchestrationContext, orders: Any) -> Any:
    groups: dict[str, Any] = {}
    for o in orders:  # a local named like the lambda's parameter
        groups.setdefault(o["c"], []).append(o["p"])
    best = max(orders, key=lambda o: [o["p"], len(groups)], default=None)
    return [best, groups]


@orchestrator(name="GkHelpers")
async def with_helpers(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    o = "the orchestrator's o"
    first = cheapest(data, "p")
    ranked = await ranked_groups(ctx, data)
    return [first, ranked, o]


@pytest.mark.parametrize("data", [[{"p": 2, "c": "a"}, {"p": 1, "c": "b"}, {"p": 1, "c": "a"}], []])
def test_key_functions_and_grouping_in_helpers_compiled_in_place(data: JsonValue) -> None:
    direct, local = run_direct(with_helpers, data), run_local(with_helpers, data)
    assert (local.status, local.error) == (direct.status, direct.error) == ("SUCCEEDED", None)
    assert local.output == direct.output


@orchestrator(name="GkRankedPairs")
async def ranked_pairs(ctx: OrchestrationContext) -> JsonValue:
    totals = ctx.get_input()
    try:
        top = [name for name, total in sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[:2]]
        rows = {k: v for k, v in sorted(totals.items())}
        kept = [[v, k] for k, v in list(totals.items())[::-1] if v is not None]
        return [top, rows, kept]
    except TypeError:
        return "TypeError"
    except AttributeError:
        return "AttributeError"


@orchestrator(name="GkItemsOfNoDict")
async def items_of(ctx: OrchestrationContext) -> JsonValue:
    d = ctx.get_input()
    seen = []
    try:
        keys = [k for k, v in d.items()]
        for k, v in d.items():
            seen.append([v, k])
        return [keys, seen]
    except AttributeError:
        return "AttributeError"


@pytest.mark.parametrize(
    ("orch", "data"),
    [
        (ranked_pairs, {"a": 2, "b": 1, "c": 2}),
        (ranked_pairs, {"a": 3, "b": [1], "c": None}),  # values Python cannot order: TypeError
        (ranked_pairs, {"x": [[1]], "y": [[0]], "z": None}),
        (ranked_pairs, {}),
        (ranked_pairs, [{"a": 1}]),  # a list has no items(): AttributeError
        (items_of, {"a": None, "b": [1]}),
        (items_of, [{"a": 1}]),
        (items_of, "ab"),
        (items_of, None),
    ],
)
def test_comprehensions_unpack_the_pairs_of_sorted_items(orch: object, data: JsonValue) -> None:
    direct, local = run_direct(orch, data), run_local(orch, data)  # type: ignore[arg-type]
    assert (local.status, local.error) == (direct.status, direct.error) == ("SUCCEEDED", None)
    assert local.output == direct.output


HEADER = """\
from durable_sfn import orchestrator


@orchestrator(name="Refused")
async def refused(ctx):
    data = ctx.get_input()
"""
FIRST_LINE = HEADER.count("\n") + 1


@pytest.mark.parametrize(
    ("body", "code", "line", "hint"),
    [
        # The list inside groups is also `lst`, read later: Python shows the change there too.
        (
            'groups = {}\nlst = []\ngroups["a"] = lst\ngroups["a"].append(1)\nreturn lst',
            "DSF051",
            3,
            "copy it",
        ),
        (
            'groups = {}\nbase = []\ngroups.setdefault("a", base).append(1)\nreturn base',
            "DSF051",
            2,
            "copy it",
        ),
        (
            "groups = {}\nitems = groups.setdefault(data, [])\nitems.append(1)\nreturn groups",
            "DSF051",
            2,
            "copy",
        ),
        ('d = {"k": []}\nrow = d.get("k")\nrow.append(1)\nreturn d', "DSF051", 2, "copy it"),
        ('d = {"a": {"b": []}}\nd["a"]["b"].append(1)\nreturn d', "DSF022", 1, "put it back"),
        ("xs = [[1]]\nxs[0].append(2)\nreturn xs", "DSF022", 1, "comprehension"),
        ('d = {}\nreturn len(d.setdefault("a", []))', "DSF002", 1, ""),
        ("return sorted(data, key=lambda a, b: a)", "DSF008", 0, "lambda of one parameter"),
        ("return sorted(data, key=str.lower)", "DSF002", 0, "lambda of one parameter"),
        ('field = "price"\nreturn sorted(data, key=field)', "DSF002", 1, "lambda of one parameter"),
        ("return max(1, 2, default=0)", "DSF002", 0, "one iterable"),
        ("return min(data, foo=1)", "DSF002", 0, "key= and default="),
        ("f = lambda x: x\nreturn f", "DSF008", 0, "comprehension"),
        ('xs = []\nd = {"xs": xs}\nd["xs"] += [1]\nreturn xs', "DSF051", 2, "copy it"),
        # A key function reads its names when sorted calls it: after the change of `b`.
        ("a = [3]\nb = a\nb.append(1)\nreturn sorted([0], key=lambda x: a)", "DSF051", 2, "copy it"),
        ("if data:\n    y = 1\nreturn sorted(data, key=lambda x: y)", "DSF002", 2, "every path"),
        ("xs = [0]\nxs[0] += 1\nreturn xs", "DSF022", 1, "comprehension"),
        ('d = {"a": {"b": 1}}\nd["a"]["b"] += 1\nreturn d', "DSF022", 1, "put it back"),
    ],
)
def test_what_stays_refused_is_refused_at_its_line(body: str, code: str, line: int, hint: str) -> None:
    source = HEADER + textwrap.indent(textwrap.dedent(body), "    ")
    with pytest.raises(CompileError) as info:
        compile_source(source, "refused.py")
    found = [(d.code, d.line, d.hint) for d in info.value.diagnostics]
    assert any(c == code and at == FIRST_LINE + line and hint in h for c, at, h in found), found


def test_a_helpers_key_function_reading_a_name_the_orchestrator_assigns_is_refused() -> None:
    source = textwrap.dedent(
        """
        from durable_sfn import orchestrator

        FIELD = "price"


        def cheapest(orders):
            return min(orders, key=lambda o: o[FIELD])


        @orchestrator(name="Clash")
        async def clash(ctx):
            FIELD = "eta"
            return [cheapest(ctx.get_input()), FIELD]
        """
    )
    with pytest.raises(CompileError) as info:
        compile_source(source, "clash.py")
    assert [(d.code, d.line) for d in info.value.diagnostics] == [("DSF043", 14)]
    assert "FIELD" in info.value.diagnostics[0].message


@pytest.mark.parametrize(
    "change",
    ["seen.append(r)", 'groups["a"].append(r)', 'groups.setdefault("b", []).append(r)', 'groups["n"] += 1'],
)
def test_a_task_all_function_changing_the_orchestrators_list_or_dict_is_refused(change: str) -> None:
    # Python's branches share `seen` and `groups`; each compiled branch would change its own copy.
    source = textwrap.dedent(
        f"""
        from durable_sfn import activity, orchestrator


        @activity(name="Step")
        def step(x):
            return x


        @orchestrator(name="Closure")
        async def closure(ctx):
            groups = {{"a": [], "n": 0}}
            seen = []

            async def one(item):
                r = await ctx.call_activity(step, item)
                {change}
                return r

            out = await ctx.task_all([one(i) for i in ctx.get_input()])
            return [out, groups, seen]
        """
    )
    with pytest.raises(CompileError) as info:
        compile_source(source, "closure.py")
    found = [(d.code, d.line, d.hint) for d in info.value.diagnostics]
    assert found == [
        (
            "DSF051",
            17,
            "return the value from the function and build the list or dict from task_all's results",
        )
    ]
