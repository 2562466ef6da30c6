"""JSONPath selection and the Input/Result/OutputPath rules, as AWS applies them."""

from __future__ import annotations

import pytest

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
