"""Iterating a dict whose keys include a decimal integer ('0', '42'): JSONata, as JavaScript, puts
such keys first in ascending order, where Python keeps the order of insertion, so the compiled run
stops with UnsupportedValueError naming the limit instead of going on in another order (found by
the differential run: `{k: sum(v) for k, v in groups.items()}` of keys '8', '2', '0' fanned out in
the order 0, 2, 8). Where the order cannot matter (`sorted(d)`, `sum`, `any`, `all`, `len`, `in`)
and for other keys, dicts compile as before."""

from __future__ import annotations

from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from durable_sfn.testing import run_direct, run_local


@orchestrator(name="KeyOrderIterate")
async def iterate(ctx: OrchestrationContext) -> JsonValue:
    d = ctx.get_input()
    return [list(d), [v for k, v in d.items()], list(d.values())]


@orchestrator(name="KeyOrderFree")
async def order_free(ctx: OrchestrationContext) -> JsonValue:
    d = ctx.get_input()
    return [
        sorted(d),
        sum(len(k) for k in sorted(d)),
        "1" in d,
        len(d),
    ]


@pytest.mark.parametrize("value", [{"b": 1, "a": 2}, {"1": 5}, {"007": 1, "b": 2}, {}])
def test_dicts_without_that_hazard_iterate_as_in_python(value: dict[str, Any]) -> None:
    direct, compiled = run_direct(iterate, value), run_local(iterate, value)
    assert (compiled.status, compiled.output) == ("SUCCEEDED", direct.output)


@pytest.mark.parametrize("value", [{"2": 1, "1": 2}, {"x": 1, "7": 2}, {"10": 1, "9": 2, "a": 3}])
def test_iterating_a_dict_with_decimal_integer_keys_stops_loudly(value: dict[str, Any]) -> None:
    direct, compiled = run_direct(iterate, value), run_local(iterate, value)
    assert direct.status == "SUCCEEDED"
    assert compiled.status == "FAILED"
    assert "UnsupportedValueError: the order of a dict whose keys include decimal integers is not kept" in (
        compiled.cause or ""
    )


@pytest.mark.parametrize("value", [{"2": 1, "1": 2}, {"x": 1, "7": 2}])
def test_where_the_order_cannot_matter_such_dicts_still_compile(value: dict[str, Any]) -> None:
    direct, compiled = run_direct(order_free, value), run_local(order_free, value)
    assert (compiled.status, compiled.output) == ("SUCCEEDED", direct.output)


@orchestrator(name="KeyOrderCaught")
async def caught(ctx: OrchestrationContext) -> JsonValue:
    d = ctx.get_input()
    out: list[JsonValue] = []
    try:
        out.append(list(d["groups"]))
    except Exception as e:
        out.append(f"caught {type(e).__name__}")
    try:
        out.append(d["missing"])
    except Exception as e:
        out.append(f"caught {e}")
    return out


def test_a_catch_all_handler_does_not_take_the_refusal() -> None:
    """Python raises nothing there, so `except Exception` must not run (found by the long
    differential run, seed 5002076); an expression's own errors are still caught."""
    safe = {"groups": {"a": 1, "b": 2}}
    assert (
        run_local(caught, safe).output == run_direct(caught, safe).output == [["a", "b"], "caught 'missing'"]
    )
    hazard = {"groups": {"2": 1, "1": 2}}
    assert run_direct(caught, hazard).status == "SUCCEEDED"
    compiled = run_local(caught, hazard)
    assert (compiled.status, compiled.error) == ("FAILED", "UnsupportedValueError")
    assert (compiled.cause or "").startswith(
        "the order of a dict whose keys include decimal integers is not kept"
    )
