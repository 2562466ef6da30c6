"""Habits of Durable Functions users that met differences or refusals: a dataclass field named like
a dict method (`order.items`), a caught error logged with %s or print, `d[key] = ...` with a key
read from data, `d[key] = await ...` and `xs.append(await ...)`. Each runs direct and compiled with
equal results, or is refused at its line with the spelling that works."""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.testing import ExecutionResult, run_direct, run_local


@pytest.fixture(autouse=True)
def _all_levels() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    yield
    root.setLevel(level)


def _both(orch: Any, value: Any) -> ExecutionResult:
    direct = run_direct(orch, value)
    compiled = run_local(orch, value)
    assert (compiled.status, compiled.output, compiled.error) == (direct.status, direct.output, direct.error)
    assert compiled.logs == direct.logs
    return direct


@dataclass
class Cart:
    owner: str
    items: list[str]
    values: list[int]


@orchestrator(name="DhFieldsNamedLikeDictMethods")
async def fields_named_like_dict_methods(ctx: OrchestrationContext, cart: Cart) -> JsonValue:
    return {"owner": cart.owner, "count": len(cart.items), "first": cart.items[0], "total": sum(cart.values)}


def test_a_field_named_like_a_dict_method_reads_the_field_in_both_runs() -> None:
    direct = _both(fields_named_like_dict_methods, {"owner": "ann", "items": ["a", "b"], "values": [2, 3]})
    assert direct.output == {"owner": "ann", "count": 2, "first": "a", "total": 5}


class Declined(Exception):
    pass


@activity(name="DhCharge")
def charge(amount: int) -> int:
    if amount > 100:
        raise Declined(f"{amount} is over the limit")
    return amount


log = logging.getLogger("habits")


@orchestrator(name="DhLogCaughtError")
async def log_caught_error(ctx: OrchestrationContext) -> JsonValue:
    amount = ctx.get_input()
    try:
        return await ctx.call_activity(charge, amount)
    except Declined as e:
        log.error("charge of %d failed: %s", amount, e)
        logging.warning(e)
        print("declined:", e)
        return None


@pytest.mark.parametrize("amount", [5, 500])
def test_a_caught_error_logged_with_percent_s_or_print_is_its_message(amount: int) -> None:
    direct = _both(log_caught_error, amount)
    if amount == 500:
        assert [r.message for r in direct.logs] == [
            "charge of 500 failed: 500 is over the limit",
            "500 is over the limit",
            "declined: 500 is over the limit",
        ]


def test_percent_r_of_a_caught_error_is_refused_with_the_percent_s_spelling() -> None:
    source = textwrap.dedent(
        """
        import logging
        from durable_sfn import orchestrator

        @orchestrator(name="DhRepr")
        async def f(ctx):
            try:
                await ctx.call_activity("Charge", 1)
            except Exception as e:
                logging.error("failed: %r", e)
        """
    )
    with pytest.raises(CompileError) as info:
        compile_source(source, "DhRepr")
    assert "DSF041" in str(info.value)
    assert '%s", e)' in str(info.value)


@activity(name="DhGrade")
def grade(student: dict[str, JsonValue]) -> str:
    return "pass" if int(str(student["score"])) >= 50 else "fail"


@orchestrator(name="DhKeysFromData")
async def keys_from_data(ctx: OrchestrationContext) -> JsonValue:
    grades = {}
    notes = []
    for student in ctx.get_input():
        grades[student["name"]] = await ctx.call_activity(grade, student)
        notes.append(await ctx.call_activity(grade, student))
    return {"grades": grades, "notes": notes}


@pytest.mark.parametrize(
    "students",
    [[{"name": "ann", "score": 70}, {"name": "bo", "score": 20}], []],
)
def test_an_item_keyed_by_data_and_awaited_values_in_statements(students: list[dict[str, Any]]) -> None:
    _both(keys_from_data, students)


def test_a_key_that_is_not_a_string_fails_as_json_cannot_hold_it() -> None:
    # docs/compiler.md "Python values, exactly": dict keys that are not strings fail at run time.
    compiled = run_local(keys_from_data, [{"name": 7, "score": 70}])
    assert compiled.status == "FAILED"
    assert "UnsupportedValueError: dict keys must be strings" in str(compiled.cause)


@orchestrator(name="DhMinDefault")
async def min_default(ctx: OrchestrationContext) -> JsonValue:
    return min(ctx.get_input(), default=0)


@pytest.mark.parametrize("data", [[], [3, 1.0, 1]])
def test_min_with_default_runs_as_in_python(data: JsonValue) -> None:
    direct, compiled = run_direct(min_default, data), run_local(min_default, data)
    assert compiled.status == direct.status == "SUCCEEDED"
    assert compiled.output == direct.output == min(data, default=0)  # type: ignore[call-overload]


@orchestrator(name="DhInputKeyword")
async def input_keyword(ctx: OrchestrationContext) -> JsonValue:
    n = ctx.get_input()
    first = await ctx.call_activity(charge, input_=n)
    second = await ctx.call_activity("DhCharge", input_=n + 1)
    return [first, second]


@pytest.mark.parametrize("n", [1, 100])
def test_durables_input_underscore_keyword_works_in_both_runs(n: int) -> None:
    _both(input_keyword, n)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('return ctx.current_utc_datetime.strftime("%Y-%m-%d")', "method .strftime() of a datetime"),
        ("now = ctx.current_utc_datetime\n    return now.tzinfo", "datetime attribute '.tzinfo'"),
        ('return ctx.get_input() | {"a": 1}', "{**a, **b}"),
        ("return dict(a=1, b=ctx.get_input())", '{"key": value, ...}'),
        ('return ctx.get_input().strip(" ,")', "only s.strip() (whitespace)"),
        ('return ctx.get_input().split(",", 1)', "sep.join(parts[1:])"),
        ("return dict(zip(ctx.get_input(), [1, 2]))", "{k: v for k, v in zip(keys, values)}"),
        ("return ctx.get_input().get_result()", "winner = await ctx.task_any([t1, t2])"),
    ],
)
def test_refusals_of_common_spellings_name_the_working_one(body: str, expected: str) -> None:
    source = f"from durable_sfn import orchestrator\n\n@orchestrator(name='DhHint')\nasync def f(ctx):\n    {body}\n"
    with pytest.raises(CompileError) as info:
        compile_source(source, "DhHint")
    assert expected in str(info.value)


def test_the_datetime_hints_spelling_runs_equal() -> None:
    _both(date_parts, None)


@orchestrator(name="DhDateParts")
async def date_parts(ctx: OrchestrationContext) -> JsonValue:
    now = ctx.current_utc_datetime
    return {"day": now.isoformat()[:10], "hour": int(now.isoformat()[11:13])}


@pytest.mark.parametrize("keyword", ["name", "fn"])
def test_the_called_function_as_a_keyword_is_refused_with_the_positional_spelling(keyword: str) -> None:
    # The direct run takes it positionally only; compiled, run_local found no activity to register.
    source = (
        "from durable_sfn import orchestrator\n\n@orchestrator(name='DhNamed')\nasync def f(ctx):\n"
        f"    return await ctx.call_activity({keyword}='DhCharge', input_=1)\n"
    )
    with pytest.raises(CompileError) as info:
        compile_source(source, "DhNamed")
    assert f"{keyword}= is not supported" in str(info.value)
    assert "ctx.call_activity('DhCharge', ...)" in str(info.value)


@dataclass
class Address:
    city: str


@dataclass
class Line:
    sku: str
    qty: int


@dataclass
class Shipment:
    id: str
    lines: list[Line]
    shipping: Address


@orchestrator(name="DhTypedOptionalAndEnumerate")
async def typed_optional_and_enumerate(ctx: OrchestrationContext, shipment: Shipment) -> JsonValue:
    labels = []
    for i, line in enumerate(shipment.lines):
        labels.append(f"{i}:{line.sku}x{line.qty}")
    last = [line.sku for line in reversed(shipment.lines)]
    city = shipment.shipping.city
    return {"labels": labels, "last": last, "city": city}


@pytest.mark.parametrize(
    "shipment",
    [
        {"id": "s1", "lines": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}], "shipping": {"city": "Oslo"}},
        {"id": "s2", "lines": [], "shipping": {"city": "Rome"}},
    ],
)
def test_typed_items_through_enumerate_and_reversed(
    shipment: dict[str, Any],
) -> None:
    _both(typed_optional_and_enumerate, shipment)


def test_assigning_an_attribute_is_refused_with_a_variable_or_a_dict() -> None:
    source = (
        "from durable_sfn import orchestrator\n\n@orchestrator(name='DhSetAttr')\nasync def f(ctx):\n"
        "    order = ctx.get_input()\n    order.status = 'done'\n    return order\n"
    )
    with pytest.raises(CompileError) as info:
        compile_source(source, "DhSetAttr")
    assert "assigning an attribute ('.status = ...')" in str(info.value)
    assert "{**order, 'status': ...}" in str(info.value)


@orchestrator(name="DhPaddedNumbers")
async def padded_numbers(ctx: OrchestrationContext) -> JsonValue:
    n = ctx.get_input()
    return [
        f"{n:03d}",
        f"{n:>6}",
        f"{n:<6}|",
        f"{n:^7}|",
        f"{n:*^7}",
        f"{n:06}",
        f"{n:=8}",
        f"{n:8.2f}",
        f"{n:>12,.2f}",
        f"{n:010.3f}",
        f"{n:<5,}|",
    ]


@orchestrator(name="DhPaddedText")
async def padded_text(ctx: OrchestrationContext) -> JsonValue:
    s = ctx.get_input()
    return [f"{s:<10}|", f"{s:>10}", f"{s:^9}|", f"{s:05}", f"{s:-<12}", f"{s:>2}"]


@pytest.mark.parametrize("n", [42, -7, 123456, 0, 1234567])
def test_padded_number_formats_are_pythons(n: int) -> None:
    direct = _both(padded_numbers, n)
    assert direct.output[0] == format(n, "03d")
    assert direct.output[6] == format(n, "=8")


@pytest.mark.parametrize("s", ["héllo", "", "a very long string", "x"])
def test_padded_text_formats_are_pythons(s: str) -> None:
    direct = _both(padded_text, s)
    assert direct.output == [f"{s:<10}|", f"{s:>10}", f"{s:^9}|", f"{s:05}", f"{s:-<12}", f"{s:>2}"]


@orchestrator(name="DhPaddedAny")
async def padded_any(ctx: OrchestrationContext) -> JsonValue:
    v = ctx.get_input()
    try:
        return f"[{v:>6}]"
    except TypeError as e:
        return f"TypeError: {e}"
    except ValueError as e:
        return f"ValueError: {e}"


@pytest.mark.parametrize("v", [2.5, True, None, [1], {"a": 1}, "ab"])
def test_a_width_on_a_value_of_any_type_pads_or_fails_as_python(v: Any) -> None:
    _both(padded_any, v)


def test_zero_padding_with_grouping_stays_refused() -> None:
    source = "from durable_sfn import orchestrator\n\n@orchestrator(name='DhZeroGroup')\nasync def f(ctx):\n"
    source += '    return f"{ctx.get_input():012,.2f}"\n'
    with pytest.raises(CompileError) as info:
        compile_source(source, "DhZeroGroup")
    assert "'012,.2f' is not supported" in str(info.value)
