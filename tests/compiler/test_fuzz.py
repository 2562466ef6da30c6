"""The compiler never crashes: on mutated and randomly assembled sources it either returns
definitions that pass the project validator (on the text that would be deployed, so the 1 MiB
limit counts too), or raises CompileError. Nothing else escapes.

The runs are seeded (derandomized), so `make test` fuzzes the same sources every time; the
hostile mutations aim at the service's limits and at the compiler's own: deep nesting, control
characters in names, numbers no double holds, long names, retry options out of range, relative
imports outside a package, huge definitions."""

from __future__ import annotations

import textwrap
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from durable_sfn.asl import validate_definition
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.compiler.api import render_definition

GOLDEN_SOURCES = [
    p.read_text(encoding="utf-8")
    for p in sorted((Path(__file__).parent / "golden").glob("*.py"))
    if p.name != "__init__.py"
]

HEADER = """\
from datetime import timedelta
from durable_sfn import OrchestrationContext, RetryOptions, activity, orchestrator

@activity(name="Work")
def work(x):
    return x

@orchestrator(name="Fuzzed")
async def fuzzed(ctx: OrchestrationContext, data):
"""

EXPRESSIONS = [
    "1",
    "-2.5",
    "'text'",
    "None",
    "True",
    "x",
    "y",
    "data",
    "data['k']",
    "x + y",
    "x - 1",
    "x * y",
    "x / 2",
    "x // 3",
    "x % 4",
    "x ** 2",
    "-x",
    "not x",
    "x and y",
    "x or y",
    "x if y else 3",
    "x < y <= 10",
    "x == y",
    "x != 'a'",
    "x in y",
    "x not in [1, 2]",
    "x is None",
    "[x, y, 1]",
    "{'a': x, 'b': [y]}",
    "{**data, 'z': 1}",
    "f'{x}-{y:.2f}'",
    "len(y)",
    "sum(y)",
    "min(x, y)",
    "max(y)",
    "any(y)",
    "all(y)",
    "str(x)",
    "int(x)",
    "float(x)",
    "round(x, 1)",
    "abs(x)",
    "sorted(y)",
    "[v * 2 for v in y if v]",
    "{k: 1 for k in y}",
    "x.upper()",
    "x.split(',')",
    "', '.join(y)",
    "x.replace('a', 'b')",
    "data.get('k', 0)",
    "ctx.current_utc_datetime",
    "ctx.current_utc_datetime + timedelta(minutes=x)",
    "ctx.instance_id",
    "ctx.new_uuid()",
    "ctx.get_input()",
    "timedelta(hours=1)",
    "data.keys()",
    "x.startswith('a')",
    "y[0]",
    "y[-1]",
    "y[x]",
    "(1, 2)",
    "{1, 2}",
    "lambda q: q",
    "x[1:2]",
    "x.attr",
    "print(x)",
    "z",
    "await ctx.call_activity(work, x)",
    "ctx.call_activity(work, x)",
    "datetime.now()",
    "x @ y",
    "x << 1",
    "(yield x)",
    "[*y]",
    "x := 1",
    "ctx",
    "ctx.unknown",
    "ctx.task_all([])",
]
STATEMENTS = [
    "x = {e}",
    "y = {e}",
    "x += {e}",
    "y.append({e})",
    "data['k'] = {e}",
    "ctx.set_custom_status({e})",
    "x = await ctx.call_activity(work, {e})",
    "await ctx.call_activity('Other', {e})",
    "y = await ctx.call_activity_with_retry(work, RetryOptions(timedelta(seconds=2), 3), {e})",
    "await ctx.create_timer(timedelta(seconds=5))",
    "await ctx.create_timer(ctx.current_utc_datetime + timedelta(hours=1))",
    "x = await ctx.wait_for_external_event('Go', timeout=timedelta(minutes=5))",
    "y = await ctx.task_all([ctx.call_activity(work, v) for v in {e}])",
    "y = await ctx.task_all([ctx.call_activity(work, 1), ctx.call_activity('Other', {e})])",
    "x = await ctx.call_sub_orchestrator('Child', {e})",
    "return {e}",
    "raise ValueError({e})",
    "pass",
    "ctx.continue_as_new({e})",
    "break",
    "continue",
    "raise",
    "global x",
    "import os",
    "del x",
    "a, b = {e}",
    "x = y = {e}",
    "assert {e}",
    "{e}",
]
BLOCKS = [
    "if {e}:\n{b}",
    "if {e}:\n{b}\nelse:\n{b}",
    "if {e}:\n{b}\nelif {e}:\n{b}",
    "while {e}:\n{b}",
    "for item in {e}:\n{b}",
    "try:\n{b}\nexcept ValueError as err:\n{b}",
    "try:\n{b}\nexcept Exception:\n{b}\nfinally:\n{b}",
    "async def branch(item):\n{b}",
    "with {e}:\n{b}",
    "def helper():\n{b}",
]


@st.composite
def statement(draw: st.DrawFn, depth: int = 0) -> str:
    if depth < 2 and draw(st.integers(0, 3)) == 0:
        template = draw(st.sampled_from(BLOCKS))
        while "{e}" in template:
            template = template.replace("{e}", draw(st.sampled_from(EXPRESSIONS)), 1)
        while "{b}" in template:
            body = "\n".join(draw(st.lists(statement(depth + 1), min_size=1, max_size=3)))
            template = template.replace("{b}", textwrap.indent(body, "    "), 1)
        return template
    return draw(st.sampled_from(STATEMENTS)).replace("{e}", draw(st.sampled_from(EXPRESSIONS)))


def _check(source: str) -> None:
    try:
        definitions = compile_source(source, "fuzzed.py")
    except CompileError as exc:
        assert exc.diagnostics, "a CompileError must carry at least one diagnostic"
        for d in exc.diagnostics:
            assert d.code.startswith("DSF") and d.line >= 0 and d.render()
        return
    for definition in definitions.values():
        problems = [d for d in validate_definition(render_definition(definition)) if d.severity == "ERROR"]
        assert problems == [], (problems, source)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(statement(), min_size=1, max_size=8))
def test_random_orchestrators_compile_or_fail_with_diagnostics(body: list[str]) -> None:
    _check(HEADER + textwrap.indent("x = 1\ny = [1, 2]\n" + "\n".join(body), "    ") + "\n")


@st.composite
def mutated_golden(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(GOLDEN_SOURCES)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "dedent", "indent", "truncate", "replace"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif op == "dedent":
            lines[i] = lines[i].removeprefix("    ")
        elif op == "indent":
            lines[i] = "    " + lines[i]
        elif op == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif op == "replace":
            stripped = lines[i].lstrip()
            lines[i] = lines[i][: len(lines[i]) - len(stripped)] + draw(st.sampled_from(STATEMENTS)).replace(
                "{e}", draw(st.sampled_from(EXPRESSIONS))
            )
        if not lines:
            lines = [""]
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_golden())
def test_mutated_golden_sources_compile_or_fail_with_diagnostics(source: str) -> None:
    _check(source)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes_the_compiler(text: str) -> None:
    _check(text)


# -- hostile mutations: the service's limits and the compiler's own ---------------------------------

HOSTILE_EXPRESSIONS = [
    "x" + ".strip()" * 1500,
    " + ".join(["x"] * 3000),
    "(" * 120 + "x" + ")" * 120,
    "-" * 2000 + "x",
    " and ".join(["x"] * 1500),
    "[" * 60 + "x" + "]" * 60,
    "9" * 400,
    "1e400",
    "-" + "9" * 330,
    "'\\x00\\x01\\x7f'",
    "'" + "a" * 100_000 + "'",
    "{'k': " * 40 + "x" + "}" * 40,
    "f'{x}{" + "+".join(["y"] * 500) + "}'",
]
HOSTILE_STATEMENTS = [
    "{n} = await ctx.call_activity(work, x)\nawait ctx.create_timer(timedelta(seconds=1))\nx = {n}",
    "x = await ctx.wait_for_external_event('E{c}v')",
    "x = await ctx.wait_for_external_event('E{c}v', timeout=timedelta(days={big}))",
    "await ctx.create_timer(timedelta(seconds={big}))",
    "await ctx.call_activity_with_retry(work, RetryOptions(timedelta(seconds={big}), {big}), 1)",
    "await ctx.call_activity_with_retry(work, RetryOptions(timedelta(seconds=2), 3, {big}), 1)",
    "await ctx.call_activity_with_retry(work, RetryOptions(timedelta(seconds=2), 3, 2, timedelta(days={big})), 1)",
    "y = await ctx.task_all([ctx.call_activity(work, v) for v in x], max_concurrency={big})",
    "ctx.set_custom_status('{c}' * 3)",
    "raise ValueError('{c}')",
    "x = {e}",
    "return {e}",
]
HOSTILE_PRELUDES = ["", "from .. import helpers\n", "from . import x\n", "from ...a.b import c\n"]


@st.composite
def hostile_statement(draw: st.DrawFn) -> str:
    template = draw(st.sampled_from(HOSTILE_STATEMENTS))
    return template.format(
        n="v" * draw(st.sampled_from([1, 79, 80, 81, 300])),
        c=draw(st.sampled_from(["\\x00", "\\x1f", "\\u2028", "\\x7f", "ok", "\\U0001f600"])),
        big=draw(st.sampled_from(["1", "99999999", "100000000", "31622401", "10**12", "2**63"])),
        e=draw(st.sampled_from(HOSTILE_EXPRESSIONS)),
    )


@st.composite
def hostile_source(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(GOLDEN_SOURCES)).splitlines()
    for _ in range(draw(st.integers(1, 3))):
        statement = draw(hostile_statement())
        body_lines = [i for i, line in enumerate(lines) if line.startswith("    ") and line.strip()]
        inside: bool = draw(st.booleans())
        if body_lines and inside:
            i = draw(st.sampled_from(body_lines))
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            lines[i:i] = [indent + part for part in statement.split("\n")]
        else:
            lines = (
                HEADER.splitlines()
                + ["    x = 1", "    y = [1, 2]"]
                + ["    " + p for p in statement.split("\n")]
            )
    return draw(st.sampled_from(HOSTILE_PRELUDES)) + "\n".join(lines) + "\n"


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_source())
def test_hostile_sources_compile_to_valid_definitions_or_fail_with_diagnostics(source: str) -> None:
    _check(source)


def test_a_huge_orchestrator_is_refused_not_accepted() -> None:
    body = "\n".join(
        f"    r{i} = await ctx.call_activity(work, {{'n': {i}, 'pad': '{'p' * 300}'}})" for i in range(3000)
    )
    _check(HEADER + body + "\n")
