"""A JSONata expression that does not parse is refused at create/validate, as AWS does.

AWS answers `INVALID_JSONATA_EXPRESSION: <parser message> at /States/S/<field>` from both
CreateStateMachine and ValidateStateMachineDefinition; the execution never starts.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.engine.support import ROLE, jsonata, new_client


def create(definition: dict[str, Any]) -> None:
    new_client().create_state_machine(name="m", definition=json.dumps(definition), roleArn=ROLE)


def diagnostics(definition: dict[str, Any]) -> list[tuple[str, str, str]]:
    result = new_client().validate_state_machine_definition(definition=json.dumps(definition))
    return [(d["code"], d["message"], d.get("location", "")) for d in result["diagnostics"]]


def test_create_refuses_an_unparseable_expression_and_names_the_field() -> None:
    sfn = new_client()
    definition = jsonata({"Main": {"Type": "Pass", "Output": {"v": "{% $foo( %}"}, "End": True}})
    with pytest.raises(sfn.exceptions.InvalidDefinition) as info:
        sfn.create_state_machine(name="m", definition=json.dumps(definition), roleArn=ROLE)
    assert "INVALID_JSONATA_EXPRESSION: Expected ) before end of expression at /States/Main/Output/v" in str(
        info.value
    )


def test_validate_reports_every_bad_expression_with_its_location() -> None:
    definition = jsonata(
        {
            "Pick": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.n > %}", "Next": "Work"}],
                "Default": "Work",
            },
            "Work": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "Fn", "Payload": ["{% 1 + 1 %}", "{% a[1,2) %}"]},
                "Assign": {"x": '{% "unterminated %}'},
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput. %}", "Next": "Done"}
                ],
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        }
    )
    found = diagnostics(definition)
    assert {(code, where) for code, _, where in found} == {
        ("INVALID_JSONATA_EXPRESSION", "/States/Pick/Choices[0]/Condition"),
        ("INVALID_JSONATA_EXPRESSION", "/States/Work/Arguments/Payload[1]"),
        ("INVALID_JSONATA_EXPRESSION", "/States/Work/Assign/x"),
        ("INVALID_JSONATA_EXPRESSION", "/States/Work/Catch[0]/Output"),
    }
    messages = {where: message for _, message, where in found}
    assert messages["/States/Work/Assign/x"] == "String literal must be terminated by a matching quote"


def test_states_inside_a_map_are_checked_too() -> None:
    definition = jsonata(
        {
            "Each": {
                "Type": "Map",
                "Items": "{% [1, 2] %}",
                "ItemProcessor": {
                    "StartAt": "Inner",
                    "States": {"Inner": {"Type": "Pass", "Output": "{% 1 + %}", "End": True}},
                },
                "End": True,
            }
        }
    )
    assert diagnostics(definition) == [
        (
            "INVALID_JSONATA_EXPRESSION",
            "Unexpected end of expression",
            "/States/Each/ItemProcessor/States/Inner/Output",
        )
    ]


def test_well_formed_expressions_comments_and_jsonpath_literals_are_not_refused() -> None:
    definition = {
        "StartAt": "Literal",
        "States": {
            # In a JSONPath state "{% ... %}" is just a string.
            "Literal": {"Type": "Pass", "Result": {"text": "{% not ( jsonata %}"}, "Next": "Expr"},
            "Expr": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Comment": "{% comments are never evaluated",
                "Output": {
                    "sum": "{% $sum($states.input.text ? [1, 2] : [3]) %}",
                    "multi": "{%\n  $states.input\n%}",
                },
                "End": True,
            },
        },
    }
    create(definition)
    assert diagnostics(definition) == []


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("$a ?? 1", 'The symbol "?" cannot be used as a unary operator'),
        ("$a ?: 1", 'The symbol ":" cannot be used as a unary operator'),
    ],
)
def test_operators_newer_than_jsonata_2_0_6_are_refused(expression: str, message: str) -> None:
    # `??` and `?:` came with jsonata 2.1; AWS runs 2.0.6, whose parser refuses them with
    # these messages (checked on the jsonata npm package 2.0.6). The engine's evaluator
    # (jsonatapy) would accept them, so the definition must not get that far.
    definition = jsonata({"Main": {"Type": "Pass", "Output": {"v": "{% " + expression + " %}"}, "End": True}})
    assert diagnostics(definition) == [("INVALID_JSONATA_EXPRESSION", message, "/States/Main/Output/v")]


def test_a_ternary_and_lazy_regex_quantifiers_still_parse() -> None:
    definition = jsonata(
        {"Main": {"Type": "Pass", "Output": {"v": "{% $exists($x) ? $match('a', /a??/) : 1 %}"}, "End": True}}
    )
    assert diagnostics(definition) == []
