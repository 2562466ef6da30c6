"""Reads of a local variable that Python may find unassigned: `if n > 1: x = ...` then `x` with
n = 0 raises UnboundLocalError, with Python's message, caught by `except UnboundLocalError`,
`except NameError` or `except Exception` as Python catches it.

Each case runs direct (`run_direct`) and compiled on the local engine (`run_local`) and the two
must agree. Reads that every path assigns compile without the check.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.compiler import compile_source
from durable_sfn.testing import ExecutionResult, run_direct, run_local


def both(orch: Any, input: Any, *, error_name: bool = True) -> ExecutionResult:
    """Run direct and compiled and assert they agree. Without `error_name` the error is not
    compared: an expression error no `try` catches fails a compiled run as
    States.QueryEvaluationError, with Python's error and message in its cause."""
    direct = run_direct(orch, input)
    compiled = run_local(orch, input)
    assert (compiled.status, compiled.output) == (direct.status, direct.output)
    if error_name or direct.error is None:
        assert compiled.error == direct.error
    else:
        assert f"{direct.error}: {direct.cause}" in (compiled.cause or "")
    assert compiled.activity_calls == direct.activity_calls
    return direct


@activity(name="UnboundDouble")
def double(n: int) -> int:
    return n * 2


@activity(name="UnboundCheck")
def check(n: int) -> int:
    if n < 0:
        raise ValueError("negative")
    return n


@orchestrator(name="AssignedInIf")
async def assigned_in_if(ctx: OrchestrationContext) -> JsonValue:
    n = ctx.get_input()
    if n > 1:
        x = await ctx.call_activity(double, n)
    return {"x": x}


@orchestrator(name="CaughtUnbound")
async def caught_unbound(ctx: OrchestrationContext) -> JsonValue:
    n = ctx.get_input()
    try:
        if n > 1:
            y = n * 2
        return y + 1
    except UnboundLocalError:
        return "unbound"


@orchestrator(name="CaughtAsNameError")
async def caught_as_name_error(ctx: OrchestrationContext) -> JsonValue:
    n = ctx.get_input()
    if n > 1:
        y = n
    try:
        return [y]
    except NameError as e:
        return str(e)


@orchestrator(name="CaughtAsException")
async def caught_as_exception(ctx: OrchestrationContext) -> JsonValue:
    n = ctx.get_input()
    if n > 1:
        label = "big"
    try:
        return f"{label}!"
    except Exception as e:
        return type(e).__name__ + ": " + str(e)


@orchestrator(name="LastOfLoop")
async def last_of_loop(ctx: OrchestrationContext) -> JsonValue:
    items = ctx.get_input()
    for item in items:
        last = await ctx.call_activity(double, item)
    try:
        return [last, item]
    except UnboundLocalError as e:
        return str(e)


@orchestrator(name="AssignedInTry")
async def assigned_in_try(ctx: OrchestrationContext) -> JsonValue:
    n = ctx.get_input()
    try:
        checked = await ctx.call_activity(check, n)
    except ValueError:
        n = 0
    try:
        return [n, checked]
    except UnboundLocalError as e:
        return str(e)


@orchestrator(name="NoneIsAssigned")
async def none_is_assigned(ctx: OrchestrationContext) -> JsonValue:
    n = ctx.get_input()
    if n > 1:
        x = None
    try:
        return {"x": x}
    except UnboundLocalError:
        return "unbound"


@orchestrator(name="AssignedInWhile")
async def assigned_in_while(ctx: OrchestrationContext) -> JsonValue:
    n = ctx.get_input()
    while n < 100:
        n = n * 2
        found = n
    try:
        return found
    except UnboundLocalError:
        return "never doubled"


@orchestrator(name="AugmentedUnassigned")
async def augmented_unassigned(ctx: OrchestrationContext) -> JsonValue:
    n = ctx.get_input()
    if n > 1:
        total = 0
    try:
        total += 1
        return total
    except UnboundLocalError as e:
        return str(e)


@pytest.mark.parametrize("n", [3, 0])
def test_a_read_in_an_uncaught_path_fails_with_pythons_error(n: int) -> None:
    result = both(assigned_in_if, n, error_name=False)
    if n == 0:
        assert result.error == "UnboundLocalError"
        assert result.cause == "cannot access local variable 'x' where it is not associated with a value"


@pytest.mark.parametrize(
    ("orch", "n", "expected"),
    [
        (caught_unbound, 3, 7),
        (caught_unbound, 0, "unbound"),
        (caught_as_name_error, 5, [5]),
        (caught_as_name_error, 0, "cannot access local variable 'y' where it is not associated with a value"),
        (caught_as_exception, 2, "big!"),
        (
            caught_as_exception,
            1,
            "UnboundLocalError: cannot access local variable 'label' where it is not associated with a value",
        ),
        (none_is_assigned, 2, {"x": None}),
        (none_is_assigned, 0, "unbound"),
        (augmented_unassigned, 2, 1),
        (
            augmented_unassigned,
            0,
            "cannot access local variable 'total' where it is not associated with a value",
        ),
        (assigned_in_while, 1, 128),
        (assigned_in_while, 100, "never doubled"),
    ],
)
def test_an_unassigned_read_is_caught_as_python_catches_it(orch: Any, n: int, expected: JsonValue) -> None:
    assert both(orch, n).output == expected


@pytest.mark.parametrize(
    ("items", "expected"),
    [([1, 2], [4, 2]), ([], "cannot access local variable 'last' where it is not associated with a value")],
)
def test_a_loop_that_runs_zero_times_assigns_nothing(items: list[int], expected: JsonValue) -> None:
    assert both(last_of_loop, items).output == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(4, [4, 4]), (-1, "cannot access local variable 'checked' where it is not associated with a value")],
)
def test_an_assignment_in_a_try_body_is_not_certain_after_its_handler(n: int, expected: JsonValue) -> None:
    assert both(assigned_in_try, n).output == expected


HEADER = """\
from durable_sfn import OrchestrationContext, orchestrator


@orchestrator(name="Certain")
async def certain(ctx: OrchestrationContext):
    n = ctx.get_input()
"""


@pytest.mark.parametrize(
    "body",
    [
        "if n > 1:\n    x = 1\nelse:\n    x = 2\nreturn x",
        "if n > 1:\n    return 0\nx = n\nreturn x",
        "if n > 1:\n    x = 1\nelse:\n    raise ValueError('small')\nreturn x",
        "try:\n    x = n + 1\nexcept ValueError:\n    x = 0\nreturn x",
        "try:\n    x = n + 1\nexcept ValueError:\n    return 0\nreturn x",
        "while True:\n    x = n\n    if x:\n        break\nreturn x",
        "for i in n:\n    x = i\n    return x\nreturn 0",
        "x = None\nif n:\n    x = 1\nreturn x",
        "x = 0\nfor i in n:\n    x += i\nreturn x",
    ],
)
def test_reads_every_path_assigns_compile_without_the_check(body: str) -> None:
    definition = compile_source(HEADER + textwrap.indent(body, "    "), "certain.py")["Certain"]
    assert "UnboundLocalError" not in json.dumps(definition)


@pytest.mark.parametrize(
    "body",
    [
        "if n > 1:\n    x = 1\nelif n > 0:\n    x = 2\nreturn x",
        "try:\n    x = n + 1\nexcept ValueError:\n    pass\nreturn x",
        "while n:\n    x = n\n    n = n - 1\nreturn x",
        "for i in n:\n    if i:\n        x = i\n        break\nreturn x",
        "try:\n    x = n + 1\nfinally:\n    n = x\nreturn n",
    ],
)
def test_reads_some_path_leaves_unassigned_compile_with_the_check(body: str) -> None:
    definition = compile_source(HEADER + textwrap.indent(body, "    "), "maybe.py")["Certain"]
    assert "UnboundLocalError" in json.dumps(definition)


# -- functions compiled in place: task_all branches and helpers --------------------------------


@orchestrator(name="BranchReadsUnassigned")
async def branch_reads_unassigned(ctx: OrchestrationContext) -> JsonValue:
    items = ctx.get_input()

    async def one(n: int) -> JsonValue:
        if n > 1:
            x = await ctx.call_activity(double, n)
        try:
            return x
        except UnboundLocalError as e:
            return str(e)

    return await ctx.task_all([one(n) for n in items])


@orchestrator(name="BranchLocalShadowsOuter")
async def branch_local_shadows_outer(ctx: OrchestrationContext) -> JsonValue:
    items = ctx.get_input()
    x = 100

    async def one(n: int) -> JsonValue:
        if n > 1:
            x = n * 3
        try:
            return x  # the function's own x: unassigned for n <= 1, never the outer 100
        except UnboundLocalError:
            return "unbound"

    results = await ctx.task_all([one(n) for n in items])
    return [x, results]


async def awaited_helper(ctx: OrchestrationContext, n: int) -> JsonValue:
    if n > 1:
        y = await ctx.call_activity(double, n)
    return y


@orchestrator(name="ExpandedHelperReadsUnassigned")
async def expanded_helper_reads_unassigned(ctx: OrchestrationContext) -> JsonValue:
    n = ctx.get_input()
    try:
        r = await awaited_helper(ctx, n)
    except UnboundLocalError as e:
        r = str(e)
    return r


def label(n: int) -> str:
    if n > 1:
        z = "big"
    return z


@orchestrator(name="InlineHelperReadsUnassigned")
async def inline_helper_reads_unassigned(ctx: OrchestrationContext) -> JsonValue:
    n = ctx.get_input()
    z = "outer"
    try:
        r = label(n)  # the helper's own z: unassigned for n <= 1, never the caller's "outer"
    except UnboundLocalError as e:
        r = str(e)
    return [r, z]


@pytest.mark.parametrize(
    ("orch", "value"),
    [
        (branch_reads_unassigned, [1, 2]),
        (branch_local_shadows_outer, [1, 2]),
        (expanded_helper_reads_unassigned, 0),
        (expanded_helper_reads_unassigned, 3),
        (inline_helper_reads_unassigned, 0),
        (inline_helper_reads_unassigned, 3),
    ],
)
def test_functions_compiled_in_place_raise_unbound_local_error(orch: Any, value: Any) -> None:
    both(orch, value)


def test_the_unbound_message_names_the_helpers_own_variable() -> None:
    assert both(expanded_helper_reads_unassigned, 0).output == (
        "cannot access local variable 'y' where it is not associated with a value"
    )
    assert both(branch_local_shadows_outer, [1, 2]).output == [100, ["unbound", 6]]


@orchestrator(name="FreeVariableReads")
async def free_variable_reads(ctx: OrchestrationContext) -> JsonValue:
    """A nested scope (a comprehension in Python 3.11, a generator expression) reading
    a local the function has not assigned: NameError ("free variable"), which `except
    UnboundLocalError` does not catch; with no item to read it, no error at all."""
    xs = ctx.get_input()
    out: list[JsonValue] = []
    if len(xs) > 5:
        factor = 2
        offset = 3
    try:
        scaled = [x * factor for x in xs]
        out.append(scaled)
    except UnboundLocalError:
        out.append("unbound")
    except NameError as e:
        out.append(str(e))
    try:
        out.append(sum(x + offset for x in xs))
    except NameError as e:
        out.append(type(e).__name__ + ": " + str(e))
    return out


@pytest.mark.parametrize("value", [[1, 2], []])
def test_a_nested_scope_reading_an_unassigned_local_raises_name_error(value: list[int]) -> None:
    out = both(free_variable_reads, value).output
    if value:
        assert (
            out[0]
            == "cannot access free variable 'factor' where it is not associated with a value in enclosing scope"
        )
    else:
        assert out == [[], 0]
