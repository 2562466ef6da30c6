"""Typed data: attribute access on declared dataclass / pydantic values, isinstance(), and
type(e).__name__, each run direct and compiled with equal results; what typed data cannot make
equal is refused at its line. (The real-world orchestrators tests/compiler/real_world/typed_*.py
run both ways in test_real_world.py.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypedDict

import pytest
from pydantic import BaseModel, Field

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.testing import ScheduledEvent, run_direct, run_local


@dataclass
class Line:
    sku: str
    qty: int = 1


@dataclass
class Basket:
    id: str
    lines: list[Line] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)


class Quote(BaseModel):
    price: float
    vendor: str = Field(default="any")
    notes: list[str] = Field(default_factory=list)


class Point(TypedDict):
    x: int


class Refused(Exception):
    pass


@activity(name="TypedQuote")
def quote(qty: int) -> Quote:
    return Quote(price=qty * 2.5)


@activity(name="TypedFails")
def fails(x: JsonValue) -> JsonValue:
    raise ValueError(f"bad {x}")


@orchestrator(name="TypedBasket")
async def basket(ctx: OrchestrationContext, order: Basket) -> JsonValue:
    total = sum(line.qty for line in order.lines)
    priced = await ctx.call_activity(quote, total)
    return {
        "skus": [line.sku for line in order.lines],
        "total": total,
        "price": priced.price,
        "vendor": priced.vendor,
        "notes": priced.notes,
        "tags": order.tags,
    }


@orchestrator(name="TypedPoint")
async def point(ctx: OrchestrationContext, p: Point) -> JsonValue:
    return p["x"] + 1


@orchestrator(name="TypedChecks")
async def checks(ctx: OrchestrationContext) -> JsonValue:
    v = ctx.get_input()
    kinds = [isinstance(v, str), isinstance(v, (int, float)), isinstance(v, bool)]
    kinds += [isinstance(v, list), isinstance(v, dict), isinstance(v, type(None))]
    return kinds


@orchestrator(name="TypedErrorNames")
async def error_names(ctx: OrchestrationContext) -> JsonValue:
    names = []
    try:
        await ctx.wait_for_external_event("Never", timeout=timedelta(seconds=5))
    except Exception as e:
        names.append(type(e).__name__)
    try:
        await ctx.call_activity(fails, 1)
    except Exception as e:
        names.append(type(e).__name__)
    try:
        if names:
            raise Refused("no")
    except Exception as e:
        names.append(type(e).__name__)
    try:
        names.append(ctx.get_input()["missing"])
    except LookupError as e:
        names.append(type(e).__name__)
    return names


def _equal(orch: Any, value: Any, events: Any = None) -> Any:
    direct = run_direct(orch, value, events=events)
    compiled = run_local(orch, value, events=events)
    assert (compiled.status, compiled.output) == (direct.status, direct.output)
    return direct.output


def test_fields_defaults_and_typed_activity_results() -> None:
    order = {"id": "b-1", "lines": [{"sku": "pen", "qty": 2}, {"sku": "ink"}]}
    assert _equal(basket, order) == {
        "skus": ["pen", "ink"],
        "total": 3,
        "price": 7.5,
        "vendor": "any",
        "notes": [],
        "tags": {},
    }
    assert _equal(basket, {"id": "b-2"})["skus"] == []  # field(default_factory=list)


def test_a_missing_field_without_default_fails_in_both_runs() -> None:
    direct = run_direct(basket, {"lines": [{"qty": 2}]})
    compiled = run_local(basket, {"lines": [{"qty": 2}]})
    assert direct.status == compiled.status == "FAILED"
    assert direct.error == "KeyError" and compiled.cause is not None and "KeyError" in compiled.cause


def test_a_typed_dict_stays_a_dict() -> None:
    assert _equal(point, {"x": 1}) == 2


@pytest.mark.parametrize("value", ["s", 1.5, 2, True, None, [1], {"a": 1}])
def test_isinstance_of_json_types(value: Any) -> None:
    assert _equal(checks, value) == [
        isinstance(value, str),
        isinstance(value, (int, float)),
        isinstance(value, bool),
        isinstance(value, list),
        isinstance(value, dict),
        value is None,
    ]


def test_the_name_of_a_caught_error() -> None:
    events = [ScheduledEvent("Other", 1, timedelta(seconds=1))]
    assert _equal(error_names, {}, events) == ["TimeoutError", "ValueError", "Refused", "KeyError"]


HEADER = """
from dataclasses import dataclass, field
from pydantic import BaseModel, Field
from durable_sfn import OrchestrationContext, activity, orchestrator

@dataclass
class Point:
    x: int
    y: int = 0

@dataclass
class Smart:
    x: int

    def doubled(self) -> int:
        return self.x * 2

@dataclass
class Made:
    x: list[int] = field(default_factory=lambda: [1])

class Aliased(BaseModel):
    x: int = Field(default=0, alias="X")

@dataclass
class Holder:
    p: Point | None = None

"""


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ("async def f(ctx: OrchestrationContext, p: Point):\n    return p.z\n", "DSF025", "no field 'z'"),
        (
            "async def f(ctx: OrchestrationContext, p: Smart):\n    return p.x\n",
            "DSF025",
            "defines 'doubled'",
        ),
        ("async def f(ctx: OrchestrationContext, p: Made):\n    return p.x\n", "DSF025", "not a literal"),
        ("async def f(ctx: OrchestrationContext, p: Aliased):\n    return p.x\n", "DSF025", "an alias"),
        (
            "async def f(ctx: OrchestrationContext, h: Holder):\n    return h.p.x\n",
            "DSF025",
            "attribute access",
        ),
        (
            "async def f(ctx: OrchestrationContext):\n"
            "    p: Point = await ctx.call_activity('GetPoint', 1)\n    return p.x\n",
            "DSF025",
            "annotation does not change the value",
        ),
        (
            "async def f(ctx: OrchestrationContext, p: Point):\n    return isinstance(p.x, int)\n",
            "DSF002",
            "int",
        ),
        (
            "async def f(ctx: OrchestrationContext, p: Point):\n    return isinstance(p, Point)\n",
            "DSF002",
            "not Point",
        ),
    ],
)
def test_what_typed_data_refuses(body: str, code: str, message: str) -> None:
    with pytest.raises(CompileError) as info:
        compile_source(HEADER + '@orchestrator(name="F")\n' + body, "f")
    found = [d for d in info.value.diagnostics if d.code == code]
    assert found and any(message in d.message for d in found), str(info.value)


@dataclass
class Shipment:
    basket: Basket
    carrier: str = "post"


@orchestrator(name="TypedShipmentFields")
async def shipment_fields(ctx: OrchestrationContext, s: Shipment) -> JsonValue:
    inner = s.basket
    lines = inner.lines
    first: Line = lines[0]
    return {"carrier": s.carrier, "first": first.sku, "count": len(lines), "id": s.basket.id}


def test_typed_values_assigned_to_names_stay_typed() -> None:
    value = {"basket": {"id": "b", "lines": [{"sku": "cup"}]}}
    assert _equal(shipment_fields, value) == {"carrier": "post", "first": "cup", "count": 1, "id": "b"}
