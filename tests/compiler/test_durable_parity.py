"""Durable Functions' orchestration API (azure-functions-durable and durabletask spellings):
what has no compiled form is refused at its line with a hint that shows the spelling that works
(docs/durable-parity.md), and an EntityId held in a variable compiles when its name is known."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.compiler.frontend import durable_api
from durable_sfn.entities import EntityContext, EntityId, entity
from durable_sfn.testing import run_direct, run_local

PARITY_DOC = Path(__file__).parents[2] / "docs" / "durable-parity.md"

PREAMBLE = """\
import logging
from datetime import timedelta

from durable_sfn import OrchestrationContext, RetryOptions, activity, orchestrator
from durable_sfn.entities import EntityId


@activity(name="Step")
def step(x):
    return x


@orchestrator(name="Parity")
async def parity(ctx: OrchestrationContext):
"""

# Each refused API, written as a Durable user writes it, and what the hint must show.
REFUSED = {
    "parent_instance_id": ("return ctx.parent_instance_id", "ctx.instance_id"),
    "custom_status": ("return ctx.custom_status", "ctx.set_custom_status(value)"),
    "histories": ("return ctx.histories", "durable-sfn history"),
    "function_context": ("return ctx.function_context", "input"),
    "will_continue_as_new": ("return ctx.will_continue_as_new", "ctx.continue_as_new(...)"),
    "version": ("return ctx.version", "new version"),
    "new_guid": ("return str(ctx.new_guid())", "ctx.new_uuid()"),
    "create_replay_safe_logger": (
        "log = ctx.create_replay_safe_logger(logging.getLogger())\nreturn None",
        "logger.info(...)",
    ),
    "lock_entities": ("await ctx.lock_entities([EntityId('Cart', 'k')])\nreturn None", "one by one"),
    "retry_policy": (
        "return await ctx.call_activity(step, input=1, retry_policy=RetryOptions(timedelta(seconds=1), 2))",
        "ctx.call_activity_with_retry(activity, RetryOptions(...), input)",
    ),
    "version=": ("return await ctx.call_sub_orchestrator(parity, 1, version='2')", "leave version= out"),
    "save_events": ("ctx.continue_as_new(1, save_events=True)", "leave save_events= out"),
    "signal_time": (
        "ctx.signal_entity(EntityId('Cart', 'k'), 'add', 1, signal_time=ctx.current_utc_datetime)",
        "await ctx.create_timer(when)",
    ),
    "tags": ("return await ctx.call_activity(step, 1, tags={'team': 'a'})", "leave tags= out"),
    "first_retry_interval_in_milliseconds": (
        "r = RetryOptions(first_retry_interval_in_milliseconds=5000, max_number_of_attempts=3)\n"
        "return await ctx.call_activity_with_retry(step, r, 1)",
        "timedelta(milliseconds=5000)",
    ),
    "retry_timeout": (
        "r = RetryOptions(timedelta(seconds=1), 3, retry_timeout=timedelta(minutes=1))\n"
        "return await ctx.call_activity_with_retry(step, r, 1)",
        "max_number_of_attempts",
    ),
    "new_input": ("ctx.continue_as_new(new_input=1)", "ctx.continue_as_new(value)"),
    "custom_status=": ("ctx.set_custom_status(custom_status='a')\nreturn 1", "ctx.set_custom_status(value)"),
    "status": ("ctx.set_custom_status(status='a')\nreturn 1", "ctx.set_custom_status(value)"),
    "entityId": (
        "return await ctx.call_entity(entityId=EntityId('Cart', 'k'), operationName='get')",
        "positionally",
    ),
    "operationName": (
        "return await ctx.call_entity(EntityId('Cart', 'k'), operationName='get')",
        "positionally",
    ),
    "operationInput": (
        "return await ctx.call_entity(EntityId('Cart', 'k'), 'add', operationInput=1)",
        "positionally",
    ),
    "operation_name": ("ctx.signal_entity(EntityId('Cart', 'k'), operation_name='add')", "positionally"),
    "when_all": ("return await task.when_all([ctx.call_activity(step, 1)])", "ctx.task_all([...])"),
    "when_any": ("return await task.when_any([ctx.call_activity(step, 1)])", "ctx.task_any([...])"),
}


@pytest.mark.parametrize("api", sorted(REFUSED))
def test_a_refused_durable_api_is_located_and_its_hint_shows_what_works(api: str, tmp_path: Path) -> None:
    body, spelling = REFUSED[api]
    source = PREAMBLE + textwrap.indent(body, "    ") + "\n"
    with pytest.raises(CompileError) as error:
        compile_source(source, str(tmp_path / "parity.py"))
    diagnostic = error.value.diagnostics[0]
    first_body_line = PREAMBLE.count("\n") + 1
    assert diagnostic.line >= first_body_line, diagnostic
    assert spelling in diagnostic.hint, diagnostic
    assert api.rstrip("=") in diagnostic.message, diagnostic


def test_every_refused_api_is_tested_and_in_the_parity_table() -> None:
    names = {*durable_api.MEMBERS, *durable_api.KEYWORDS, *durable_api.FUNCTIONS}
    assert names == {api.rstrip("=") for api in REFUSED}
    table = PARITY_DOC.read_text(encoding="utf-8")
    for name in names:
        assert re.search(rf"`[^`]*\b{name}\b[^`]*`", table), f"{name} is missing from {PARITY_DOC.name}"


# -- EntityId held in a variable -------------------------------------------------------------------


@entity(name="ParityCounter", operations=("add", "get"))
def counter(ctx: EntityContext) -> None:
    value = ctx.get_state(lambda: 0)
    if ctx.operation_name == "add":
        ctx.set_state(value + ctx.get_input())
    else:
        ctx.set_result(value)


@orchestrator(name="ParityHeldEntity")
async def held_entity(ctx: OrchestrationContext) -> JsonValue:
    request = ctx.get_input()
    target = EntityId("ParityCounter", request["key"])
    for n in request["adds"]:
        ctx.signal_entity(target, "add", n)
    total = await ctx.call_entity(target, "get")
    if total > 10:
        target = EntityId("ParityCounter", request["key"] + "-overflow")
        ctx.signal_entity(target, "add", total)
    final = await ctx.call_entity(target, "get")
    return {"name": target.name, "key": target.key, "total": final}


@pytest.mark.parametrize("request_", [{"key": "a", "adds": [1, 2]}, {"key": "b", "adds": [5, 6, 7]}])
def test_an_entity_id_in_a_variable_runs_alike(request_: JsonValue) -> None:
    direct = run_direct(held_entity, request_)
    compiled = run_local(held_entity, request_)
    assert (compiled.status, compiled.output, compiled.error) == (direct.status, direct.output, direct.error)
    assert direct.status == "SUCCEEDED"


def test_an_entity_name_may_be_a_module_constant_in_place(tmp_path: Path) -> None:
    source = PREAMBLE.replace("@orchestrator", 'CART = "Cart"\n\n\n@orchestrator') + (
        "    return await ctx.call_entity(EntityId(CART, 'k'), 'get')\n"
    )
    definition = compile_source(source, str(tmp_path / "in_place.py"))["Parity"]
    assert any("Cart" in name for name in definition["States"])


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("c = EntityId('Cart', 'k')\nreturn c", "'c' holds an EntityId"),
        ("c = EntityId('Cart', 'k')\nreturn [c]", "'c' holds an EntityId"),
        (
            "n = ctx.get_input()\nc = EntityId(n, 'k')\nreturn await ctx.call_entity(c, 'get')",
            "must be a literal",
        ),
        ("c = EntityId('Cart', 'k')\nc = EntityId('Basket', 'k')\nreturn 1", "different names"),
    ],
)
def test_an_entity_id_whose_name_cannot_be_told_is_refused(body: str, says: str, tmp_path: Path) -> None:
    source = PREAMBLE + textwrap.indent(body, "    ") + "\n"
    with pytest.raises(CompileError) as error:
        compile_source(source, str(tmp_path / "held.py"))
    diagnostic = error.value.diagnostics[0]
    assert diagnostic.code == "DSF027" and says in diagnostic.message and diagnostic.hint


@orchestrator(name="ParityEntityInPlace")
async def entity_in_place(ctx: OrchestrationContext) -> JsonValue:
    key = ctx.get_input()
    ctx.signal_entity(EntityId("ParityCounter", key), "add", 4)
    return await ctx.call_entity(EntityId("ParityCounter", key), "get")


@orchestrator(name="ParityEntityHeld")
async def entity_held(ctx: OrchestrationContext) -> JsonValue:
    tally = EntityId("ParityCounter", ctx.get_input())
    ctx.signal_entity(tally, "add", 4)
    return await ctx.call_entity(tally, "get")


def test_an_entity_id_in_a_variable_costs_no_state() -> None:
    in_place, held = run_local(entity_in_place, "cost-a"), run_local(entity_held, "cost-b")
    assert in_place.output == held.output == 4
    assert len(held.path) == len(in_place.path)
