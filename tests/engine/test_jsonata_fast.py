"""The jsonatapy-based evaluator (engine/jsonata_fast.py): the same bindings, Step Functions
extras and AWS cause texts as the engine's jsonata-python path (test_jsonata.py)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from durable_sfn.engine import errors
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import StatesError

jsonata_fast = pytest.importorskip("durable_sfn.engine.jsonata_fast")

ENTERED = "2024-05-01T12:00:00.000Z"


def env(value: Any = None, variables: dict[str, Any] | None = None, **extra: Any) -> EvalEnv:
    context = {"State": {"Name": "S", "EnteredTime": ENTERED}}
    return EvalEnv("S", "JSONata", value if value is not None else {}, context, variables or {}, **extra)


def ev(text: str, **kwargs: Any) -> Any:
    return jsonata_fast.evaluate_expression("{% " + text + " %}", env(**kwargs), "Output")


def cause(text: str, **kwargs: Any) -> str:
    with pytest.raises(StatesError) as info:
        ev(text, **kwargs)
    assert info.value.error == errors.QUERY_EVALUATION_ERROR
    return str(info.value.cause)


def test_states_bindings_and_variables() -> None:
    assert ev("$states.input.a + $b", value={"a": 1}, variables={"b": 2}) == 3
    assert ev("$states.context.State.Name") == "S"
    assert ev("$states.result.x", result={"x": 7}, has_result=True) == 7
    assert ev("$exists($states.result)") is False
    assert ev("$v", variables={"v": None}) is None
    assert ev("[$v, 1]", variables={"v": None}) == [None, 1]
    assert ev("$sum($xs) / 2", variables={"xs": [1, 2, 3]}) == 3
    assert ev("$big + 1", variables={"big": 2**70}) == 2**70 + 1.0


def test_undefined_unsupported_and_error_causes() -> None:
    prefix = "The JSONata expression '{}' specified for the field 'Output' "
    assert cause("$nope") == prefix.format("$nope") + "returned nothing (undefined)."
    assert cause("$nope.x + 1 ? 1 : $nope") == prefix.format("$nope.x + 1 ? 1 : $nope") + (
        "returned nothing (undefined)."
    )
    assert cause("function($x) { $x }") == prefix.format("function($x) { $x }") + (
        "returned an unsupported result type."
    )
    assert cause("[1, function($x) { $x }]").endswith("returned an unsupported result type.")
    # AWS's text for this one is recorded in the conformance corpus.
    assert cause("$randomSeeded(1)").endswith(
        "threw an error during evaluation. T1006: Attempted to invoke a non-function"
    )
    assert cause("'a' + 1").endswith('T2001: The left side of the "+" operator must evaluate to a number')
    assert cause("$number('x')").endswith('D3030: Unable to cast value to a number: "x"')


def test_templates_and_typed_fields() -> None:
    out = jsonata_fast.evaluate_template(
        {"a": ["{% 1 + 1 %}", "text"], "b": {"c": "{% $x %}"}}, env(variables={"x": "y"}), "Output"
    )
    assert out == {"a": [2, "text"], "b": {"c": "y"}}
    with pytest.raises(StatesError) as info:
        jsonata_fast.evaluate_template({"b": {"c": "{% $nope %}"}}, env(), "Output")
    assert "specified for the field 'Output/b/c'" in str(info.value.cause)
    assert jsonata_fast.evaluate_typed("{% [1, 2] %}", env(), "Items", "array") == [1, 2]
    with pytest.raises(StatesError) as typed:
        jsonata_fast.evaluate_typed("{% 'x' %}", env(), "Items", "array")
    assert "Expected 'array', but was 'string' for value: \"x\"" in str(typed.value.cause)


def test_step_functions_extras() -> None:
    assert ev("$partition([1, 2, 3, 4, 5], 2)") == [[1, 2], [3, 4], [5]]
    assert ev("$range(0, 10, 5)") == [0, 5, 10]
    assert ev("$range(1, 9, 9)") == 1
    assert ev("$hash('abc', 'SHA-256')") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert ev("$parse('{\"a\": [1]}')") == {"a": [1]}
    assert 0 <= ev("$random()") < 1
    assert ev("$random(7)") == ev("$random(7)")
    assert len(ev("$uuid()")) == 36 and ev("$uuid()") != ev("$uuid()")
    assert cause("$range(1, 5000, 1)").endswith("D3137: $range: the result exceeds 1000 items")
    assert cause("$parse('{')").endswith("D3137: $parse: the argument is not valid JSON: {")


def test_now_and_millis_read_the_state_entry_time() -> None:
    assert ev("$now()") == ENTERED
    assert ev("$millis()") == 1714564800000


def test_unbounded_recursion_ends_with_a_query_evaluation_error() -> None:
    text = cause("($f := function($n) { 1 + $f($n + 1) }; $f(0))")
    assert "threw an error during evaluation. D1011: " in text


def test_each_thread_compiles_its_own_expressions() -> None:
    # jsonatapy's compiled expressions may only be used by the thread that made them.
    results: list[Any] = []

    def work() -> None:
        results.append(ev("$x * 2", variables={"x": 21}))

    ev("$x * 2", variables={"x": 1})
    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42, 42, 42]
