"""Orchestrators that once compiled and then behaved differently from their Python: each now runs
the same direct (`run_direct`) and compiled on the local engine (`run_local`), or is refused at
its source line.

Each test runs both and compares status, output, error, cause, custom status and activity calls.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.testing import ExecutionResult, run_direct, run_local


def both(orch: Any, input: Any = None, *, concurrent: bool = False, **kwargs: Any) -> ExecutionResult:
    """Run direct and compiled; assert they agree and return the direct result. Activity calls of
    `concurrent` branches are compared as a multiset (their order is not defined)."""
    direct = run_direct(orch, input, **kwargs)
    compiled = run_local(orch, input, **kwargs)
    assert (compiled.status, compiled.output, compiled.error, compiled.cause) == (
        direct.status,
        direct.output,
        direct.error,
        direct.cause,
    )
    assert compiled.custom_status == direct.custom_status
    if concurrent:
        assert compiled.activity_call_counts() == direct.activity_call_counts()
    else:
        assert compiled.activity_calls == direct.activity_calls
    return direct


# -- an activity or sub-orchestration called without input receives None ---------------------------


@activity(name="Echo")
def echo(value: JsonValue) -> JsonValue:
    return {"received": value}


@orchestrator(name="NoInputChild")
async def no_input_child(ctx: OrchestrationContext) -> JsonValue:
    return {"child input": ctx.get_input()}


@orchestrator(name="CallsWithoutInput")
async def calls_without_input(ctx: OrchestrationContext) -> JsonValue:
    first = await ctx.call_activity(echo)
    child = await ctx.call_sub_orchestrator(no_input_child)
    return [first, child]


def test_calls_without_input_receive_none() -> None:
    result = both(calls_without_input)
    assert result.output == [{"received": None}, {"child input": None}]
    assert [call.input for call in result.activity_calls] == [None]


# -- a task created and never awaited is refused where it is created ------------------------------

REFUSAL_HEADER = """\
from durable_sfn import OrchestrationContext, activity, orchestrator


@activity(name="BookHotel")
def book_hotel(request):
    return {"Id": request}


@orchestrator(name="Trip")
async def trip(ctx: OrchestrationContext):
    request = ctx.get_input()
"""
CREATED_AT = REFUSAL_HEADER.count("\n") + 1  # the line of the first body statement below


def refusals(body: str) -> list[tuple[str, int, str]]:
    with pytest.raises(CompileError) as info:
        compile_source(REFUSAL_HEADER + textwrap.indent(textwrap.dedent(body), "    "), "trip.py")
    return [(d.code, d.line, d.message) for d in info.value.diagnostics]


@pytest.mark.parametrize(
    ("body", "code", "says"),
    [
        ('hotel = ctx.call_activity(book_hotel, request)\nreturn hotel["Id"]', "DSF028", "used as a value"),
        ("hotel = ctx.call_activity(book_hotel, request)\nreturn hotel", "DSF028", "used as a value"),
        ("hotel = ctx.call_activity(book_hotel, request)\nreturn 1", "DSF028", "never awaited"),
        (
            "hotel = ctx.call_activity(book_hotel, request)\nother = await ctx.call_activity(book_hotel, hotel)",
            "DSF028",
            "used as a value",
        ),
        ("hotel = ctx.call_activity(book_hotel, request)\nhotel = 1", "DSF028", "replaced"),
        (
            "hotel = ctx.call_activity(book_hotel, request)\nwhile request:\n    r = await hotel",
            "DSF028",
            "nested block",
        ),
        ("ctx.call_activity(book_hotel, request)", "DSF005", "must be awaited"),
        (
            "hotel = ctx.call_activity(book_hotel, request)\nrequest = 2\nr = await hotel",
            "DSF029",
            "read request, which changes",
        ),
        (
            "hotel = ctx.call_activity(book_hotel, request['k'])\n"
            "ctx.set_custom_status('x')\nr = await hotel",
            "DSF029",
            "may fail",
        ),
    ],
)
def test_a_task_that_is_not_awaited_is_refused_where_it_is_created(body: str, code: str, says: str) -> None:
    found = refusals(body)
    assert any(c == code and line == CREATED_AT and says in message for c, line, message in found), found


@orchestrator(name="DeferredTasks")
async def deferred_tasks(ctx: OrchestrationContext) -> JsonValue:
    first = ctx.call_activity(echo, 1)
    second = ctx.call_activity(echo, 2)
    both_tasks = [first, second]
    pair = await ctx.task_all(both_tasks)
    third = ctx.call_activity(echo, 3)
    ctx.set_custom_status("third created")
    last = await third
    return [pair, last]


def test_tasks_awaited_later_in_their_block_run_alike() -> None:
    result = both(deferred_tasks, concurrent=True)
    assert result.output == [[{"received": 1}, {"received": 2}], {"received": 3}]


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
