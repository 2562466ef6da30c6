"""State names read like the source line they come from: no stray quotes or spaces, balanced
brackets, whole words when shortened."""

from __future__ import annotations

import pytest

from durable_sfn.compiler.naming import MAX_NAME, clean_name


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ('If batch.get("UseSubOrchestrations", False)', "If batch.get(UseSubOrchestrations, False)"),
        ('If not approval["Approved"]', "If not approval.Approved"),
        ("If x['a']['b'] == 'ok'", "If x.a.b == ok"),
        ('Return f"hello {name}"', "Return hello name"),
        (
            "Wait until ctx.current_utc_datetime + timedelta(days=1)",
            "Wait until ctx.current_utc_datetime + timedelta(days=1)",
        ),
    ],
)
def test_names_keep_the_source_readable(source: str, name: str) -> None:
    assert clean_name(source) == name


@pytest.mark.parametrize(
    "source",
    [
        "Wait until ctx.current_utc_datetime + timedelta(days=1, hours=2, minutes=3, seconds=4)",
        "If first_condition_holds and second_condition_holds or third_condition_holds_too",
        "If compute(alpha, beta, gamma, delta, epsilon, zeta, eta, theta, iota, kappa)",
    ],
)
def test_long_names_are_cut_at_whole_words_with_balanced_brackets(source: str) -> None:
    name = clean_name(source)
    assert len(name) <= MAX_NAME
    assert name.count("(") == name.count(")")
    assert source.startswith(name)  # a prefix of whole words, nothing invented
    assert source[len(name)] in " ,("  # cut at a word boundary
    assert name.rsplit(" ", 1)[-1] not in {"and", "or", "+", "not"}


def test_duplicate_names_are_numbered_in_brackets() -> None:
    from durable_sfn.compiler import compile_source

    source = """
from durable_sfn import OrchestrationContext, orchestrator

@orchestrator(name="Twice")
async def twice(ctx: OrchestrationContext) -> dict:
    if ctx.get_input():
        return {"Success": True}
    return {"Success": True}
"""
    states = compile_source(source)["Twice"]["States"]
    assert {"Return Success", "Return Success (2)"} <= set(states)
