"""Intrinsic functions: the parser and each function's results and failures."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from durable_sfn.asl.intrinsics import IntrinsicSyntaxError, parse_intrinsic
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import INTRINSIC_FAILURE, RUNTIME, StatesError
from durable_sfn.engine.intrinsics import evaluate_intrinsic

ENV = EvalEnv(
    state_name="S",
    query_language="JSONPath",
    input={},
    context={"StateMachine": {"Name": "orders-v2", "Id": "arn:sm"}},
    variables={"greeting": "hi", "nums": [3, 1, 3]},
)


def ev(text: str, data: Any = None) -> Any:
    return evaluate_intrinsic(text, data if data is not None else {}, ENV)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("States.Format('Hello {}!', $.name)", "Hello Ada!"),
        ("States.Format('{} and {}', 1, 2.5)", "1 and 2.5"),
        ("States.Format('literal \\{\\} and {}', $.name)", "literal {} and Ada"),
        ("States.Format('it\\'s {}', null)", "it's null"),
        ("States.Format('{}', $.obj)", "{a=1, b=[1, x]}"),
        ("States.Format('{}', true)", "true"),
        ("States.Format('{} {}', $greeting, $$.StateMachine.Name)", "hi orders-v2"),
    ],
)
def test_format(text: str, expected: str) -> None:
    assert ev(text, {"name": "Ada", "obj": {"a": 1, "b": [1, "x"]}}) == expected


def test_format_template_from_a_path_or_variable() -> None:
    assert ev("States.Format($.t, $.name)", {"t": "It's {}!", "name": "Ada"}) == "It's Ada!"
    assert ev("States.Format($greeting)") == "hi"
    with pytest.raises(StatesError):
        ev("States.Format($greeting, 1)")  # no placeholder for the extra value
    with pytest.raises(StatesError):
        ev("States.Format($.t, 1)", {"t": 5})


def test_format_placeholder_count_must_match() -> None:
    with pytest.raises(StatesError) as info:
        ev("States.Format('{} {}', 1)")
    assert info.value.error == INTRINSIC_FAILURE
    assert "States.Format" in info.value.cause


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("States.StringToJson('{\"a\": [1, 2]}')", {"a": [1, 2]}),
        ("States.StringToJson(' ')", None),
        ("States.StringToJson('-0')", 0),
        ("States.JsonToString($.v)", '{"k":[1,"x"]}'),
        ("States.Array(1, 'two', null, $.v)", [1, "two", None, {"k": [1, "x"]}]),
        ("States.Array()", []),
        ("States.ArrayPartition(States.ArrayRange(1, 5, 1), 2)", [[1, 2], [3, 4], [5]]),
        ("States.ArrayContains($.list, true)", True),
        ("States.ArrayContains($.list, 1)", False),
        ("States.ArrayContains($.list, $.v)", True),
        ("States.ArrayRange(0, 9, 3)", [0, 3, 6, 9]),
        ("States.ArrayRange(5, 1, -2)", [5, 3, 1]),
        ("States.ArrayGetItem($.list, 0)", True),
        ("States.ArrayLength($.list)", 3),
        ("States.ArrayUnique($nums)", [3, 1]),
        ("States.ArrayUnique(States.Array(1, true, 1.0, 'x', 'x'))", [1, True, "x"]),
        ("States.Base64Encode('Data to encode')", "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "Data to encode"),
        ("States.Hash('input data', 'MD5')", "812f45842bc6d66ee14572ce20db8e86"),
        ("States.Hash('input data', 'SHA-1')", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        ('States.JsonMerge($.v, States.StringToJson(\'{"k": 2, "n": 1}\'), false)', {"k": 2, "n": 1}),
        ("States.MathAdd(1.5, -2.5)", 0),
        ("States.MathAdd(-1.5, 0)", -1),
        ("States.MathAdd(111, -1)", 110),
        ("States.StringSplit('a,b;;c', ',;')", ["a", "b", "c"]),
        ("States.StringSplit(',,,', ',')", []),
    ],
)
def test_functions(text: str, expected: Any) -> None:
    data = {"v": {"k": [1, "x"]}, "list": [True, False, {"k": [1, "x"]}]}
    result = ev(text, data)
    assert result == expected
    assert type(result) is type(expected)


def test_nested_calls_and_paths_with_brackets() -> None:
    data = {"items": [{"id": "a"}, {"id": "b"}]}
    assert ev("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 1)") == "v2"
    assert ev("States.ArrayLength($.items[*].id)", data) == 2
    assert ev("States.Format('{}', $.items[1]['id'])", data) == "b"


def test_math_random_is_in_range_and_seed_is_repeatable() -> None:
    values = {ev("States.MathRandom(1, 4)") for _ in range(200)}
    assert values <= {1, 2, 3} and len(values) > 1
    assert ev("States.MathRandom(0, 1000, 7)") == ev("States.MathRandom(0, 1000, 7)")


def test_uuid_is_version_4() -> None:
    value = ev("States.UUID()")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", value)


@pytest.mark.parametrize(
    "text",
    [
        "States.ArrayGetItem($.list, 9)",
        "States.ArrayPartition($.list, 0)",
        "States.ArrayLength('not an array')",
        "States.StringToJson('{not json')",
        "States.Hash('x', 'SHA-3')",
        "States.JsonMerge($.v, $.v, true)",
        "States.MathAdd('1', 2)",
        "States.ArrayRange(0, 2000, 1)",
        "States.Base64Decode('@@@')",
        "States.MathRandom(5, 5)",
        "States.UUID(1)",
    ],
)
def test_bad_arguments_fail_with_intrinsic_failure(text: str) -> None:
    with pytest.raises(StatesError) as info:
        ev(text, {"list": [1, 2], "v": {"a": 1}})
    assert info.value.error == INTRINSIC_FAILURE
    assert text.split("(")[0] in info.value.cause


@pytest.mark.parametrize(
    "text",
    [
        "States.Nope(1)",
        "States.Format('unterminated)",
        "States.Array(1 2)",
        "States.Array(1",
        "States.Array(1) trailing",
        "States.Array(undefined)",
    ],
)
def test_syntax_errors_point_at_the_problem(text: str) -> None:
    with pytest.raises(IntrinsicSyntaxError) as info:
        parse_intrinsic(text)
    assert "at character" in str(info.value)
    # Evaluated in a state, the same text fails the state with States.IntrinsicFailure.
    with pytest.raises(StatesError) as failure:
        ev(text)
    assert failure.value.error == INTRINSIC_FAILURE
    assert failure.value.cause == str(info.value)


def test_missing_path_argument_is_a_runtime_error() -> None:
    with pytest.raises(StatesError) as info:
        ev("States.Format('{}', $.missing)", {"a": 1})
    assert info.value.error == RUNTIME


# ---- properties ------------------------------------------------------------------------------

_literals = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
)


def _render(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    escaped = "".join("\\" + ch if ch in "'{}\\" else ch for ch in value)
    return f"'{escaped}'"


@settings(max_examples=200, deadline=None)
@given(values=st.lists(_literals, max_size=6))
def test_any_literal_round_trips_through_the_parser(values: list[Any]) -> None:
    text = "States.Array(" + ", ".join(_render(v) for v in values) + ")"
    result = ev(text)
    assert result == values
    assert [type(v) for v in result] == [type(v) for v in values]


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.text(alphabet="ab{}'\\ ", max_size=5), min_size=1, max_size=4))
def test_format_inserts_values_verbatim(values: list[str]) -> None:
    text = (
        "States.Format('"
        + "|".join("{}" for _ in values)
        + "', "
        + ", ".join(_render(v) for v in values)
        + ")"
    )
    assert ev(text) == "|".join(values)


def test_every_named_function_is_implemented() -> None:
    from durable_sfn.asl.intrinsics import FUNCTION_NAMES
    from durable_sfn.engine.intrinsics.functions import FUNCTIONS

    assert set(FUNCTIONS) | {"Format"} == FUNCTION_NAMES
    assert len(FUNCTION_NAMES) == 18
