"""JSONPath selection and the Input/Result/OutputPath rules, as AWS applies them."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonpath_ng.ext.parser import ExtendedJsonPathParser
from jsonpath_ng.jsonpath import JSONPath

from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import RESULT_PATH_MATCH_FAILURE, RUNTIME, StatesError
from durable_sfn.engine.jsonpath import (
    JsonPathNotFound,
    apply_input_path,
    apply_output_path,
    apply_result_path,
    select,
)

DATA = {
    "order": {"id": "o-1", "items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 5}]},
    "odd key": {"x.y": 7},
    "flag": False,
    "nothing": None,
}


def env(**variables: object) -> EvalEnv:
    return EvalEnv(
        state_name="S",
        query_language="JSONPath",
        input=DATA,
        context={"Execution": {"Name": "run-1", "Input": {"a": 1}}, "State": {"Name": "S"}},
        variables=dict(variables),
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DATA),
        ("$.order.id", "o-1"),
        ("$.order.items[1].qty", 5),
        ("$.order.items[-1].sku", "b"),
        ("$['odd key']['x.y']", 7),
        ("$.flag", False),
        ("$.nothing", None),
    ],
)
def test_definite_paths_yield_the_value(path: str, expected: object) -> None:
    assert select(DATA, path, env()) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.order.items[*].sku", ["a", "b"]),
        ("$.order.items[0:1]", [{"sku": "a", "qty": 1}]),
        ("$..sku", ["a", "b"]),
        ("$.order.items[?(@.qty > 2)].sku", ["b"]),
        ("$.order.items[?(@.qty > 99)]", []),
    ],
)
def test_indefinite_paths_yield_a_list_even_when_empty(path: str, expected: object) -> None:
    assert select(DATA, path, env()) == expected


def test_context_and_variable_roots() -> None:
    e = env(customer={"name": "Ada", "tags": ["x", "y"]})
    assert select(DATA, "$$.Execution.Name", e) == "run-1"
    assert select(DATA, "$$", e)["State"] == {"Name": "S"}
    assert select(DATA, "$customer.tags[1]", e) == "y"
    assert select(DATA, "$customer", e) == {"name": "Ada", "tags": ["x", "y"]}


def test_missing_path_is_a_runtime_error_quoting_path_and_input() -> None:
    with pytest.raises(JsonPathNotFound) as info:
        select({"a": 1}, "$.b.c", env())
    assert info.value.error == RUNTIME
    assert info.value.cause == "The JSONPath '$.b.c' could not be found in the input '{\"a\":1}'"


def test_indexing_a_non_array_is_missing() -> None:
    with pytest.raises(JsonPathNotFound):
        select({"a": {"b": 1}}, "$.a[0]", env())


def test_undefined_variable_is_reported_by_name() -> None:
    with pytest.raises(StatesError) as info:
        select(DATA, "$nope.x", env())
    assert "nope" in info.value.cause


def test_quoted_keys_keep_backslashes_literally() -> None:
    data = {'Test\\""Name"': 'Value"\\'}
    assert select(data, '$[\'Test\\""Name"\']', env()) == 'Value"\\'


def test_input_and_output_path_null_means_empty_object() -> None:
    assert apply_input_path(DATA, None) == {}
    assert apply_output_path(DATA, None) == {}
    assert apply_input_path(DATA, "$") is DATA
    assert apply_output_path(DATA, "$.order.id") == "o-1"


def test_missing_input_path_uses_aws_wording() -> None:
    with pytest.raises(StatesError) as info:
        apply_input_path({"a": 1}, "$.NoSuchInputPath")
    assert info.value.error == RUNTIME
    assert info.value.cause == "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']"


def test_result_path_variants() -> None:
    state_input = {"a": 1}
    assert apply_result_path(state_input, {"r": 2}, "$") == {"r": 2}
    assert apply_result_path(state_input, {"r": 2}, None) == {"a": 1}
    assert apply_result_path(state_input, 2, "$.a") == {"a": 2}
    assert apply_result_path(state_input, 2, "$.x.y.z") == {"a": 1, "x": {"y": {"z": 2}}}
    assert state_input == {"a": 1}, "the state input must never be mutated"


def test_result_path_into_an_array_element() -> None:
    assert apply_result_path({"l": [1, 2]}, 9, "$.l[1]") == {"l": [1, 9]}


@pytest.mark.parametrize("state_input", ["text", 3, [1, 2], None])
def test_result_path_into_a_non_object_fails(state_input: object) -> None:
    with pytest.raises(StatesError) as info:
        apply_result_path(state_input, 1, "$.x")
    assert info.value.error == RESULT_PATH_MATCH_FAILURE
    assert "$.x" in info.value.cause


def test_result_path_through_a_scalar_fails() -> None:
    with pytest.raises(StatesError) as info:
        apply_result_path({"a": 5}, 1, "$.a.b")
    assert info.value.error == RESULT_PATH_MATCH_FAILURE


# ---- properties ------------------------------------------------------------------------------

_NG = ExtendedJsonPathParser()  # one parser: building one per call dominates the run time


def ng_parse(path: str) -> JSONPath:
    return _NG.parse(path)


_names = st.text(alphabet="abcxyz_", min_size=1, max_size=4)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_names, children, max_size=3),
    max_leaves=12,
)
_segments = st.lists(st.one_of(_names, st.integers(0, 3)), min_size=1, max_size=4)


def _render(segments: list[str | int]) -> str:
    return "$" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in segments)


@settings(max_examples=150, deadline=None)
@given(data=_json, segments=_segments)
def test_simple_path_walker_agrees_with_jsonpath_ng(data: object, segments: list[str | int]) -> None:
    path = _render(segments)
    reference = [m.value for m in ng_parse(path).find(data)]
    try:
        ours = select(data, path, env())
    except JsonPathNotFound:
        assert reference == []
    else:
        assert reference == [ours]


@settings(max_examples=150, deadline=None)
@given(
    state_input=st.dictionaries(_names, _json, max_size=4),
    result=_json,
    segments=st.lists(_names, min_size=1, max_size=3),
)
def test_result_path_places_the_result_and_keeps_the_input(
    state_input: dict[str, object], result: object, segments: list[str]
) -> None:
    before = copy.deepcopy(state_input)
    path = _render(list(segments))
    try:
        combined = apply_result_path(state_input, result, path)
    except StatesError as exc:
        assert exc.error == RESULT_PATH_MATCH_FAILURE
    else:
        assert select(combined, path, env()) == result
    assert state_input == before


def test_missing_nested_output_path_is_printed_in_bracket_form() -> None:
    with pytest.raises(StatesError) as info:
        apply_output_path({"a": {"b": []}}, "$.a.b[2].c")
    assert info.value.cause == "Invalid path '$.a.b[2].c' : No results for path: $['a']['b'][2]['c']"
