"""The compiled JSONata path (engine/jsonata_compiled.py): what it runs, what it gives, and its bounds.

Expected values are jsonata-js 2.0.6's (checked with the Node helper of tests/engine/jsonata_js);
the last test compares the compiled path with jsonata-js whenever Node is available.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from durable_sfn.engine import jsonata, jsonata_compiled
from durable_sfn.engine.bounds import MAX_BUILD, EvaluationLimits
from durable_sfn.engine.branch import Aborted
from durable_sfn.engine.errors import StatesError
from tests.engine.jsonata_js import node, sources
from tests.engine.jsonata_js.evaluators import engine_evaluator, env_from_bindings
from tests.engine.jsonata_js.harness import agree, evaluate_js, explain

REPO = Path(__file__).resolve().parents[2]


def _evaluate(expression: str, bindings: dict[str, Any] | None = None) -> Any:
    env = env_from_bindings({"states": {"input": {}, "context": {}}, **(bindings or {})})
    return jsonata.evaluate_expression("{% " + expression + " %}", env, "Output")


def _cause(expression: str, bindings: dict[str, Any] | None = None) -> str:
    with pytest.raises(StatesError) as caught:
        _evaluate(expression, bindings)
    return caught.value.cause or ""


def _compiles(expression: str) -> bool:
    return jsonata._program(expression) is not None


def test_every_expression_of_the_compiled_order_workflow_on_its_main_path_compiles() -> None:
    definition = json.loads((REPO / "statemachines" / "order_processing.asl.json").read_text())
    bodies = set(sources.expression_bodies(definition))
    compiled = {b for b in bodies if _compiles(b)}
    # The checked dict lookups, Choice conditions, $hash of the idempotency key, task arguments,
    # the int() conversion: all of them; left to the full evaluator are only f-strings of numbers.
    assert len(compiled) >= len(bodies) - 2
    assert all("$formatNumber" in b for b in bodies - compiled)


@pytest.mark.parametrize(
    ("expression", "bindings", "expected"),
    [
        ("$x.a", {"x": [{"a": 1}, {"a": [2, 3]}, {"b": 4}]}, [1, 2, 3]),
        ("$x.a", {"x": {"a": [1]}}, [1]),  # a path to an array is the array
        ("$x.a[0]", {"x": [{"a": [1, 2]}, {"a": [3]}]}, [1, 3]),
        ("$x[-1]", {"x": [1, 2, 3]}, 3),
        ("$x[$ > 1]", {"x": [1, 2, 3]}, [2, 3]),
        ("$x[a = 2].b", {"x": [{"a": 1, "b": "p"}, {"a": 2, "b": "q"}]}, "q"),
        ("$x", {"x": None}, None),
        ("$lookup($x, 'a')", {"x": {"a": None}}, None),
        ("$exists($x.a)", {"x": {"a": None}}, True),
        ("$count($x)", {"x": None}, 1),  # null is a value, not an empty sequence
        ("$count($nope)", {}, 0),
        ("[1, [2, 3], $x, $nope]", {"x": [4, 5]}, [1, [2, 3], 4, 5]),
        ("{'a': $x, 'b': $nope}", {"x": 1}, {"a": 1}),
        ("$string(0.1 + 0.2)", {}, "0.3"),  # 15 significant digits
        ("'n=' & 1e21 & ' ' & 1e-7 & ' ' & 100", {}, "n=1e+21 1e-7 100"),
        ("$string({'b': [1.50, true, null], '1': 'x'})", {}, '{"1":"x","b":[1.5,true,null]}'),
        ("1 / 0 > 5", {}, True),
        ("5 % -3", {}, 2),
        ("true = 1", {}, False),
        ("[1, 2] = [1, 2]", {}, True),
        ("{'a': 1} in [{'a': 1}]", {}, False),  # `in` compares as JavaScript's ===
        ("($a := 1; ($a := 2); $a)", {}, 1),  # a block's bindings stay in the block
        ("$lookup(1, 'a') = $nope", {}, False),
        ("$join('a')", {}, "a"),
        ("$number('12.5e1')", {}, 125),
        ("$round(2.5) & ',' & $round(3.5) & ',' & $round(1.005, 2) & ',' & $round(-0.5)", {}, "2,4,1,0"),
        ("$substring('hello', -3, 2)", {}, "ll"),
        ("$keys({'b': 1, 'a': 2, '2': 3, '10': 4})", {}, ["2", "10", "b", "a"]),
        ("$merge([{'a': 1}, {'a': 2, 'b': 3}])", {}, {"a": 2, "b": 3}),
        ("$not($x)", {"x": []}, True),
        ("$boolean([0, ''])", {}, False),
        ("$replace('a.b.c', '.', '--', 1)", {}, "a--b.c"),
        ("$sum([1, 2.5]) & $max([1, 3])", {}, "3.53"),
        ("$string($x, true)", {"x": {"a": [1]}}, '{\n  "a": [\n    1\n  ]\n}'),
        ("$uppercase('straße') & $length('日本')", {}, "STRASSE2"),
        ("'😀' < '\uffff'", {}, True),  # JavaScript compares UTF-16 code units
        ("$map($x, function($v, $i) { $v * $i })", {"x": [1, 2, 3]}, [0, 2, 6]),
        ("$map($x, function($v) { $v })", {"x": 5}, 5),
        ("$filter($x, function($v) { $v > 1 })", {"x": [1, 2, 3]}, [2, 3]),
        ("$reduce($x, function($a, $b) { $a + $b })", {"x": [1, 2, 3]}, 6),
        ("$reduce($x, function($a, $b) { $a + $b }, 10)", {"x": []}, 10),
        ("$zip([1, 2, 3], ['a', 'b'])", {}, [[1, "a"], [2, "b"]]),
        ("($n := 5; $f := function($x) { $x + $n }; $n := 7; $f(1))", {}, 8),  # closes over the frame
        ("($fact := function($n) { $n <= 1 ? 1 : $n * $fact($n - 1) }; $fact(10))", {}, 3628800),
        ("[0..$count($x) - 1]", {"x": ["a", "b", "c"]}, [0, 1, 2]),
        ("[3..1]", {}, []),
        ("$replace('a1b22c333', /([a-z])([0-9]+)/, '$2$1$$$0$3$')", {}, "1a$a1$22b$b22$333c$c333$"),
        ("$replace('abcdefghijkl', /(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)/, '$10-$11-$12')", {}, "j-k-a2l"),
        ("$replace('  hi  ', /^\\s+|\\s+$/, '')", {}, "hi"),
        ("$replace('aaa', /a/, 'b', 2)", {}, "bba"),
        ("$replace($s, /0+$/, '')", {"s": "1.500"}, "1.5"),
        ("$contains('héllo', /[^\\x00-\\x7f]/)", {}, True),
        ("$contains('ABC', /b/i)", {}, True),
    ],
)
def test_compiled_results_are_jsonata_js_s(expression: str, bindings: dict[str, Any], expected: Any) -> None:
    assert _compiles(expression)
    assert _evaluate(expression, bindings) == expected


@pytest.mark.parametrize(
    ("expression", "bindings", "code", "message"),
    [
        ("$x + 1", {"x": "1"}, "T2001", "The left side of the + operator must evaluate to a number"),
        (
            "$x < 'a'",
            {"x": 1},
            "T2009",
            "The values 1 and a either side of operator < must be of the same data type",
        ),
        (
            "$x < 2",
            {"x": True},
            "T2010",
            "either side of operator < must evaluate to numeric or string values",
        ),
        ("$join(['a', 1], ',')", {}, "T0412", "Argument 1 of Object join must be an array of s"),
        ("$lookup($x, 1)", {"x": {}}, "T0410", "Argument 2 of Object lookup does not match Object signature"),
        ("$error('boom')", {}, "D3137", "boom"),
        ("$error()", {}, "D3137", "$error() function evaluated"),
        ("$number(' 1')", {}, "D3030", "Unable to cast value to a number:  1"),
        ("{'a': 1, $x: 2}", {"x": "a"}, "D1009", "Multiple key definitions evaluate to same key: a"),
        (
            "$reduce($x, function($a) { $a })",
            {"x": [1]},
            "D3050",
            "must be a Object with at least two arguments",
        ),
        ("[1.5..3]", {}, "T2003", "The left side of the range operator (..) must evaluate to an integer"),
        ("($f := 3; $f(1))", {}, "T1006", "Attempted to invoke a non-function"),
        ("$replace('abc', /x*/, '-')", {}, "D1004", "Regular expression matches zero length string"),
        ("$replace('aaa', /a/, 'b', -1)", {}, "D3011", "must evaluate to a positive number"),
    ],
)
def test_compiled_errors_carry_jsonata_js_s_codes_in_the_engine_s_words(
    expression: str, bindings: dict[str, Any], code: str, message: str
) -> None:
    assert _compiles(expression)
    cause = _cause(expression, bindings)
    assert f"threw an error during evaluation. {code}: " in cause
    assert message in cause


def test_a_call_site_checks_each_argument_kind_after_one_has_passed_unchanged() -> None:
    # A call site remembers the argument types that pass the signature as they are; any other
    # kind it meets later is still checked: wrapped in an array, or refused.
    assert _compiles("$count($x)") and _compiles("$substring($s, $n)")
    for x, count in [([1, 2], 2), (5, 1), ([1, 2, 3], 3), (True, 1), ({"a": 1}, 1), ([], 0), ("ab", 1)]:
        assert _evaluate("$count($x)", {"x": x}) == count
    assert _evaluate("$substring($s, $n)", {"s": "abc", "n": 1}) == "bc"
    assert _evaluate("$substring($s, $n)", {"s": "abc", "n": 1.0}) == "bc"
    assert "T0410: " in _cause("$substring($s, $n)", {"s": "abc", "n": "1"})
    assert "T0410: " in _cause("$substring($s, $n)", {"s": ["abc"], "n": 1})
    assert _evaluate("$substring($s, $n)", {"s": "abcd", "n": 2}) == "cd"


def test_undefined_is_the_engine_s_returned_nothing_error() -> None:
    assert _compiles("$x.missing")
    assert _cause("$x.missing", {"x": {"a": 1}}).endswith("returned nothing (undefined).")


@pytest.mark.parametrize(
    "expression",
    [
        "$match($s, /a/)",  # regular expressions, but as $contains's and $replace's pattern
        "($r := /a/; $contains($s, $r))",
        "function($x)<n:n> { $x }",  # a function signature
        "$now()",  # bound to the engine's clock per evaluation
        "$x ~> $string()",
        "$x.*",
        "$count",  # a function as a value
    ],
)
def test_shapes_not_compiled_go_to_the_full_evaluator(expression: str) -> None:
    assert not _compiles(expression)


def test_a_workflow_variable_named_like_a_function_is_left_to_the_full_evaluator() -> None:
    # The compiled program would call the built-in; the full evaluator sees the variable.
    assert _compiles("$count($x)")
    with pytest.raises(StatesError, match="T1006"):
        _evaluate("$count($x)", {"x": [1], "count": 5})


def test_recursion_deeper_than_the_compiled_bound_is_left_to_the_full_evaluator() -> None:
    countdown = "($f := function($n) { $n = 0 ? 'done' : $f($n - 1) }; $f($x))"
    program = jsonata._program(countdown)
    assert program is not None
    shallow = env_from_bindings({"states": {"input": {}, "context": {}}, "x": jsonata_compiled.MAX_CALLS - 1})
    assert program.run(shallow) == "done"
    deep = env_from_bindings({"states": {"input": {}, "context": {}}, "x": 500})
    with pytest.raises(jsonata_compiled.Fallback):
        program.run(deep)
    assert _evaluate(countdown, {"x": 500}) == "done"  # jsonata-js: "done" too


def test_a_function_in_the_result_is_the_engine_s_unsupported_result() -> None:
    assert _compiles("[function($x) { $x }]")
    assert _cause("[function($x) { $x }]").endswith("returned an unsupported result type.")


def test_a_range_past_the_build_bound_is_refused() -> None:
    assert _compiles("$count([1..$n])")
    assert "D1013" in _cause("$count([1..$n])", {"n": MAX_BUILD + 1})
    assert _evaluate("$count([1..$n])", {"n": 1000}) == 1000


def test_a_key_javascript_objects_inherit_is_left_to_the_full_evaluator() -> None:
    program = jsonata._program("$x.toString")
    assert program is not None
    env = env_from_bindings({"states": {"input": {}, "context": {}}, "x": {}})
    with pytest.raises(jsonata_compiled.Fallback):
        program.run(env)


def test_a_string_past_the_build_bound_is_refused_before_it_is_built() -> None:
    doubling = "($s := $x; " + "; ".join(["$s := $s & $s"] * 30) + "; $count([$s]))"
    assert _compiles(doubling)
    cause = _cause(doubling, {"x": "abcdefgh"})
    assert "D1013" in cause and f"at most {MAX_BUILD} can be built" in cause


def test_a_regex_replacement_past_the_build_bound_is_refused() -> None:
    doubling = "($s := $x; " + "; ".join(["$s := $replace($s, /a/, 'aa')"] * 20) + "; $length($s))"
    assert _compiles(doubling)
    assert "D1013" in _cause(doubling, {"x": "a" * 64})


def test_an_array_past_the_build_bound_is_refused() -> None:
    doubling = "($a := $x; " + "; ".join(["$a := $append($a, $a)"] * 20) + "; $count($a))"
    assert _compiles(doubling)
    assert "D1013" in _cause(doubling, {"x": [1, 2, 3, 4]})


def _env(bindings: dict[str, Any], **kwargs: Any) -> Any:
    env = env_from_bindings({"states": {"input": {}, "context": {}}, **bindings})
    for key, value in kwargs.items():
        setattr(env, key, value)
    return env


def test_a_stopped_execution_ends_a_compiled_loop() -> None:
    stop = threading.Event()
    stop.set()
    env = _env({"x": list(range(10_000))}, cancelled=stop.is_set)
    with pytest.raises(Aborted):
        jsonata.evaluate_expression("{% $x[$ % 7 = 3] %}", env, "Output")


def test_a_compiled_evaluation_ends_at_the_time_limit() -> None:
    env = _env({"x": list(range(10_000))}, limits=EvaluationLimits(seconds=0.0, depth=1500))
    with pytest.raises(StatesError, match="D1012"):
        jsonata.evaluate_expression("{% $x[$ % 7 = 3] %}", env, "Output")


def test_a_shared_value_is_measured_before_a_walk() -> None:
    # Each level shares the one below twice: small in memory, 2^30 items to walk by name.
    nested = "($a := [{'k': 1}]; " + "; ".join(["$a := [$a, $a]"] * 30) + "; $count($a.k))"
    assert _compiles(nested)
    assert "D1013" in _cause(nested)


def test_deep_expressions_go_to_the_full_evaluator() -> None:
    deep = "(" * (jsonata_compiled.MAX_DEPTH + 5) + "1" + ")" * (jsonata_compiled.MAX_DEPTH + 5)
    assert not _compiles(deep)
    assert _evaluate(deep) == 1


# --- against jsonata-js -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def js() -> Iterator[node.JsonataJs]:
    yield from node.running()


def _definition_expressions() -> list[str]:
    found: dict[str, None] = {}
    for path in sorted((REPO / "statemachines").glob("*.asl.json")):
        for body in sources.expression_bodies(json.loads(path.read_text(encoding="utf-8"))):
            found.setdefault(body, None)
    return list(found)


def test_the_compiled_path_agrees_with_jsonata_js_on_every_case_it_takes(js: node.JsonataJs) -> None:
    """No difference but of an accepted cause (causes.py): the reference definitions' expressions with drawn
    bindings and the AWS-recorded corpus, through the engine's entry point. A case a program hands
    back to the full evaluator at run time is the full evaluator's (test_jsonata_differential.py).
    `python -m benchmarks.jsonata_differential` runs the long version."""
    cases = [
        case
        for case in (
            *sources.with_bindings(_definition_expressions(), "statemachines", 6, seed=5),
            *sources.conformance_cases(),
        )
        if _compiles(case.expression)
    ]
    outcomes = evaluate_js(cases, js)
    evaluate = engine_evaluator(jsonata.evaluate_expression)
    compared, differences = 0, []
    for case, expected in zip(cases, outcomes, strict=True):
        program = jsonata._program(case.expression)
        assert program is not None
        try:
            program.run(env_from_bindings(case.bindings))
        except jsonata_compiled.Fallback:
            continue
        except Exception:
            pass  # an error is an outcome, compared below
        compared += 1
        ours = evaluate(case.expression, case.bindings)
        if not agree(case, expected, ours):
            cause = explain(case, expected, ours, "jsonata-python")
            if cause is not None and cause.verdict == "accepted":
                continue  # e.g. which of two failing array items jsonata-js reports
            differences.append(
                f"{case.expression!r} {case.bindings}: js {expected.describe()} / ours {ours.describe()}"
            )
    assert compared > 500
    assert not differences, differences[:5]
