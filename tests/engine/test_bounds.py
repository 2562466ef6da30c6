"""Hostile definitions and inputs stay bounded: no evaluation hangs, explodes or outlives its execution.

Each test is a probe that once hung the engine, took gigabytes, raised a RecursionError or kept a
core busy after the execution ended. Time limits here are small (`FAST`) so the probes end in
well under a second; completion is asserted with a generous deadline, never a timed assertion.
Memory is measured in a subprocess (its own peak RSS), under an address-space limit so that a
regression fails the test instead of the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from typing import Any

import pytest

from durable_sfn.engine import LocalStepFunctions, RealClock
from durable_sfn.engine.bounds import (
    MAX_BUILD,
    MAX_JSON_DEPTH,
    BoundExceeded,
    EvaluationLimits,
    Guard,
    json_extent,
    load_json,
)
from tests.engine.support import ROLE, jsonata, new_client, output, run

FAST = EvaluationLimits(seconds=0.5, depth=1500)  # for expressions that must fail
ROOMY = EvaluationLimits(seconds=60, depth=1500)  # for expressions that must succeed, on a busy machine too
DEADLINE = 60.0  # real seconds: only a hang gets anywhere near it

RECURSIVE = "($f := function($n){ $f($n + 1) }; $f(0))"
MUTUAL = "($a := function($n){ $b($n + 1) }; $b := function($n){ $a($n + 1) }; $a(0))"
EVAL_RECURSIVE = "$eval('($f := function($n){ $f($n + 1) }; $f(0))')"
# Doubling an object 40 times shares it, so it is small in memory but 2^40 leaves long as text.
OBJECT_DAG = "$reduce([1..40], function($x, $i){ {'l': $x, 'r': $x} }, {'a': 1})"
BACKTRACKING = "a" * 32 + "!"


def _fails(expression: str, *, limits: EvaluationLimits = FAST) -> dict[str, Any]:
    sfn = new_client(evaluation_limits=limits)
    result = run(sfn, jsonata({"S": {"Type": "Pass", "Output": "{% " + expression + " %}", "End": True}}))
    assert result["status"] == "FAILED", result
    return result


def _evaluates(expression: str) -> Any:
    sfn = new_client(evaluation_limits=ROOMY)
    return output(
        run(sfn, jsonata({"S": {"Type": "Pass", "Output": "{% " + expression + " %}", "End": True}}))
    )


# --- evaluations that never ended -----------------------------------------------------------------


@pytest.mark.parametrize(
    "expression", [RECURSIVE, MUTUAL, EVAL_RECURSIVE], ids=["recursive", "mutual", "eval"]
)
def test_a_function_that_never_returns_ends_the_state_at_the_time_limit(expression: str) -> None:
    result = _fails(expression)
    assert result["error"] == "States.QueryEvaluationError"
    assert "D1012" in result["cause"] and "0.5 s" in result["cause"]


def test_runaway_recursion_ends_at_the_depth_limit_not_python_s() -> None:
    result = _fails("($f := function($n){ 1 + $f($n + 1) }; $f(0))", limits=ROOMY)
    assert result["error"] == "States.QueryEvaluationError"
    assert "D1011" in result["cause"] and "RecursionError" not in result["cause"]


def test_a_native_walk_that_takes_no_steps_is_interrupted_at_the_time_limit() -> None:
    # Deep equality of two shared-object values is one native call: only the watchdog can end it.
    result = _fails(f"($x := {OBJECT_DAG}; $y := {OBJECT_DAG}; $x = $y)")
    assert result["error"] == "States.QueryEvaluationError" and "D1012" in result["cause"]


def test_bounded_expressions_still_evaluate() -> None:
    assert _evaluates("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(300))") == 300
    assert _evaluates("$sum([1..100000])") == 5000050000
    assert _evaluates("$length($pad('', 1000, '-'))") == 1000


def test_the_range_operator_builds_up_to_the_bound_and_names_itself_past_it() -> None:
    # 262,144 items is the bound itself (an off-by-one once refused it, naming 262,145).
    assert _evaluates(f"$count([1..{MAX_BUILD}])") == MAX_BUILD
    assert _evaluates("[[1..3][-1], [1..3][2], $count([1..3])]") == [3, 3, 3]
    past = _fails(f"$count([1..{MAX_BUILD + 1}])")
    assert past["error"] == "States.QueryEvaluationError"
    assert f"D1013: the range [1..{MAX_BUILD + 1}] would have {MAX_BUILD + 1} items" in past["cause"]
    # Past JSONata's own limit the error is JSONata's.
    beyond = _fails("$count([1..10000001])")
    assert "D2014" in beyond["cause"] and "10000001" in beyond["cause"]


# --- regular expressions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (f"$contains('{BACKTRACKING}', /(a+)+$/)", False),
        (f"$count($split('{BACKTRACKING}', /(a+)+$/))", 1),
        (f"$replace('{BACKTRACKING}', /(a+)+$/, 'x')", BACKTRACKING),
        (f"$exists($match('{BACKTRACKING}', /(a+)+$/))", False),
        ("$match('xaab', /(a+)+b/).groups[0]", "aa"),
    ],
    ids=["contains", "split", "replace", "match", "match-found"],
)
def test_a_backtracking_regex_matches_in_linear_time(expression: str, expected: Any) -> None:
    assert _evaluates(expression) == expected


def test_patterns_re2_refuses_still_work_and_end_at_their_bound() -> None:
    # Backreferences and lookaround fall back to a backtracking engine with a timeout.
    assert _evaluates("$replace('abab cdcd', /(\\w\\w)\\1/, '<$1>')") == "<ab> <cd>"
    assert _evaluates("$contains('price: 10', /(?<=: )\\d+/)") is True
    result = _fails("$contains('" + "a" * 40 + "!', /^(?=a)(a|a)+$/)", limits=EvaluationLimits(seconds=30))
    assert "D1012" in result["cause"] and "regular expression" in result["cause"]


def test_a_backtracking_regex_does_not_stop_other_executions() -> None:
    sfn = new_client(evaluation_limits=ROOMY)
    slow = jsonata(
        {
            "S": {
                "Type": "Pass",
                "Output": "{% $contains('" + "a" * 40 + "!', /^(?=a)(a|a)+$/) %}",
                "End": True,
            }
        }
    )
    quick = jsonata({"S": {"Type": "Pass", "Output": "{% 1 + 1 %}", "End": True}})
    arn = sfn.create_state_machine(name="slow", definition=json.dumps(slow), roleArn=ROLE)["stateMachineArn"]
    slow_run = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert output(run(sfn, quick, name="quick")) == 2
    assert sfn.wait_for_execution(slow_run, timeout=DEADLINE)["status"] == "FAILED"


# --- sizes are checked before anything is built ----------------------------------------------------

_MEMORY_PROBE = textwrap.dedent(
    """
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
    from durable_sfn.engine import LocalStepFunctions, VirtualClock
    from durable_sfn.engine.bounds import EvaluationLimits

    def jsonata(expr):
        return {"QueryLanguage": "JSONata", "StartAt": "S",
                "States": {"S": {"Type": "Pass", "Output": "{% " + expr + " %}", "End": True}}}

    def jsonpath(expr):
        return {"StartAt": "S", "States": {"S": {"Type": "Pass", "Parameters": {"x.$": expr}, "End": True}}}

    nested = "$.a"
    for _ in range(27):
        nested = f"States.JsonToString({nested})"
    many_refs = {f"k{i}.$": "$" for i in range(2000)}
    BOMBS = {
        "JsonToString27": (jsonpath(nested), {"a": "\\"x\\""}),
        "ArrayRange1e8": (jsonpath("States.ArrayRange(0, 100000000, 1)"), {}),
        "pad1e9": (jsonata("$pad('', 1e9)"), {}),
        "range1e8": (jsonata("$range(0, 100000000, 1)"), {}),
        "range-operator1e7": (jsonata("$count([1..10000000])"), {}),
        "array-doubling": (jsonata("$count($reduce([1..40], function($x, $i){ [$x, $x] }, [1]))"), {}),
        "string-doubling": (jsonata("$length($reduce([1..40], function($x, $i){ $x & $x }, 'x'))"), {}),
        "join": (jsonata("$length($join([1..1000].($pad('', 1000)), $pad('', 200000)))"), {}),
        "replace": (jsonata("$length($replace($pad('', 200000, 'a'), 'a', $pad('', 1000)))"), {}),
        "shared-object-output": (jsonata("$reduce([1..40], function($x, $i){ {'l': $x, 'r': $x} }, 1)"), {}),
        "shared-object-string": (jsonata("$length($string($reduce([1..40], function($x, $i){ {'l': $x, 'r': $x} }, 1)))"), {}),
        "parameters-naming-input-2000-times": (
            {"StartAt": "S", "States": {"S": {"Type": "Pass", "Parameters": many_refs, "End": True}}},
            {"blob": "x" * 200000},
        ),
    }
    sfn = LocalStepFunctions(clock=VirtualClock(), evaluation_limits=EvaluationLimits(seconds=20))
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = {}
    for name, (definition, value) in BOMBS.items():
        arn = sfn.create_state_machine(name=name, definition=json.dumps(definition),
                                       roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
        run = sfn.start_execution(stateMachineArn=arn, input=json.dumps(value))
        out = sfn.wait_for_execution(run["executionArn"], timeout=60)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        report[name] = {"status": out["status"], "error": out.get("error"), "cause": out.get("cause"),
                        "growth_mb": (peak - base) // 1024}
    print(json.dumps(report))
    """
)


@pytest.fixture(scope="module")
def memory_report() -> dict[str, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


@pytest.mark.parametrize(
    ("bomb", "error", "reason"),
    [
        ("JsonToString27", "States.IntrinsicFailure", "at most 262144"),
        ("ArrayRange1e8", "States.IntrinsicFailure", "at most 1000"),
        ("pad1e9", "States.QueryEvaluationError", "D1013"),
        ("range1e8", "States.QueryEvaluationError", "exceeds 1000 items"),
        ("range-operator1e7", "States.QueryEvaluationError", "D1013"),
        ("array-doubling", "States.QueryEvaluationError", "D1013"),
        ("string-doubling", "States.QueryEvaluationError", "D1013"),
        ("join", "States.QueryEvaluationError", "D1013"),
        ("replace", "States.QueryEvaluationError", "D1013"),
        ("shared-object-output", "States.DataLimitExceeded", "maximum number of bytes"),
        ("shared-object-string", "States.QueryEvaluationError", "D1013"),
        ("parameters-naming-input-2000-times", "States.DataLimitExceeded", "maximum number of bytes"),
    ],
)
def test_a_memory_bomb_fails_its_state_without_building_the_value(
    memory_report: dict[str, dict[str, Any]], bomb: str, error: str, reason: str
) -> None:
    seen = memory_report[bomb]
    assert seen["status"] == "FAILED", seen
    assert seen["error"] == error and reason in seen["cause"], seen
    # Each bomb once took between 1.9 and more than 3 GB; the whole run now stays near its baseline.
    assert seen["growth_mb"] < 150, seen


# --- JSON nested deeper than any parser allows ----------------------------------------------------

DEEP_TEXT = "[" * 100_000 + "]" * 100_000


def _deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


def test_deeply_nested_execution_input_is_an_aws_error() -> None:
    sfn = new_client()
    arn = sfn.create_state_machine(
        name="m",
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        roleArn=ROLE,
    )["stateMachineArn"]
    with pytest.raises(sfn.exceptions.InvalidExecutionInput, match="nested more than 1000 levels"):
        sfn.start_execution(stateMachineArn=arn, input=DEEP_TEXT)
    nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert (
        sfn.wait_for_execution(sfn.start_execution(stateMachineArn=arn, input=nested)["executionArn"])[
            "status"
        ]
        == "SUCCEEDED"
    )


def test_deeply_nested_test_state_input_and_task_output_are_aws_errors() -> None:
    sfn = new_client()
    with pytest.raises(sfn.exceptions.InvalidExecutionInput):
        sfn.test_state(definition=json.dumps({"Type": "Pass", "End": True}), input=DEEP_TEXT, roleArn=ROLE)
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "Hand", "Payload": {"token.$": "$$.Task.Token"}},
                "End": True,
            }
        },
    }
    tokens: list[str] = []
    handed = threading.Event()

    def hand(event: Any, _ctx: Any) -> None:
        tokens.append(event["token"])
        handed.set()

    sfn.register_lambda("Hand", hand)
    arn = sfn.create_state_machine(name="cb", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert handed.wait(DEADLINE)
    with pytest.raises(sfn.exceptions.InvalidOutput, match="nested more than"):
        sfn.send_task_success(taskToken=tokens[0], output=DEEP_TEXT)
    sfn.stop_execution(executionArn=execution)


def test_a_deeply_nested_lambda_result_fails_the_task_like_lambda() -> None:
    sfn = new_client()
    sfn.register_lambda("Deep", lambda _event, _ctx: _deep(50_000))
    result = run(
        sfn,
        {
            "StartAt": "T",
            "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:::function:Deep", "End": True}},
        },
    )
    assert result["status"] == "FAILED"
    assert result["error"] == "Runtime.MarshalError" and "nested more than" in result["cause"]


def test_deeply_nested_parsed_json_is_a_state_error() -> None:
    sfn = new_client()
    intrinsic = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": {"x.$": "States.StringToJson($.text)"}, "End": True}},
    }
    result = run(sfn, intrinsic, {"text": DEEP_TEXT[:200_000]})
    assert result["error"] == "States.IntrinsicFailure" and "nested more than" in result["cause"]
    parsed = run(
        sfn,
        jsonata({"P": {"Type": "Pass", "Output": "{% $parse($states.input.text) %}", "End": True}}),
        {"text": DEEP_TEXT[:200_000]},
        name="parse",
    )
    assert parsed["error"] == "States.QueryEvaluationError" and "nested more than" in parsed["cause"]
    built = run(
        sfn,
        jsonata(
            {
                "P": {
                    "Type": "Pass",
                    "Output": "{% $reduce([1..1200], function($x, $i){ {'a': $x} }, 1) %}",
                    "End": True,
                }
            }
        ),
        name="built",
    )
    assert built["error"] == "States.QueryEvaluationError" and "nested more than 1000" in built["cause"]


# --- a finished execution stops computing ------------------------------------------------------------


def _endless_machine(sfn: LocalStepFunctions, *, timeout: int | None = None, items: int = 0) -> str:
    state: dict[str, Any] = {"Type": "Pass", "Output": "{% " + RECURSIVE + " %}", "End": True}
    if items:
        state = {
            "Type": "Map",
            "Items": "{% [1.." + str(items) + "] %}",
            "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": state}},
            "End": True,
        }
    definition = jsonata({"S": state})
    if timeout:
        definition["TimeoutSeconds"] = timeout
    created = sfn.create_state_machine(name="endless", definition=json.dumps(definition), roleArn=ROLE)
    return str(created["stateMachineArn"])


@pytest.mark.parametrize("items", [0, 3], ids=["pass", "map-iterations"])
def test_stop_execution_ends_its_in_flight_evaluations(items: int) -> None:
    sfn = new_client(evaluation_limits=EvaluationLimits(seconds=3600))
    run_arn = sfn.start_execution(stateMachineArn=_endless_machine(sfn, items=items), name="stopped")[
        "executionArn"
    ]
    threading.Event().wait(0.3)  # let the evaluations start
    sfn.stop_execution(executionArn=run_arn, error="Stop", cause="probe")
    assert sfn.describe_execution(executionArn=run_arn)["status"] == "ABORTED"
    # The execution's thread returns only once its evaluations (and Map iterations) have ended.
    assert sfn._executions[run_arn].join(DEADLINE)


def test_a_timed_out_execution_ends_its_in_flight_evaluation() -> None:
    sfn = LocalStepFunctions(clock=RealClock(), evaluation_limits=EvaluationLimits(seconds=3600))
    run_arn = sfn.start_execution(stateMachineArn=_endless_machine(sfn, timeout=1), name="timed-out")[
        "executionArn"
    ]
    assert sfn.wait_for_execution(run_arn, timeout=DEADLINE)["status"] == "TIMED_OUT"
    assert sfn._executions[run_arn].join(DEADLINE)


# --- the measuring itself ----------------------------------------------------------------------------


def test_json_extent_stops_early_on_shared_values_and_deep_nesting() -> None:
    shared: Any = {"a": 1}
    for _ in range(60):
        shared = {"l": shared, "r": shared}
    with pytest.raises(BoundExceeded, match="D1013"):
        json_extent(shared, max_chars=MAX_BUILD)
    with pytest.raises(BoundExceeded, match="D1014"):
        json_extent(_deep(MAX_JSON_DEPTH + 1), max_chars=MAX_BUILD)
    assert json_extent({"ab": [1, "xy"]}, max_chars=100) <= len(
        json.dumps({"ab": [1, "xy"]}, separators=(",", ":"))
    )


def test_load_json_refuses_depth_never_raises_recursion_error() -> None:
    with pytest.raises(BoundExceeded, match="nested more than"):
        load_json(DEEP_TEXT)
    with pytest.raises(BoundExceeded):
        load_json("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    assert load_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None
    with pytest.raises(ValueError):
        load_json("{nope")


def test_a_guard_returns_results_and_leaves_no_interruption_behind() -> None:
    for _ in range(200):
        assert Guard(ROOMY).run(lambda: sum(range(1000))) == 499500
    # An overdue evaluation is interrupted; the thread then runs on normally.
    with pytest.raises(BoundExceeded, match="D1012"):
        Guard(EvaluationLimits(seconds=0.05)).run(lambda: any(False for _ in iter(int, 1)))
    assert sum(range(10)) == 45
