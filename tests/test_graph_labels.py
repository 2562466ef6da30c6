"""Graph edges of a compiled Choice read as the Python condition; the fallback reads "else"."""

from __future__ import annotations

import json
from pathlib import Path

from durable_sfn.graph import render

ROOT = Path(__file__).resolve().parents[1]


def mermaid(name: str) -> str:
    definition = json.loads((ROOT / "statemachines" / f"{name}.asl.json").read_text())
    return render(definition, "mermaid", None).decode()


def test_edges_carry_the_python_condition_and_its_polarity() -> None:
    text = mermaid("order_processing")
    assert '|"not validation[#quot;IsValid#quot;]"|' in text
    assert '|"validation[#quot;RequiresApproval#quot;]"|' in text
    # Compiled as the positive test: the label drops the `not` of `if not approval["Approved"]`.
    assert '|"approval[#quot;Approved#quot;]"|' in text
    assert "$not(" not in text and "$__" not in text
    assert '|"true"|' not in text and '|"default"|' not in text and '|"else"|' in text


def test_a_negated_test_of_a_positive_condition_says_not() -> None:
    text = mermaid("call_external_api")
    assert '|"ctx.current_utc_datetime < deadline"|' in text
    assert '|"not status[#quot;IsCompleted#quot;]"|' in text


def test_a_choice_without_source_keeps_its_condition_text() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [
                    {"Condition": "{% $states.input.n > 0 %}", "Next": "P"},
                    {"Condition": "{% true %}", "Next": "Q"},
                ],
            },
            "P": {"Type": "Succeed"},
            "Q": {"Type": "Succeed"},
        },
    }
    text = render(definition, "mermaid", None).decode()
    assert '|"$states.input.n > 0"|' in text and '|"else"|' in text
