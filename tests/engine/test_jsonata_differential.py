"""Our JSONata evaluators against jsonata-js, the implementation AWS Step Functions runs.

A fixed slice of the differential harness (tests/engine/jsonata_js/): the expressions the
compiler emits for the repository's orchestrators and for generated ones, with drawn bindings,
and every expression of the AWS-recorded conformance corpus with the bindings its run gave it.
Every difference from jsonata-js must be explained by a known cause (causes.py). The long run,
which prints every difference, is `python -m benchmarks.jsonata_differential`.

Node and the `jsonata` npm package (`npm ci`) are needed; without them the tests skip, except
under CI, where they fail.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.engine.jsonata_js import node, sources
from tests.engine.jsonata_js.causes import CAUSES, js_number_text
from tests.engine.jsonata_js.evaluators import EVALUATORS
from tests.engine.jsonata_js.harness import compare, evaluate_js
from tests.engine.jsonata_js.node import Outcome, same_json
from tests.engine.support import missing_input


@pytest.fixture(scope="module")
def js() -> Iterator[node.JsonataJs]:
    yield from node.running()


@pytest.fixture(scope="module")
def cases() -> list[sources.Case]:
    repository = sorted(sources.repository_expressions())
    generated = sources.generated_expressions(seed=7, orchestrators=120)
    return [
        *sources.with_bindings(repository, "repository", 2, seed=1),
        *sources.with_bindings(generated, "generated", 2, seed=2),
        *sources.conformance_cases(),
    ]


@pytest.fixture(scope="module")
def js_outcomes(js: node.JsonataJs, cases: list[sources.Case]) -> list[Outcome]:
    return evaluate_js(cases, js)


def test_the_pinned_jsonata_is_the_version_aws_names(js: node.JsonataJs) -> None:
    # "Step Functions implements JSONata based on the 2.0.6 specification" (AWS Step Functions
    # developer guide, Transforming data with JSONata).
    assert js.version() == "2.0.6"


@pytest.mark.parametrize(
    ("expression", "bindings", "expected"),
    [
        ("$states.input.a + $x", {"states": {"input": {"a": 1}}, "x": 2}, Outcome.of_value(3)),
        ("$x", {"x": None}, Outcome.of_value(None)),
        ("$nope", {}, Outcome("undefined")),
        ("function($a) { $a }", {}, Outcome("unsupported")),
        ("1 / 0", {}, Outcome("nonfinite")),
        ("$notAFunction(1)", {}, Outcome.of_error("T1006", "Attempted to invoke a non-function")),
        ("$range(1, 9, 9)", {}, Outcome.of_value(1)),
        ("$partition([1, 2, 3], 2)", {}, Outcome.of_value([[1, 2], [3]])),
    ],
)
def test_jsonata_js_outcomes(
    js: node.JsonataJs, expression: str, bindings: dict[str, object], expected: Outcome
) -> None:
    assert js.evaluate(expression, bindings) == expected


def test_json_equality_and_javascript_number_text() -> None:
    assert same_json({"a": [1, 2.0]}, {"a": [1.0, 2]})
    assert not same_json(True, 1)
    assert not same_json({"a": 1}, {"a": 1, "b": None})
    assert [js_number_text(x) for x in (3.0, 1e16, 1e-7, 1.5e-5, 1e21, 0.1)] == [
        "3",
        "10000000000000000",
        "1e-7",
        "0.000015",
        "1e+21",
        "0.1",
    ]


def test_every_cause_names_an_evaluator() -> None:
    for cause in CAUSES:
        assert cause.evaluators and set(cause.evaluators) <= set(EVALUATORS), cause.name


@pytest.mark.parametrize("name", sorted(EVALUATORS))
def test_every_difference_from_jsonata_js_is_explained(
    name: str, cases: list[sources.Case], js_outcomes: list[Outcome]
) -> None:
    evaluator = EVALUATORS[name]()
    if evaluator is None:
        missing_input(f"{name} is not installed")
    report = compare(cases, js_outcomes, evaluator, name)
    assert report.compared > 1000
    assert not report.unexplained, report.render(examples=3)


@pytest.mark.parametrize("name", sorted(EVALUATORS))
def test_parse_of_null_is_null(name: str, js: node.JsonataJs) -> None:
    # Found by the harness: jsonata-python took the extra's None for "undefined".
    evaluator = EVALUATORS[name]()
    if evaluator is None:
        missing_input(f"{name} is not installed")
    bindings = {"states": {"input": {}, "context": {}}, "e": {"Cause": "null"}}
    assert js.evaluate("$parse($e.Cause)", bindings) == Outcome.of_value(None)
    assert evaluator("$parse($e.Cause)", bindings) == Outcome.of_value(None)


@pytest.mark.parametrize("name", sorted(EVALUATORS))
def test_lowercase_maps_case_as_javascript_does(name: str, js: node.JsonataJs) -> None:
    # Found by tests/compiler/test_expression_semantics.py: jsonata-python folded case ('ß' -> 'ss').
    evaluator = EVALUATORS[name]()
    if evaluator is None:
        missing_input(f"{name} is not installed")
    bindings = {"states": {"input": {}, "context": {}}, "s": "Straße İ ΑΣ Ǆ"}
    expected = js.evaluate("$lowercase($s)", bindings)
    assert expected == Outcome.of_value("Straße İ ΑΣ Ǆ".lower())
    assert evaluator("$lowercase($s)", bindings) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "1 / (0 * -1) < 0",
        "($z := 0 * -1.5; 1 / $z < 0)",
        "($z := -(0); 1 / $z < 0)",
        "($z := 0 / -7; [1 / $z < 0, 1 / ($z + 0) < 0, 1 / ($z - 0) < 0, 1 / -$z < 0])",
        "[1 / $floor(0 * -1) < 0, 1 / $ceil(-0.5) < 0, 1 / $ceil(0.5 - 1) < 0]",
        "[1 / $round(-0.5) < 0, 1 / $round(-0.5, 0) < 0, 1 / $round(-0.04, 1) < 0]",
        "[1 / (-5 % 5) < 0, 5.5 % 2, -5.5 % 2, 7 % -3]",
        "[$string(0 * -1), (0 * -1) & '', $string([0 * -1]), $string({'a': 0 * -1})]",
        "[1 / 0 > 1e308, -1 / 0 < -1e308, 1 / (0 * 1) < 0]",
        "$string(1 / 0)",
        "(1 / 0) + 1",
        "$string([1 / 0])",
    ],
)
def test_negative_zero_and_division_by_zero_as_javascript(expression: str, js: node.JsonataJs) -> None:
    # JavaScript keeps -0 (`1 / x < 0` tells it apart) and makes +-Infinity of x / 0, failing only
    # where it is used; jsonata-python made -0 into 0 and raised ZeroDivisionError. The compiler
    # relies on this to print Python's -0.0 (tests/compiler/test_negative_zero.py).
    evaluator = EVALUATORS["jsonata-python"]()
    assert evaluator is not None
    bindings: dict[str, object] = {"states": {"input": {}, "context": {}}}
    expected = js.evaluate(expression, bindings)
    ours = evaluator(expression, bindings)
    assert (ours.kind, ours.value, ours.code) == (expected.kind, expected.value, expected.code)


@pytest.mark.parametrize(
    "expression",
    [
        "$fromMillis(253402300799999)",
        "$fromMillis(253402300799999, '[Y0001]-[M01]-[D01] [H01]:[m01]:[s01].[f001]')",
        "[$fromMillis(-1), $fromMillis(-62135596800000), $fromMillis(1704067200999, '[f001]', '+0530')]",
        "$toMillis($fromMillis(253402300799999)) = 253402300799999",
    ],
)
def test_from_millis_is_exact_to_the_millisecond(expression: str, js: node.JsonataJs) -> None:
    # jsonata-python went through float seconds and wrote far dates a millisecond early
    # (9999-12-31T23:59:59.998Z); found by tests/compiler/test_datetime_fields.py.
    evaluator = EVALUATORS["jsonata-python"]()
    assert evaluator is not None
    bindings: dict[str, object] = {"states": {"input": {}, "context": {}}}
    expected = js.evaluate(expression, bindings)
    ours = evaluator(expression, bindings)
    assert (ours.kind, ours.value, ours.code) == (expected.kind, expected.value, expected.code)


@pytest.mark.parametrize(
    "expression",
    [
        "[$a < $b, $a <= $b, $a > $b, $a >= $b, $b < $a]",
        "$sort([$a, $b, 'z', '\u00e9'])",
        "$sort([$a, $b, 'z'], function($x, $y) { $x > $y })",
        "[$a, $b, 'z']^($)",
        "[{'k': $a}, {'k': $b}]^(>k).k",
        "$reduce([$a, $b, 'z'], function($m, $x) { $x > $m ? $x : $m })",
    ],
)
@pytest.mark.parametrize(
    ("a", "b"), [("\uff01", "\U0001f600"), ("a\ue000", "a\U00010000"), ("\ud7ff\ue000", "\ue000")]
)
def test_strings_are_ordered_by_utf16_code_units(expression: str, a: str, b: str, js: node.JsonataJs) -> None:
    # JavaScript puts a character beyond U+FFFF (its surrogates) before one from U+E000 to U+FFFF,
    # where Python's code-point order puts it after; the engine's `<`, `$sort` and `^()` went
    # Python's way in places, so a sort ran differently locally and on AWS.
    bindings: dict[str, object] = {"states": {"input": {}, "context": {}}, "a": a, "b": b}
    expected = js.evaluate(expression, bindings)
    assert expected.kind == "value"
    evaluator = EVALUATORS["jsonata-python"]()
    assert evaluator is not None
    assert evaluator(expression, bindings) == expected


@pytest.mark.parametrize(
    "expression",
    [
        '"\\ud83d\\ude00"',
        "'\\ud83d\\ude00 a' & '-'",
        '$length("\\ud83d\\ude00 a")',
        '$substring("\\ud83d\\ude00ab", 1)',
        '"\\ud83d\\ude00" = $e',
        '$split("a\\ud83d\\ude00b", "")',
    ],
)
def test_an_escaped_surrogate_pair_is_one_character(expression: str, js: node.JsonataJs) -> None:
    # The compiler writes an emoji in a string literal as JSON does, `"\ud83d\ude00"`; jsonata-python
    # made each escape a character of its own, so the compiled run printed two lone surrogates.
    bindings: dict[str, object] = {"states": {"input": {}, "context": {}}, "e": "\U0001f600"}
    expected = js.evaluate(expression, bindings)
    assert expected.kind == "value"
    evaluator = EVALUATORS["jsonata-python"]()
    assert evaluator is not None
    assert evaluator(expression, bindings) == expected
