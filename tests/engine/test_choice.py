"""Choice rules: every JSONPath operator with AWS's strict typing, and JSONata Conditions."""

from __future__ import annotations

from typing import Any

import pytest

from durable_sfn.engine.choice_rules import choose_next, parse_timestamp, string_matches
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import NO_CHOICE_MATCHED, QUERY_EVALUATION_ERROR, RUNTIME, StatesError


def env(data: Any, language: str = "JSONPath", **variables: Any) -> EvalEnv:
    return EvalEnv(
        state_name="Decide",
        query_language=language,  # type: ignore[arg-type]
        input=data,
        context={"Execution": {"Name": "run-1"}},
        variables=variables,
    )


def holds(rule: dict[str, Any], data: Any, **variables: Any) -> bool:
    state = {"Type": "Choice", "Choices": [{**rule, "Next": "Yes"}], "Default": "No"}
    return choose_next(state, env(data, **variables)).next_state == "Yes"


@pytest.mark.parametrize(
    ("operator", "operand", "value", "expected"),
    [
        ("StringEquals", "abc", "abc", True),
        ("StringEquals", "1", 1, False),
        ("StringLessThan", "b", "a", True),
        ("StringGreaterThan", "A", "A ", True),
        ("StringLessThanEquals", "a", "a", True),
        ("StringGreaterThanEquals", "b", "a", False),
        ("StringMatches", "log-*.txt", "log-2024.txt", True),
        ("StringMatches", "log-\\*.txt", "log-2024.txt", False),
        ("StringMatches", "log-\\*.txt", "log-*.txt", True),
        ("NumericEquals", 1, 1.0, True),
        ("NumericEquals", 1, True, False),
        ("NumericEquals", 0, "0", False),
        ("NumericLessThan", 5, 4.99, True),
        ("NumericGreaterThan", 5, 5, False),
        ("NumericLessThanEquals", 5, 5, True),
        ("NumericGreaterThanEquals", 5, 6, True),
        ("BooleanEquals", True, True, True),
        ("BooleanEquals", False, 0, False),
        ("TimestampEquals", "2016-03-14T01:59:00Z", "2016-03-14T02:59:00+01:00", True),
        ("TimestampLessThan", "2016-03-14T01:59:00Z", "2016-03-14T01:58:59.999999999Z", True),
        ("TimestampGreaterThan", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00.1Z", True),
        ("TimestampEquals", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00", False),
        ("TimestampLessThanEquals", "2016-03-14T01:59:00Z", "not a date", False),
        ("TimestampGreaterThanEquals", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00Z", True),
    ],
)
def test_comparison_operators(operator: str, operand: Any, value: Any, expected: bool) -> None:
    assert holds({"Variable": "$.v", operator: operand}, {"v": value}) is expected


@pytest.mark.parametrize(
    ("operator", "value", "other", "expected"),
    [
        ("StringEqualsPath", "x", "x", True),
        ("NumericGreaterThanPath", 3, 2, True),
        ("NumericEqualsPath", 1, 0.0, False),
        ("BooleanEqualsPath", True, 1, False),
        ("TimestampLessThanPath", "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z", True),
    ],
)
def test_path_operators_compare_two_values(operator: str, value: Any, other: Any, expected: bool) -> None:
    assert holds({"Variable": "$.v", operator: "$.other"}, {"v": value, "other": other}) is expected


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("IsNull", None, True),
        ("IsNull", 0, False),
        ("IsNumeric", 1.5, True),
        ("IsNumeric", True, False),
        ("IsString", "", True),
        ("IsBoolean", False, True),
        ("IsTimestamp", "2012-10-09T19:00:55+01:00", True),
        ("IsTimestamp", "2012-10-09T19:00:55", False),
        ("IsTimestamp", "2012-02-30T19:00:55Z", False),
    ],
)
def test_type_tests(operator: str, value: Any, expected: bool) -> None:
    assert holds({"Variable": "$.v", operator: True}, {"v": value}) is expected
    assert holds({"Variable": "$.v", operator: False}, {"v": value}) is (not expected)


def test_absent_variable_is_only_allowed_under_is_present() -> None:
    assert holds({"Variable": "$.missing", "IsPresent": False}, {})
    assert not holds({"Variable": "$.missing", "IsPresent": True}, {})
    for rule in ({"IsNull": True}, {"StringEquals": "x"}, {"NumericEquals": 1}):
        with pytest.raises(StatesError) as info:
            holds({"Variable": "$.missing", **rule}, {})
        assert info.value.error == RUNTIME
        assert info.value.cause == (
            "Invalid path '$.missing': The choice state's condition path references an invalid value."
        )


def test_is_present_guard_short_circuits_and() -> None:
    guarded = {"And": [{"Variable": "$.opt", "IsPresent": True}, {"Variable": "$.opt", "StringEquals": "x"}]}
    assert not holds(guarded, {})
    assert holds(guarded, {"opt": "x"})


def test_missing_operand_path_is_a_runtime_error() -> None:
    with pytest.raises(StatesError) as info:
        holds({"Variable": "$.v", "StringEqualsPath": "$.nope"}, {"v": "x"})
    assert info.value.error == RUNTIME


def test_boolean_combinators_and_variables() -> None:
    rule = {
        "And": [
            {"Variable": "$.n", "NumericGreaterThan": 1},
            {"Not": {"Variable": "$.s", "StringEquals": "no"}},
            {
                "Or": [
                    {"Variable": "$limit", "NumericEquals": 3},
                    {"Variable": "$$.Execution.Name", "StringEquals": "x"},
                ]
            },
        ]
    }
    assert holds(rule, {"n": 2, "s": "yes"}, limit=3)
    assert not holds(rule, {"n": 2, "s": "no"}, limit=3)
    assert not holds(rule, {"n": 2, "s": "yes"}, limit=4)


def test_first_matching_rule_wins_and_reports_its_assign() -> None:
    state = {
        "Type": "Choice",
        "Choices": [
            {"Variable": "$.n", "NumericLessThan": 0, "Next": "Negative"},
            {"Variable": "$.n", "NumericLessThan": 10, "Next": "Small", "Assign": {"size": "small"}},
            {"Variable": "$.n", "NumericLessThan": 100, "Next": "Medium"},
        ],
        "Default": "Large",
    }
    outcome = choose_next(state, env({"n": 5}))
    assert (outcome.next_state, outcome.rule_index, outcome.rule_assign) == ("Small", 1, {"size": "small"})
    default = choose_next(state, env({"n": 500}))
    assert default.next_state == "Large" and default.is_default


def test_no_match_without_default_fails() -> None:
    state = {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "One"}]}
    with pytest.raises(StatesError) as info:
        choose_next(state, env({"n": 2}))
    assert info.value.error == NO_CHOICE_MATCHED
    assert "Decide" in info.value.cause


def test_jsonata_conditions_with_rule_output() -> None:
    state = {
        "Type": "Choice",
        "Choices": [
            {"Condition": "{% $states.input.n > $limit %}", "Next": "Big", "Output": {"big": True}},
            {"Condition": True, "Next": "Always"},
        ],
    }
    big = choose_next(state, env({"n": 5}, "JSONata", limit=3))
    assert big.next_state == "Big" and big.has_rule_output and big.rule_output == {"big": True}
    assert choose_next(state, env({"n": 1}, "JSONata", limit=3)).next_state == "Always"


def test_jsonata_condition_must_be_boolean() -> None:
    state = {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n %}", "Next": "X"}]}
    with pytest.raises(StatesError) as info:
        choose_next(state, env({"n": 5}, "JSONata"))
    assert info.value.error == QUERY_EVALUATION_ERROR
    assert "Expected 'boolean'" in info.value.cause


def test_timestamp_parsing_precision_and_validity() -> None:
    assert parse_timestamp("1970-01-01T00:00:00Z") == (0, 0)
    assert parse_timestamp("1970-01-01T01:00:00.5+01:00") == (0, 500_000_000)
    assert parse_timestamp("2016-02-29T00:00:00Z") is not None
    assert parse_timestamp("2015-02-29T00:00:00Z") is None
    assert parse_timestamp("2016-03-14t01:59:00z") is None


def test_string_matches_escapes() -> None:
    assert string_matches("a\\b", "a\\\\b")
    assert string_matches("anything", "*")
    assert not string_matches("abc", "ab")


def test_string_order_follows_utf16_code_units_like_java() -> None:
    # U+FF21 (fullwidth A) sorts after U+1F600 (emoji) in code points, before it in UTF-16.
    assert holds({"Variable": "$.v", "StringLessThan": "\U0001f600"}, {"v": "\uff21"}) is False
    assert holds({"Variable": "$.v", "StringGreaterThan": "\U0001f600"}, {"v": "\uff21"}) is True


def test_undefined_variable_is_absent_for_is_present() -> None:
    assert holds({"Variable": "$nope", "IsPresent": False}, {})
