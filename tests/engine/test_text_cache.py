"""The engine's caches of parsed expressions are bounded by the length of the texts, not their
number: a parsed expression costs about 400 bytes per character, and 4,096 long ones held gigabytes."""

from __future__ import annotations

import pytest

from durable_sfn.engine import jsonata
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.text_cache import TextCache


def test_the_least_recently_used_texts_go_first_once_the_budget_is_passed() -> None:
    cache: TextCache[int] = TextCache(max_chars=10)
    cache.put("aaaa", 1)
    cache.put("bbbb", 2)
    assert cache.get("aaaa") == (True, 1)  # now the most recent
    cache.put("cccc", 3)  # 12 characters: "bbbb" goes
    assert cache.get("bbbb") == (False, None)
    assert cache.get("aaaa") == (True, 1)
    assert (len(cache), cache.chars) == (2, 8)


def test_a_cached_none_is_found_and_a_text_over_the_budget_stays_alone() -> None:
    cache: TextCache[int | None] = TextCache(max_chars=5)
    cache.put("ab", None)
    assert cache.get("ab") == (True, None)
    cache.put("x" * 50, 7)
    assert (len(cache), cache.chars) == (1, 50)
    cache.put("x" * 50, 8)  # the same text again is counted once
    assert (cache.get("x" * 50), cache.chars) == ((True, 8), 50)


def test_evaluating_many_long_expressions_keeps_the_parse_cache_within_its_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jsonata._shared, "max_chars", 40_000)
    monkeypatch.setattr(jsonata._programs, "max_chars", 40_000)
    env = EvalEnv(state_name="S", query_language="JSONata", input={}, context={})
    padding = ", ".join(["0"] * 2500)  # about 7,500 characters, each text distinct
    for i in range(20):
        assert (
            jsonata.evaluate_expression("{% " + f"{i} + $count([{padding}])" + " %}", env, "Output")
            == i + 2500
        )
    assert jsonata._shared.chars <= 40_000
    assert jsonata._programs.chars <= 40_000
    assert len(jsonata._shared) <= 6
