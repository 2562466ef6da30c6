"""Negative zero: Python prints the float -0.0 as '-0.0' (`str(0 / -1)`, `f"{-refund:.2f}"` of a
zero refund is '-0.00'), and the int 0 as '0' whatever made it (`0 * -1`, `-n` of 0).

JSONata computes with JavaScript's doubles, which keep -0 (tests/engine/test_jsonata_differential.py
pins the engine to jsonata-js there). The compiled texts of floats print its sign, and the
operations where JavaScript makes -0 but Python an int (`*`, unary `-`, `//`, `%`) give 0, so
an int never turns into -0.0 further on (`float(0 * -1)` is 0.0).

Each orchestrator runs direct (`run_direct`) and compiled on the local engine (`run_local`); the
outputs are texts, so the sign is compared.
"""

from __future__ import annotations

from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.testing import run_direct, run_local


@orchestrator(name="NegativeZeroTexts")
async def negative_zero_texts(ctx: OrchestrationContext) -> JsonValue:
    inp = ctx.get_input()
    x, y, f = inp["x"], inp["y"], inp["f"]
    return [
        str(x / y),
        f"{x / y}",
        str(x * f),
        f"{x * f:.2f}",
        f"{x * f:,}",
        str(-(x * f)),
        str(x // f),
        str(x % f),
        str(round(f, 1)),
        str(float(x * y)),
        str((x * y) * 1.5),
        str(float(-x)),
        str(x * y),
        str(-x),
        f"{x // y}",
        f"{-x:.1f}",
        str(x % y),
        str(float(x % y)),
        str(float(int(f))),  # int(-0.5) is 0
        str(int(f) * 1.5),
        str(float(round(f))),
    ]


@orchestrator(name="NegativeZeroParsed")
async def negative_zero_parsed(ctx: OrchestrationContext) -> JsonValue:
    text = ctx.get_input()
    return [str(float(int(text))), str(int(text) * 1.5), str(float(text)), str(float(text) * 2)]


@orchestrator(name="NegativeZeroKnownFloats")
async def negative_zero_known_floats(ctx: OrchestrationContext) -> JsonValue:
    refund = float(ctx.get_input())
    credit = -refund
    return [f"{credit:.2f}", str(credit * 1.0), str(-refund), f"{-refund:,.1f}", str(0.0 * -1)]


@activity(name="NegativeZeroEcho")
def echo(value: JsonValue) -> JsonValue:
    return value


@orchestrator(name="NegativeZeroInAVariable")
async def negative_zero_in_a_variable(ctx: OrchestrationContext) -> JsonValue:
    inp = ctx.get_input()
    m = inp["x"] / inp["y"]
    r = round(inp["x"] / inp["y"] / 4, 0)
    await ctx.call_activity(echo, 1)
    return [str(m), str(r), str(m + 0), f"{m * 1:.2f}"]


def both(orch: Any, input: Any) -> list[str]:
    direct = run_direct(orch, input)
    compiled = run_local(orch, input)
    assert direct.status == "SUCCEEDED", direct.error
    assert (compiled.status, compiled.error) == ("SUCCEEDED", None), compiled.cause
    assert compiled.output == direct.output
    assert isinstance(direct.output, list)
    return direct.output


@pytest.mark.parametrize(
    "value",
    [
        {"x": 0, "y": -1, "f": -2.5},  # 0 / -1 is -0.0; 0 * -1 is the int 0
        {"x": 0, "y": 3, "f": 0.5},
        {"x": 5, "y": -5, "f": -2.5},  # 5 % -2.5 is -0.0; 5 % -5 is 0
        {"x": -3, "y": 3, "f": -0.04},  # round(-0.04, 1) is -0.0
        {"x": 7, "y": 2, "f": 1.5},
        {"x": 1, "y": -4, "f": -0.5},
    ],
)
def test_negative_zero_prints_as_python_prints_it(value: dict[str, Any]) -> None:
    both(negative_zero_texts, value)


def test_the_witnesses_are_negative_zeros() -> None:
    out = both(negative_zero_texts, {"x": 0, "y": -1, "f": -2.5})
    assert out[:4] == ["-0.0", "-0.0", "-0.0", "-0.00"]
    assert out[9:12] == ["0.0", "0.0", "0.0"]  # ints made by -0-producing operations stay 0
    out = both(negative_zero_texts, {"x": 5, "y": -5, "f": -2.5})
    assert out[7] == "-0.0" and out[16] == "0"


@pytest.mark.parametrize("refund", [0, 0.0, 2.5])
def test_known_floats_keep_the_sign(refund: float) -> None:
    out = both(negative_zero_known_floats, refund)
    if refund == 0:
        assert out == ["-0.00", "-0.0", "-0.0", "-0.0", "-0.0"]


@pytest.mark.parametrize("value", [{"x": 0, "y": -1}, {"x": 0, "y": 1}, {"x": -3, "y": 2}, {"x": 1, "y": -2}])
def test_negative_zero_kept_in_a_variable(value: dict[str, Any]) -> None:
    """The variable's kind keeps the sign JSON drops (it was a strict xfail until the kind did)."""
    out = both(negative_zero_in_a_variable, value)
    if value == {"x": 0, "y": -1}:
        assert out == ["-0.0", "-0.0", "0.0", "-0.00"]


@pytest.mark.parametrize("text", ["-0", "0", " -0 ", "-7"])
def test_parsed_zero_is_an_int_zero(text: str) -> None:
    out = both(negative_zero_parsed, text)
    if text.strip() == "-0":
        assert out == ["0.0", "0.0", "-0.0", "-0.0"]
