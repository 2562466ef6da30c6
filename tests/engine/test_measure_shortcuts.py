"""The shortcuts that measure and copy values on every state give what the general path gives.

`bounds.json_extent` counts scalars in place and falls back to the node-by-node walk when a
bound passes; `jsonata._normalize` copies plain objects of scalars in one loop; and
`dataflow.check_bounded` adds up the measures of JSONata results it was just given instead of
walking them again. Each is compared here with the general path: same counts, same errors.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest
from jsonata import JException, Utils

from durable_sfn.engine import bounds, dataflow, jsonata, jsonata_compiled
from durable_sfn.engine.bounds import MAX_JSON_DEPTH, BoundExceeded
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.limits import MAX_PAYLOAD_BYTES
from tests.engine.support import jsonata as jsonata_machine
from tests.engine.support import new_client, run


def _value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 5 or roll < 0.4:
        return rng.choice(["", "ab", 1, 2.5, 3.0, -0.0, None, True, "x" * rng.randint(0, 40)])
    if roll < 0.7:
        return {
            (f"k{i}" * rng.randint(1, 3) if i % 3 else i): _value(rng, depth + 1)
            for i in range(rng.randint(0, 5))
        }
    return rng.choice([list, tuple])(_value(rng, depth + 1) for _ in range(rng.randint(0, 5)))


def _outcome(measure: Any, value: Any, max_chars: int, max_depth: int) -> Any:
    try:
        return measure(value, max_chars, max_depth)
    except BoundExceeded as exc:
        return exc.code, str(exc)


def _levels(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_levels(v) for v in value.values()), default=0)
    if isinstance(value, list | tuple):
        return 1 + max((_levels(v) for v in value), default=0)
    return 0


def test_json_extent_counts_and_refuses_as_the_walk_does() -> None:
    rng = random.Random(15)
    accepted = 0
    for _ in range(3000):
        value = _value(rng)
        max_chars, max_depth = rng.choice([10, 50, 200, 10**6]), rng.choice([2, 3, 6, 100])
        quick = _outcome(
            lambda v, c, d: bounds.json_extent(v, max_chars=c, max_depth=d), value, max_chars, max_depth
        )
        walk = _outcome(lambda v, c, d: bounds._walk_extent(v, c, d, 0), value, max_chars, max_depth)
        assert quick == walk, value
        if isinstance(quick, int):
            accepted += 1
            assert bounds.json_measure(value, max_chars=max_chars, max_depth=max_depth) == (
                quick,
                _levels(value),
            )
    assert accepted > 1000  # both outcomes are exercised


def test_json_extent_refuses_a_doubled_value_quickly_with_the_walks_figures() -> None:
    doubled: Any = [1]
    for _ in range(60):
        doubled = [doubled, doubled]
    with pytest.raises(BoundExceeded) as quick:
        bounds.json_extent(doubled, max_chars=1000)
    with pytest.raises(BoundExceeded) as walk:
        bounds._walk_extent(doubled, 1000, MAX_JSON_DEPTH, 0)
    assert str(quick.value) == str(walk.value)


def _reference_normalize(value: Any) -> Any:
    if value is Utils.NULL_VALUE or value is None:
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**63 else value
    if isinstance(value, dict):
        return {str(k): _reference_normalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_reference_normalize(v) for v in value]
    return value


def test_normalize_gives_the_same_json_values() -> None:
    rng = random.Random(16)
    for _ in range(3000):
        value = _value(rng)
        got, want = jsonata._normalize(value), _reference_normalize(value)
        assert got == want and json.dumps(got) == json.dumps(want), value
    with pytest.raises(JException) as refused:
        jsonata._normalize({"a": math.inf})
    assert refused.value.error == "D1001"


def _nested(levels: int) -> Any:
    value: Any = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def _check(assigned: dict[str, Any], remembered: list[Any]) -> Any:
    jsonata._recent.items = []
    for part in remembered:
        jsonata._remember(part, bounds.json_measure(part, max_chars=MAX_PAYLOAD_BYTES))
    try:
        dataflow.check_bounded(assigned, "S")
    except StatesError as exc:
        return exc.error, exc.cause
    finally:
        jsonata._recent.items = []
        dataflow._last.measured = None
    return "ok"


@pytest.mark.parametrize(
    "parts",
    [
        [_nested(MAX_JSON_DEPTH - 1)],  # the object holding it is exactly at the limit
        [_nested(MAX_JSON_DEPTH)],  # one level past it
        ["x" * 100_000, ["y" * 100_000]],
        [["x" * 130_000], ["y" * 130_000]],  # each fits, together they do not
        [{"a": 1}, [1, 2, {"b": None}], 7, "z"],
    ],
)
def test_check_bounded_of_measured_results_agrees_with_the_walk(parts: list[Any]) -> None:
    assigned = {f"v{i}": part for i, part in enumerate(parts)}
    containers = [p for p in parts if isinstance(p, dict | list)]
    assert _check(assigned, containers) == _check(assigned, [])


def test_assigning_two_large_jsonata_results_fails_the_same_way_as_assigning_copies() -> None:
    """Each result fits; together they pass the payload limit. Compiled results are measured
    once; the same values passed in by a plain `$states.input` reference are walked again."""
    big = "{% [$pad('', 140000, 'x')] %}"
    compiled = jsonata_machine(
        {
            "A": {
                "Type": "Pass",
                "Assign": {"a": "{% [$string($states.input)] %}", "b": "{% [$string($states.input)] %}"},
                "End": True,
            }
        }
    )
    walked = jsonata_machine(
        {
            "M": {"Type": "Pass", "Output": big, "Next": "A"},
            "A": {
                "Type": "Pass",
                "Assign": {"a": "{% $states.input %}", "b": "{% $states.input %}"},
                "End": True,
            },
        }
    )
    assert jsonata._program("[$string($states.input)]") is not None  # evaluated compiled
    sfn = new_client()
    first = run(sfn, compiled, "x" * 140_000, name="compiled")
    second = run(sfn, walked, None, name="walked")
    assert first["status"] == second["status"] == "FAILED"
    assert (first["error"], first["cause"]) == (second["error"], second["cause"])
    assert "exceeding the maximum number of bytes" in first["cause"]


def test_a_folded_constant_is_measured_once_and_still_copied_on_each_evaluation() -> None:
    body = '({"Payload": {"Items": [{"Sku": "A", "Quantity": 1.0}], "Total": 42}}).Payload'
    program = jsonata._program(body)
    assert program is not None
    env = EvalEnv("S", "JSONata", None, {}, {})
    raw = program.run(env)
    assert jsonata_compiled.folded_measure(raw) == bounds.json_measure(raw, max_chars=MAX_PAYLOAD_BYTES)
    first = jsonata.evaluate_expression("{% " + body + " %}", env, "Output")
    second = jsonata.evaluate_expression("{% " + body + " %}", env, "Output")
    assert first == second == {"Items": [{"Sku": "A", "Quantity": 1}], "Total": 42}
    assert first is not second and first["Items"] is not second["Items"]
    assert jsonata_compiled.folded_measure(first) is None  # the copy is not the constant
