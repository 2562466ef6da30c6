"""Payload text and payload measuring: the shortcuts every state takes give the same answers.

Each state writes its output as JSON text (for the history and the size limit) and measures
values against the 256 KiB limit. Both have quicker paths for the common case (a shared C
encoder, flat containers measured in one loop); these tests hold them to the general ones.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from durable_sfn.engine import bounds, dataflow, history
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.limits import MAX_PAYLOAD_BYTES
from tests.engine.support import new_client

VALUES: list[Any] = [
    {},
    [],
    "",
    'é ✓ \u2028 "quoted" \\ \n',
    0,
    -1.5e300,
    1e-7,
    math.nan,
    math.inf,
    True,
    None,
    {"step": 5, "carried": 17, "name": "naïve"},
    [1, "two", 3.0, None, False, {"k": [[], {}]}],
    {"nested": {"deeper": {"list": [1, {"x": "y"}]}}},
    {1: "int key", 2.5: "float key", False: "bool key", None: "null key"},
    (1, 2, "tuple"),
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_payload_text_is_json_dumps_compact(value: Any) -> None:
    assert history.to_json(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def test_payload_text_errors_are_json_dumps_errors() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="Circular reference detected"):
        history.to_json({"a": cycle})
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        history.to_json({"a": {1, 2}})
    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None, not tuple"):
        history.to_json({(1, 2): "x"})


FLAT: list[Any] = [
    {},
    [],
    {"a": 1},
    {"a": "x" * 10, "b": None, "c": True, "d": 1.5},
    ["x", 1, None, "yy"],
    ("a", 2),
    {7: "int key"},
    ["y"] * 64,
    ["y"] * 65,  # longer than the flat measure takes: the full walk
    {"a": [1]},  # holds a container: the full walk
]


@pytest.mark.parametrize("value", FLAT, ids=repr)
def test_payload_limit_is_exact_for_flat_and_nested_values(value: Any) -> None:
    """A value whose measured size is exactly the limit passes; one character more fails."""

    def padded(length: int) -> Any:
        pad = "p" * length
        return {**value, "": pad} if isinstance(value, dict) else [*value, pad]

    length = MAX_PAYLOAD_BYTES - bounds.json_extent(padded(0), max_chars=MAX_PAYLOAD_BYTES)
    at_limit, over = padded(length), padded(length + 1)
    assert bounds.json_extent(at_limit, max_chars=MAX_PAYLOAD_BYTES) == MAX_PAYLOAD_BYTES
    dataflow.check_bounded(at_limit, "S")
    with pytest.raises(StatesError) as failed:
        dataflow.check_bounded(over, "S")
    assert failed.value.error == "States.DataLimitExceeded"
    assert "'S'" in failed.value.cause


def test_plain_pass_still_shows_each_dataflow_step_to_test_state() -> None:
    sfn = new_client()
    state = {"Type": "Pass", "Parameters": {"step": 1, "carried.$": "$.carried"}, "End": True}
    result = sfn.test_state(definition=json.dumps(state), input='{"carried": 4}', inspectionLevel="DEBUG")
    data = {k: json.loads(v) for k, v in result["inspectionData"].items()}
    assert data["afterInputPath"] == {"carried": 4}
    assert data["afterParameters"] == {"step": 1, "carried": 4}
    assert data["result"] == {"step": 1, "carried": 4}
    assert data["afterResultPath"] == {"step": 1, "carried": 4}
    assert json.loads(result["output"]) == {"step": 1, "carried": 4}
