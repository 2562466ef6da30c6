"""Checks whose input is missing skip on a developer machine but fail under CI.

The conformance corpus and asl-validator feed whole test modules; if CI skipped them it could
go green while checking nothing.
"""

from __future__ import annotations

import pytest

from tests.engine.support import in_ci, missing_input


@pytest.mark.parametrize("value", ["true", "1", "yes"])
def test_missing_input_fails_under_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    assert in_ci()
    with pytest.raises(pytest.fail.Exception, match=r"corpus not found.*CI is set"):
        missing_input("corpus not found at /nowhere")


@pytest.mark.parametrize("value", [None, "", "false", "0"])
def test_missing_input_skips_outside_ci(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert not in_ci()
    with pytest.raises(pytest.skip.Exception, match="corpus not found"):
        missing_input("corpus not found at /nowhere")
