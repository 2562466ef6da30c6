"""Diagnostics: every catalogued code has an example that compiles and one rejected with that code;
error fixture files (tests/compiler/errors/*.py) declare the diagnostics they must produce."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from durable_sfn.compiler import CATALOGUE, CompileError, compile_source
from durable_sfn.compiler.diagnostics import Diagnostic

PREAMBLE = """\
import asyncio
import datetime
import os
from datetime import timedelta

from durable_sfn import OrchestrationContext, RetryOptions, orchestrator
from durable_sfn.entities import EntityId


@orchestrator(name="Example")
async def example(ctx: OrchestrationContext):
"""


def _module(body: str) -> str:
    return PREAMBLE + textwrap.indent(body, "    ") + "\n"


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_catalogue_ok_example_compiles(code: str) -> None:
    definitions = compile_source(_module(CATALOGUE[code].ok), "example.py")
    assert list(definitions) == ["Example"]


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_catalogue_illegal_example_is_rejected_with_its_code(code: str) -> None:
    with pytest.raises(CompileError) as info:
        compile_source(_module(CATALOGUE[code].illegal), "example.py")
    codes = {d.code for d in info.value.diagnostics}
    assert code in codes, info.value


FIXTURES = sorted((Path(__file__).parent / "errors").glob("*.py"))
EXPECT = re.compile(r"^# expect: (DSF\d{3}) (\d+):(\d+)(?: (.*))?$")


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_error_fixture_produces_its_expected_diagnostics(fixture: Path) -> None:
    source = fixture.read_text(encoding="utf-8")
    expected = []
    for line in source.splitlines():
        m = EXPECT.match(line)
        if m:
            expected.append((m.group(1), int(m.group(2)), int(m.group(3)), m.group(4) or ""))
    assert expected, f"{fixture.name} declares no '# expect: CODE LINE:COL text' lines"
    with pytest.raises(CompileError) as info:
        compile_source(source, str(fixture))
    got = [(d.code, d.line, d.col + 1) for d in info.value.diagnostics]
    assert got == [(c, line, col) for c, line, col, _ in expected], str(info.value)
    for diagnostic, (_, _, _, text) in zip(info.value.diagnostics, expected, strict=True):
        assert text in diagnostic.render()


def test_rendering_shows_location_source_caret_and_hint() -> None:
    d = Diagnostic(
        "DSF003",
        "datetime.now() is not deterministic",
        "flow.py",
        12,
        11,
        "use ctx.current_utc_datetime: the orchestrator must be deterministic",
        "    when = datetime.now()",
    )
    assert d.render().splitlines() == [
        "flow.py:12:12: DSF003 datetime.now() is not deterministic",
        "    when = datetime.now()",
        "           ^",
        "hint: use ctx.current_utc_datetime: the orchestrator must be deterministic",
    ]


def test_all_problems_are_reported_at_once() -> None:
    body = "a = datetime.datetime.now()\nb = print(1)\nglobal c\n"
    with pytest.raises(CompileError) as info:
        compile_source(_module(body), "example.py")
    assert [d.code for d in info.value.diagnostics] == ["DSF003", "DSF004", "DSF009"]


def test_syntax_errors_are_diagnostics_too() -> None:
    with pytest.raises(CompileError) as info:
        compile_source("def broken(:\n", "broken.py")
    (d,) = info.value.diagnostics
    assert (d.code, d.file, d.line) == ("DSF000", "broken.py", 1)
