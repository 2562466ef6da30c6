"""Accepted means valid: what the compiler accepts passes every check of the definition Step
Functions applies, or it is a located compile error; and the compiler raises nothing but
CompileError, whatever the source and whatever the process's recursion limit."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from durable_sfn.asl import validate_definition
from durable_sfn.asl.templates import MAX_VARIABLE_NAME_LENGTH
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.compiler.api import render_definition

HEADER = """\
from datetime import timedelta

from durable_sfn import OrchestrationContext, RetryOptions, activity, orchestrator


@activity(name="Work")
def work(x):
    return x


@orchestrator(name="Checked")
async def checked(ctx: OrchestrationContext):
    data = ctx.get_input()
"""
BODY_LINE = HEADER.count("\n") + 1


def compile_body(body: str, file: str = "checked.py") -> dict[str, dict[str, Any]]:
    definitions = compile_source(HEADER + textwrap.indent(textwrap.dedent(body), "    ") + "\n", file)
    for definition in definitions.values():
        assert validate_definition(render_definition(definition)) == []
    return definitions


def refused(body: str) -> list[tuple[str, int]]:
    with pytest.raises(CompileError) as info:
        compile_body(body)
    return [(d.code, d.line) for d in info.value.diagnostics]


def test_names_with_control_characters_become_valid_state_names() -> None:
    definitions = compile_body("value = await ctx.wait_for_external_event('Go\\x00now\\x07')\nreturn value")
    names = json.dumps(definitions)
    assert "Go now" in names or "Gonow" in names


@pytest.mark.parametrize(
    "options",
    [
        "RetryOptions(timedelta(seconds=5), 100000001)",
        "RetryOptions(timedelta(days=1200), 3)",
        "RetryOptions(timedelta(seconds=5), 3, 2.0, timedelta(days=400))",
        "RetryOptions(timedelta(seconds=5), 3, 1e308 * 10)",
    ],
)
def test_retry_options_beyond_the_service_ranges_are_refused_where_written(options: str) -> None:
    codes = refused(f"await ctx.call_activity_with_retry(work, {options}, 1)")
    assert codes and all(line == BODY_LINE for _, line in codes), codes
    assert {code for code, _ in codes} <= {"DSF021", "DSF002"}


def located(codes: list[tuple[str, int]], code: str) -> bool:
    """The code is reported at a line of the orchestrator body (a state's first source line)."""
    return any(c == code and BODY_LINE - 1 <= line <= BODY_LINE + 2 for c, line in codes)


def test_a_number_no_double_holds_is_refused_at_its_line() -> None:
    assert located(refused("x = 1\nreturn data + " + "9" * 400), "DSF032")
    assert located(refused("return " + "9" * 400), "DSF032")


def test_a_variable_name_beyond_the_service_limit_is_refused_at_its_line() -> None:
    name = "v" * (MAX_VARIABLE_NAME_LENGTH + 1)
    body = f"{name} = await ctx.call_activity(work, 1)\nawait ctx.create_timer(timedelta(seconds=1))\nreturn {name}"
    assert located(refused(body), "DSF032")


def test_a_definition_over_one_mebibyte_as_deployed_is_refused() -> None:
    lines = "\n".join(
        f"r{i} = await ctx.call_activity(work, {{'n': {i}, 'pad': '{'x' * 400}'}})" for i in range(2500)
    )
    assert any(code == "DSF032" for code, _ in refused(lines))


def test_placeholders_count_as_the_arns_they_become() -> None:
    from durable_sfn.compiler.limits import MAX_ARN_BYTES, deployed_size

    assert deployed_size('{"F": "${Work}"}') == len('{"F": ""}') + MAX_ARN_BYTES


@pytest.mark.parametrize(
    "body",
    [
        "x = data" + ".strip()" * 3000,
        "x = " + " + ".join(["data"] * 5000),
        "x = " + "(" * 150 + "1" + ")" * 150,
        "x = " + "[" * 1000 + "]" * 1000,
        "x = " + "-" * 5000 + "1",
        "x = " + " and ".join(["data"] * 3000),
        "x = f'{" + "+".join(["data"] * 3000) + "}'",
    ],
    ids=["method-chain", "long-sum", "parentheses", "brackets", "unary", "and-chain", "f-string"],
)
def test_absurd_nesting_is_a_located_error_not_a_crash(body: str) -> None:
    with pytest.raises(CompileError) as info:
        compile_body(body)
    assert {d.code for d in info.value.diagnostics} <= {"DSF000", "DSF031", "DSF032"}
    assert all(d.line >= 1 for d in info.value.diagnostics)


@pytest.mark.parametrize(
    "imports",
    ["from .. import helpers", "from . import helpers", "from ...deep.er import thing", "from .x import y"],
)
def test_relative_imports_outside_a_package_are_not_a_crash(imports: str, tmp_path: Path) -> None:
    file = tmp_path / "alone.py"
    source = imports + "\n" + HEADER + "    return 1\n"
    file.write_text(source)
    compile_source(source, str(file))


CHILD = """
import sys
{prelude}
from durable_sfn.compiler import CompileError, compile_source
sys.setrecursionlimit({limit})
good = open({good!r}).read()
assert compile_source(good, "good.py"), "no definitions"
deep = {deep!r}
try:
    compile_source(deep, "deep.py")
except CompileError as exc:
    print("refused", sorted({{d.code for d in exc.diagnostics}}))
else:
    raise SystemExit("a deep source was accepted")
"""


@pytest.mark.parametrize("limit", [80, 300, 1000, 200_000])
@pytest.mark.parametrize("jsonata_first", [False, True])
def test_whatever_the_recursion_limit_only_compile_errors(limit: int, jsonata_first: bool) -> None:
    good = Path(__file__).parent / "golden" / "errors.py"
    deep = HEADER + "    x = data" + ".strip()" * 2000 + "\n    y = " + " + ".join(["data"] * 3000) + "\n"
    script = CHILD.format(
        prelude="import jsonata" if jsonata_first else "", limit=limit, good=str(good), deep=deep
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "refused" in run.stdout
