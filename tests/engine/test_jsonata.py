"""JSONata evaluation: bindings, templates, Step Functions extras and AWS error texts."""

from __future__ import annotations

from typing import Any

import pytest

from durable_sfn.engine import errors
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.jsonata import evaluate_expression, evaluate_template, evaluate_typed, is_expression


def env(value: Any = None, variables: dict[str, Any] | None = None, **extra: Any) -> EvalEnv:
    return EvalEnv(
        "S", "JSONata", value if value is not None else {}, {"State": {"Name": "S"}}, variables or {}, **extra
    )


def ev(text: str, **kwargs: Any) -> Any:
    return evaluate_expression("{% " + text + " %}", env(**kwargs), "Output")


def test_is_expression() -> None:
    assert is_expression("{% 1 %}")
    assert not is_expression("{% 1")
    assert not is_expression("plain {% 1 %} text")
    assert not is_expression(3)


def test_states_bindings_and_variables() -> None:
    assert ev("$states.input.a + $b", value={"a": 1}, variables={"b": 2}) == 3
    assert ev("$states.context.State.Name") == "S"
    assert ev("$states.result.x", result={"x": 7}, has_result=True) == 7
    assert ev("$exists($states.result)") is False


def test_null_variables_and_values_stay_null() -> None:
    assert ev("$v", variables={"v": None}) is None
    assert ev("$states.input.a", value={"a": None}) is None


def test_templates_evaluate_recursively_and_name_fields() -> None:
    out = evaluate_template(
        {"a": ["{% 1 + 1 %}", "text"], "b": {"c": "{% $x %}"}}, env(variables={"x": "y"}), "Output"
    )
    assert out == {"a": [2, "text"], "b": {"c": "y"}}
    with pytest.raises(StatesError) as info:
        evaluate_template({"b": {"c": "{% $nope %}"}}, env(), "Output")
    assert info.value.error == errors.QUERY_EVALUATION_ERROR
    assert info.value.cause == (
        "The JSONata expression '$nope' specified for the field 'Output/b/c' returned nothing (undefined)."
    )


def test_evaluation_errors_carry_the_jsonata_code() -> None:
    with pytest.raises(StatesError) as info:
        ev("$notAFunction(1)")
    assert info.value.cause.endswith(
        "threw an error during evaluation. T1006: Attempted to invoke a non-function"
    )


def test_typed_results() -> None:
    assert evaluate_typed("{% [1, 2] %}", env(), "Items", "array") == [1, 2]
    with pytest.raises(StatesError) as info:
        evaluate_typed("{% 'x' %}", env(), "Items", "array")
    assert "Expected 'array', but was 'string' for value: \"x\"" in info.value.cause


def test_step_functions_extras() -> None:
    assert ev("$partition([1, 2, 3, 4, 5], 2)") == [[1, 2], [3, 4], [5]]
    assert ev("$range(0, 10, 5)") == [0, 5, 10]
    assert ev("$range(1, 9, 9)") == 1
    assert ev("$hash('abc', 'SHA-256')") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert ev("$parse('{\"a\": [1]}')") == {"a": [1]}
    assert 0 <= ev("$random()") < 1
    assert ev("$random(7)") == ev("$random(7)")
    assert len(ev("$uuid()")) == 36 and ev("$uuid()") != ev("$uuid()")


def test_extras_reject_bad_arguments() -> None:
    for text in ("$partition([1], 0)", "$range(0, 1, 0)", "$hash('a', 'CRC')", "$parse('{')"):
        with pytest.raises(StatesError) as info:
            ev(text)
        assert info.value.error == errors.QUERY_EVALUATION_ERROR


def test_integral_floats_become_ints() -> None:
    assert ev("$number('2')") == 2 and isinstance(ev("$number('2')"), int)
    assert ev("1 / 4") == 0.25


def test_now_and_millis_follow_the_engine_clock() -> None:
    context = {"State": {"Name": "S", "EnteredTime": "2024-01-01T00:00:05.000Z"}}
    e = EvalEnv("S", "JSONata", {}, context, {})
    assert evaluate_expression("{% $now() %}", e, "Output") == "2024-01-01T00:00:05.000Z"
    assert evaluate_expression("{% $millis() %}", e, "Output") == 1704067205000


def test_simple_paths_match_full_jsonata_semantics() -> None:
    data = {"items": [{"id": 1}, {"id": 2}], "one": {"deep": {"x": 2.0}}, "n": None, "s": "text"}
    assert ev("$states.input.items.id", value=data) == [1, 2]  # maps over the array
    assert ev("$states.input.one.deep.x", value=data) == 2
    assert ev("$states.input.n", value=data) is None
    assert ev("$v.one.deep", value={}, variables={"v": data}) == {"x": 2}
    for undefined in ("$states.input.s.length", "$states.input.missing", "$v.nope"):
        with pytest.raises(StatesError, match="returned nothing"):
            ev(undefined, value=data, variables={"v": {}})
