"""JSONPath-mode payload templates (Parameters, ResultSelector, ItemSelector, Assign)."""

from __future__ import annotations

import pytest

from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import INTRINSIC_FAILURE, RUNTIME, StatesError
from durable_sfn.engine.payload import evaluate_dynamic, evaluate_template

ENV = EvalEnv(
    state_name="S",
    query_language="JSONPath",
    input={},
    context={"Execution": {"Name": "run-1"}, "Map": {"Item": {"Index": 2}}},
    variables={"limit": 10},
)


def test_dynamic_keys_lose_their_suffix_and_read_every_root() -> None:
    template = {
        "static": "$.not.a.path",
        "fromInput.$": "$.order.id",
        "fromContext.$": "$$.Execution.Name",
        "fromVariable.$": "$limit",
        "computed.$": "States.Format('#{}', $.order.id)",
        "nested": {"deep.$": "$.order.items[0]", "list": [1, {"inList.$": "$$.Map.Item.Index"}]},
        "literal_jsonata": "{% $x %}",
    }
    data = {"order": {"id": "o-7", "items": ["pen"]}}
    assert evaluate_template(template, data, ENV) == {
        "static": "$.not.a.path",
        "fromInput": "o-7",
        "fromContext": "run-1",
        "fromVariable": 10,
        "computed": "#o-7",
        "nested": {"deep": "pen", "list": [1, {"inList": 2}]},
        "literal_jsonata": "{% $x %}",
    }


def test_non_container_templates_pass_through() -> None:
    assert evaluate_template(5, {"a": 1}, ENV) == 5
    assert evaluate_template(None, {"a": 1}, ENV) is None


def test_missing_path_names_the_field_and_the_input() -> None:
    with pytest.raises(StatesError) as info:
        evaluate_template({"value.$": "$.no_such_jsonpath"}, {"int-literal": 0}, ENV)
    assert info.value.error == RUNTIME
    assert info.value.cause == (
        "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found "
        "in the input '{\"int-literal\":0}'"
    )


def test_missing_context_path_quotes_the_context_object() -> None:
    with pytest.raises(StatesError) as info:
        evaluate_template({"v.$": "$$.Execution.Nope"}, {}, ENV)
    assert "'$$.Execution.Nope'" in info.value.cause
    assert '"Name":"run-1"' in info.value.cause


@pytest.mark.parametrize("value", ["plain text", 42, ["$.a"]])
def test_dynamic_value_must_be_a_path_or_intrinsic(value: object) -> None:
    with pytest.raises(StatesError) as info:
        evaluate_template({"v.$": value}, {}, ENV)
    assert info.value.error == RUNTIME
    assert "'v.$'" in info.value.cause


def test_intrinsic_failures_keep_their_error_name() -> None:
    with pytest.raises(StatesError) as info:
        evaluate_template({"v.$": "States.ArrayGetItem($.l, 5)"}, {"l": []}, ENV)
    assert info.value.error == INTRINSIC_FAILURE


def test_evaluate_dynamic_for_fail_state_paths() -> None:
    assert evaluate_dynamic("$.err", {"err": "Boom"}, ENV, field="ErrorPath") == "Boom"
    with pytest.raises(StatesError) as info:
        evaluate_dynamic("$.ErrorX", {}, ENV, field="ErrorPath")
    assert "specified for the field 'ErrorPath'" in info.value.cause


def test_undefined_variable_names_the_variable_and_field() -> None:
    with pytest.raises(StatesError) as info:
        evaluate_template({"v.$": "$noSuchVar.member"}, {}, ENV)
    assert info.value.error == RUNTIME
    assert "'noSuchVar'" in info.value.cause and "'v.$'" in info.value.cause
