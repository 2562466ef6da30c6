"""Definition validation (AWS diagnostic codes and locations) and placeholder substitution."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from durable_sfn.asl import (
    AslValidatorUnavailable,
    InvalidDefinitionError,
    UnknownPlaceholderError,
    ensure_valid,
    find_placeholders,
    run_asl_validator,
    substitute_placeholders,
    validate_definition,
)
from tests.engine.support import missing_input

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = REPO_ROOT.parent / "shared" / "conformance" / "cases.jsonl"


def machine(states: dict[str, Any], start: str = "A", **top: Any) -> dict[str, Any]:
    return {"StartAt": start, "States": states, **top}


def codes(definition: Any) -> list[tuple[str, str]]:
    return [(d.code, d.location) for d in validate_definition(definition) if d.severity == "ERROR"]


VALID = [
    machine({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}),
    machine(
        {
            "A": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "${Fn}", "Payload": "{% $states.input %}"},
                "Assign": {"r": "{% $states.result.Payload %}"},
                "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "BackoffRate": 2.0}],
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "Next": "Failed", "Output": "{% $states.errorOutput %}"}
                ],
                "TimeoutSeconds": 30,
                "HeartbeatSeconds": 10,
                "Next": "Decide",
            },
            "Decide": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $r.ok %}", "Next": "Done", "Assign": {"x": 1}}],
                "Default": "Failed",
            },
            "Done": {"Type": "Succeed", "Output": "{% $r %}"},
            "Failed": {"Type": "Fail", "Error": "Bad", "Cause": "{% $string($r) %}"},
        },
        QueryLanguage="JSONata",
    ),
    machine(
        {
            "A": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Inner",
                    "States": {"Inner": {"Type": "Wait", "SecondsPath": "$.s", "End": True}},
                },
                "ToleratedFailurePercentage": 50,
                "Next": "P",
            },
            "P": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": True}}}],
                "ResultPath": "$.p",
                "End": True,
            },
        }
    ),
]


@pytest.mark.parametrize("definition", VALID)
def test_valid_definitions_have_no_errors(definition: dict[str, Any]) -> None:
    assert codes(definition) == []
    assert codes(json.dumps(definition)) == []
    assert ensure_valid(json.dumps(definition)) == definition


INVALID: list[tuple[str, Any, list[tuple[str, str]]]] = [
    ("empty", "", [("MISSING_DESCRIPTION", "")]),
    ("bad json", '{"StartAt": ', [("INVALID_JSON_DESCRIPTION", "")]),
    ("not an object", "[1]", [("INVALID_JSON_DESCRIPTION", "")]),
    (
        "missing next target",
        machine({"A": {"Type": "Pass", "Next": "Nowhere"}, "B": {"Type": "Succeed"}}),
        [("MISSING_TRANSITION_TARGET", "/States/A/Next"), ("MISSING_TRANSITION_TARGET", "/States/B")],
    ),
    (
        "missing start",
        machine({"A": {"Type": "Succeed"}}, start="Z"),
        [("MISSING_TRANSITION_TARGET", "/StartAt")],
    ),
    ("no end", machine({"A": {"Type": "Pass", "Next": "A"}}), [("MISSING_END_STATE", "/States")]),
    (
        "duplicate across branches",
        machine(
            {
                "A": {
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}],
                }
            }
        ),
        [("DUPLICATE_STATE_NAME", "/States/A/Branches[0]/States/A")],
    ),
    (
        "name too long",
        machine({"A" * 81: {"Type": "Succeed"}}, start="A" * 81),
        [("INVALID_STATE_NAME", "/States/" + "A" * 81)],
    ),
    (
        "bad resource",
        machine({"A": {"Type": "Task", "Resource": "my-lambda", "End": True}}),
        [("INVALID_RESOURCE", "/States/A/Resource")],
    ),
    (
        "next and end",
        machine({"A": {"Type": "Pass", "Next": "A", "End": True}}),
        [("SCHEMA_VALIDATION_FAILED", "/States/A")],
    ),
    (
        "neither next nor end",
        machine({"A": {"Type": "Pass"}}),
        [("SCHEMA_VALIDATION_FAILED", "/States/A"), ("MISSING_END_STATE", "/States")],
    ),
    (
        "unknown type",
        machine({"A": {"Type": "Loop", "End": True}}),
        [("SCHEMA_VALIDATION_FAILED", "/States/A/Type")],
    ),
    (
        "jsonpath field in jsonata state",
        machine({"A": {"Type": "Pass", "Parameters": {}, "End": True}}, QueryLanguage="JSONata"),
        [("SCHEMA_VALIDATION_FAILED", "/States/A/Parameters")],
    ),
    (
        "jsonata field in jsonpath state",
        machine({"A": {"Type": "Pass", "Output": {}, "End": True}}),
        [("SCHEMA_VALIDATION_FAILED", "/States/A/Output")],
    ),
    (
        "operand of the wrong type",
        machine(
            {
                "A": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": "1", "Next": "B"}]},
                "B": {"Type": "Succeed"},
            }
        ),
        [("SCHEMA_VALIDATION_FAILED", "/States/A/Choices[0]/NumericEquals")],
    ),
    (
        "two operators",
        machine(
            {
                "A": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.n", "IsNull": True, "IsString": True, "Next": "B"}],
                },
                "B": {"Type": "Succeed"},
            }
        ),
        [("SCHEMA_VALIDATION_FAILED", "/States/A/Choices[0]")],
    ),
    (
        "variable is not a reference path",
        machine(
            {
                "A": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.items[*].x", "IsNull": True, "Next": "B"}],
                },
                "B": {"Type": "Succeed"},
            }
        ),
        [("SCHEMA_VALIDATION_FAILED", "/States/A/Choices[0]/Variable")],
    ),
    (
        "result path into the context object",
        machine({"A": {"Type": "Pass", "ResultPath": "$$.Execution.x", "End": True}}),
        [("SCHEMA_VALIDATION_FAILED", "/States/A/ResultPath")],
    ),
    (
        "dynamic field that is not a path",
        machine({"A": {"Type": "Pass", "Parameters": {"x.$": "order.id"}, "End": True}}),
        [("SCHEMA_VALIDATION_FAILED", "/States/A/Parameters/x.$")],
    ),
    (
        "unknown intrinsic function",
        machine({"A": {"Type": "Pass", "Parameters": {"n": [{"x.$": "States.Nope(1)"}]}, "End": True}}),
        [("SCHEMA_VALIDATION_FAILED", "/States/A/Parameters/n[0]/x.$")],
    ),
    (
        "invalid variable names",
        machine(
            {"A": {"Type": "Pass", "Assign": {"my-var": 1, "states": 2, "ok_1": 3}, "End": True}},
            QueryLanguage="JSONata",
        ),
        [
            ("SCHEMA_VALIDATION_FAILED", "/States/A/Assign/my-var"),
            ("SCHEMA_VALIDATION_FAILED", "/States/A/Assign/states"),
        ],
    ),
    (
        "States.ALL not last",
        machine(
            {
                "A": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}],
                    "End": True,
                }
            }
        ),
        [("SCHEMA_VALIDATION_FAILED", "/States/A/Retry[0]/ErrorEquals")],
    ),
    (
        "wait needs one duration",
        machine({"A": {"Type": "Wait", "Seconds": 1, "Timestamp": "2020-01-01T00:00:00Z", "End": True}}),
        [("SCHEMA_VALIDATION_FAILED", "/States/A")],
    ),
    (
        "catch target outside the branch",
        machine(
            {
                "A": {
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "A"}}}],
                }
            }
        ),
        [
            ("MISSING_TRANSITION_TARGET", "/States/A/Branches[0]/States/B/Next"),
            ("MISSING_END_STATE", "/States/A/Branches[0]/States"),
        ],
    ),
]


@pytest.mark.parametrize(("label", "definition", "expected"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_definitions_report_codes_and_locations(
    label: str, definition: Any, expected: list[tuple[str, str]]
) -> None:
    assert sorted(codes(definition)) == sorted(expected)


def test_forgotten_dollar_suffix_is_a_warning_not_an_error() -> None:
    definition = machine({"A": {"Type": "Pass", "Parameters": {"id": "$.order.id"}, "End": True}})
    diagnostics = validate_definition(definition)
    assert [(d.severity, d.code, d.location) for d in diagnostics] == [
        ("WARNING", "NO_DOLLAR", "/States/A/Parameters/id")
    ]
    assert ensure_valid(definition) == definition


def test_duplicate_keys_in_json_text_are_duplicate_state_names() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "A": {"Type": "Succeed"}}}'
    assert codes(text) == [("DUPLICATE_STATE_NAME", "/States/A")]
    nested = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "End": true}}}'
    assert codes(nested) == [("INVALID_JSON_DESCRIPTION", "/States/A/End")]


def test_invalid_definition_error_lists_every_problem() -> None:
    with pytest.raises(InvalidDefinitionError) as info:
        ensure_valid(machine({"A": {"Type": "Pass", "Next": "Nowhere"}}))
    message = str(info.value)
    assert "MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere at /States/A/Next" in message
    assert "MISSING_END_STATE" in message
    assert info.value.aws_message().startswith("Invalid State Machine Definition: '")


def test_every_recorded_aws_definition_is_accepted() -> None:
    if not CORPUS.exists():
        missing_input(f"conformance corpus not found at {CORPUS}")
    rejected = []
    for line in CORPUS.read_text().splitlines():
        case = json.loads(line)
        errors = codes(json.dumps(case["definition"]))
        if errors:
            rejected.append((case["id"], errors))
    assert rejected == []


def test_substitute_placeholders_everywhere_in_string_values() -> None:
    definition = machine(
        {
            "A": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "${Charge}", "Payload": {"note": "via ${Charge} and ${Child}"}},
                "End": True,
            }
        }
    )
    mapping = {"Charge": "arn:aws:lambda:us-east-1:123456789012:function:Charge", "Child": "arn:sm"}
    assert find_placeholders(definition) == {"Charge", "Child"}
    out = substitute_placeholders(definition, mapping)
    assert out["States"]["A"]["Arguments"] == {
        "FunctionName": mapping["Charge"],
        "Payload": {"note": f"via {mapping['Charge']} and arn:sm"},
    }
    assert definition["States"]["A"]["Arguments"]["FunctionName"] == "${Charge}", "input untouched"


def test_unknown_placeholder_names_itself_and_the_state() -> None:
    definition = machine({"Pay": {"Type": "Task", "Resource": "${Missing}", "End": True}}, start="Pay")
    with pytest.raises(UnknownPlaceholderError) as info:
        substitute_placeholders(definition, {"Other": "x"})
    assert info.value.name == "Missing" and info.value.state == "Pay"
    assert (
        "'${Missing}'" in str(info.value) and "state 'Pay'" in str(info.value) and "Other" in str(info.value)
    )


@pytest.mark.slow
def test_asl_validator_agrees_on_valid_and_invalid_definitions(tmp_path: Path) -> None:
    good = []
    for i, definition in enumerate(VALID):
        path = tmp_path / f"good{i}.json"
        path.write_text(
            json.dumps(
                substitute_placeholders(
                    definition, {"Fn": "arn:aws:lambda:us-east-1:123456789012:function:Fn"}
                )
            )
        )
        good.append(path)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(machine({"A": {"Type": "Pass", "Next": "Nowhere"}})))
    try:
        result = run_asl_validator([*good, bad])
    except AslValidatorUnavailable as exc:
        missing_input(str(exc))
    assert not result.ok
    assert result.invalid == {str(bad)}, result.output
    assert "MISSING_TRANSITION_TARGET" in result.output
    assert "MISSING_TRANSITION_TARGET" in [c for c, _ in codes(bad.read_text())]
