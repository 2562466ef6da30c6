"""Orchestrators that once compiled and then behaved differently from their Python: each now runs
the same direct (`run_direct`) and compiled on the local engine (`run_local`), or is refused at
its source line.

Each test runs both and compares status, output, error, cause, custom status and activity calls.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, OrchestrationError, activity, orchestrator
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.entities import EntityContext, EntityId, entity
from durable_sfn.testing import ExecutionResult, run_direct, run_local


def both(
    orch: Any, input: Any = None, *, concurrent: bool = False, error_name: bool = True, **kwargs: Any
) -> ExecutionResult:
    """Run direct and compiled; assert they agree and return the direct result. Activity calls of
    `concurrent` branches are compared as a multiset (their order is not defined). Without
    `error_name`, a failed run's error and cause are not compared: an expression error no `try`
    catches fails a compiled run as States.QueryEvaluationError (the expression rules name it)."""
    direct = run_direct(orch, input, **kwargs)
    compiled = run_local(orch, input, **kwargs)
    if error_name:
        assert (compiled.error, cause(compiled)) == (direct.error, cause(direct))
    assert (compiled.status, compiled.output) == (direct.status, direct.output)
    assert compiled.custom_status == direct.custom_status
    if concurrent:
        assert compiled.activity_call_counts() == direct.activity_call_counts()
    else:
        assert compiled.activity_calls == direct.activity_calls
    return direct


def cause(result: ExecutionResult) -> Any:
    """The Cause, with a Lambda error reduced to its type and message (the request id and the
    stack trace differ from run to run)."""
    try:
        parsed = json.loads(result.cause or "")
    except ValueError:
        return result.cause
    if isinstance(parsed, dict) and "errorType" in parsed:
        return {"errorType": parsed["errorType"], "errorMessage": parsed.get("errorMessage")}
    return result.cause


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


# -- a sub-orchestration fails with the child's error -------------------------------------------


class BookingFailed(Exception):
    pass


class RoomTaken(BookingFailed):
    pass


@activity(name="Reserve")
def reserve(request: JsonValue) -> JsonValue:
    if request == "taken":
        raise RoomTaken(f"room {request} is gone")
    return {"reserved": request}


@orchestrator(name="BookRoom")
async def book_room(ctx: OrchestrationContext) -> JsonValue:
    request = ctx.get_input()
    if request == "none":
        raise BookingFailed("no rooms at all")
    return await ctx.call_activity(reserve, request)


@orchestrator(name="Travel")
async def travel(ctx: OrchestrationContext) -> JsonValue:
    request = ctx.get_input()
    try:
        room = await ctx.call_sub_orchestrator(book_room, request)
        return {"room": room}
    except RoomTaken as e:
        return {"taken": e.error, "message": e.message, "text": str(e)}  # type: ignore[attr-defined]
    except BookingFailed as e:
        await ctx.call_activity(echo, "compensate")
        return {"failed": e.error, "cause": e.cause, "text": f"{e}"}  # type: ignore[attr-defined]


@orchestrator(name="TravelUncaught")
async def travel_uncaught(ctx: OrchestrationContext) -> JsonValue:
    return await ctx.call_sub_orchestrator(book_room, ctx.get_input())


@orchestrator(name="TravelInBranches")
async def travel_in_branches(ctx: OrchestrationContext) -> JsonValue:
    requests = ctx.get_input()
    try:
        rooms = await ctx.task_all([ctx.call_sub_orchestrator(book_room, r) for r in requests])
        return {"rooms": rooms}
    except Exception as e:
        return {"error": e.error, "text": str(e)}  # type: ignore[attr-defined]


@pytest.mark.parametrize("request_", ["ok", "taken", "none"])
def test_a_child_failure_is_the_child_error_in_the_parent(request_: str) -> None:
    outputs = {
        "ok": {"room": {"reserved": "ok"}},
        "taken": {"taken": "RoomTaken", "message": "room taken is gone", "text": "room taken is gone"},
        "none": {"failed": "BookingFailed", "cause": "no rooms at all", "text": "no rooms at all"},
    }
    assert both(travel, request_).output == outputs[request_]


def test_an_uncaught_child_failure_fails_the_parent_with_the_child_error() -> None:
    result = both(travel_uncaught, "none")
    assert (result.status, result.error, result.cause) == ("FAILED", "BookingFailed", "no rooms at all")
    taken = both(travel_uncaught, "taken")
    assert (taken.status, taken.error) == ("FAILED", "RoomTaken")


def test_a_child_failure_in_a_fan_out_is_the_child_error() -> None:
    # One failing child only: which sibling calls run before a fan-out fails is a race in
    # Step Functions (the direct run cancels them at once).
    result = both(travel_in_branches, ["none"])
    assert result.output == {"error": "BookingFailed", "text": "no rooms at all"}
    assert both(travel_in_branches, ["ok", "ok"], concurrent=True).output == {
        "rooms": [{"reserved": "ok"}, {"reserved": "ok"}]
    }


# -- the message of a caught error: str(e), f"{e}", e.message ------------------------------------


@activity(name="Charge")
def charge(amount: JsonValue) -> JsonValue:
    if isinstance(amount, int) and amount > 100:
        raise ValueError(f'amount {amount} is over the "limit"\nof 100')
    return amount


class ChargeRefused(OrchestrationError):
    pass


@orchestrator(name="ChargeMessages")
async def charge_messages(ctx: OrchestrationContext) -> JsonValue:
    amount = ctx.get_input()
    try:
        if amount == 0:
            raise ChargeRefused("zero")
        if amount == -1:
            await ctx.wait_for_external_event("Never", timeout=5)
        await ctx.call_activity(charge, amount)
        return "charged"
    except TimeoutError as e:
        return {"error": e.error, "str": str(e), "message": e.message}  # type: ignore[attr-defined]
    except Exception as e:
        ctx.set_custom_status(f"failed: {e}")
        return {"error": e.error, "str": str(e), "f": f"<{e!s}>", "message": e.message}  # type: ignore[attr-defined]


@pytest.mark.parametrize("amount", [5, 500, 0, -1])
def test_the_message_of_a_caught_error_is_the_same_in_both_runs(amount: int) -> None:
    result = both(charge_messages, amount)
    if amount == 500:
        message = 'amount 500 is over the "limit"\nof 100'
        assert result.output == {
            "error": "ValueError",
            "str": message,
            "f": f"<{message}>",
            "message": message,
        }


@orchestrator(name="KeyMessages")
async def key_messages(ctx: OrchestrationContext) -> JsonValue:
    try:
        raise KeyError("zero")
    except LookupError as e:
        return {"text": str(e), "f": f"{e}"}


def test_str_of_a_key_error_is_the_repr_of_its_key() -> None:
    assert both(key_messages).output == {"text": "'zero'", "f": "'zero'"}


@orchestrator(name="OwnErrorAttributes")
async def own_error_attributes(ctx: OrchestrationContext) -> JsonValue:
    try:
        try:
            raise ValueError("no")
        except Exception as e:
            return e.message  # type: ignore[attr-defined]
    except AttributeError as outer:
        return str(outer)


def test_error_attributes_of_an_error_raised_in_the_orchestrator_fail_as_in_python() -> None:
    assert both(own_error_attributes).output == "'ValueError' object has no attribute 'message'"


# -- an expression that fails inside a try is caught by that try ----------------------------------


@orchestrator(name="ParseOrKeep")
async def parse_or_keep(ctx: OrchestrationContext) -> JsonValue:
    text = ctx.get_input()
    try:
        data = json.loads(text)
    except Exception:
        data = {"raw": text}
    return data


@orchestrator(name="FallibleInTry")
async def fallible_in_try(ctx: OrchestrationContext) -> JsonValue:
    order = ctx.get_input()
    notes = []
    try:
        if order["amount"] > 100:  # a condition
            notes.append("large")
        for item in order["items"]:  # the items of a loop
            notes.append(item)
        await ctx.call_activity(echo, order["customer"])  # a task's arguments
        ctx.set_custom_status(f"for {order['customer']}")  # a custom status
        if order["amount"] < 0:
            raise ValueError(f"negative for {order['name']}")  # a raise's message
        return {"notes": notes, "total": order["amount"] * order["rate"]}  # a return value
    except Exception:
        return {"notes": notes, "failed": True}


@orchestrator(name="FallibleAfterTry")
async def fallible_after_try(ctx: OrchestrationContext) -> JsonValue:
    order = ctx.get_input()
    try:
        result = await ctx.call_activity(echo, order)
    except Exception:
        return "caught"
    return result["received"]["missing"]  # outside the try: not caught


PARSE_INPUTS = ['{"a": 1}', "not json", ""]
ORDERS: list[JsonValue] = [
    {"amount": 150, "items": ["a"], "customer": "c", "rate": 2, "name": "n"},
    {"items": ["a"]},
    {"amount": 5, "items": [], "customer": None},
    {"amount": 5, "items": [], "customer": "c"},
    {"amount": -1, "items": [], "customer": "c", "rate": 1},
    {"amount": 5, "items": [], "customer": "c", "rate": None},
]


@pytest.mark.parametrize("text", PARSE_INPUTS)
def test_json_loads_that_fails_inside_try_runs_the_handler(text: str) -> None:
    assert both(parse_or_keep, text).output == (json.loads(text) if text.startswith("{") else {"raw": text})


@pytest.mark.parametrize("order", ORDERS, ids=range(len(ORDERS)))
def test_every_fallible_expression_inside_try_is_caught(order: JsonValue) -> None:
    both(fallible_in_try, order)


def test_an_expression_after_the_try_is_not_caught_by_it() -> None:
    result = both(fallible_after_try, {"x": 1}, error_name=False)
    assert result.status == "FAILED"


# -- one orchestration's operations on one entity apply in the order it issued them ---------------


@entity(name="Tally", operations=("add", "get"))
def tally(ctx: EntityContext) -> None:
    value = ctx.get_state(lambda: 0)
    if ctx.operation_name == "add":
        ctx.set_state(value + ctx.get_input())
    else:
        ctx.set_result(value)


@orchestrator(name="SignalThenCall")
async def signal_then_call(ctx: OrchestrationContext) -> JsonValue:
    key = ctx.get_input()

    async def add_in_branch(key: str, n: int) -> None:
        ctx.signal_entity(EntityId("Tally", key), "add", n)

    ctx.signal_entity(EntityId("Tally", key), "add", 3)
    ctx.signal_entity(EntityId("Tally", key), "add", 4)
    first = await ctx.call_entity(EntityId("Tally", key), "get")
    await ctx.task_all([add_in_branch(key, n) for n in [10, 20]])
    second = await ctx.call_entity(EntityId("Tally", key), "get")
    return [first, second]


def test_a_call_after_signals_sees_them_applied() -> None:
    assert both(signal_then_call, "k1").output == [7, 37]


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
