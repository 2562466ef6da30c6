"""Orchestrators that call and signal the sample entities (compiled and run directly alike)."""

from __future__ import annotations

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from durable_sfn.entities import EntityId, UnknownEntityError, UnknownOperationError
from tests.entities.sample_entities import InsufficientFunds, account, counter, journal

__all__ = ["account", "counter", "journal"]  # the entities these orchestrators use, in scope


@orchestrator(name="FanOutIncrements")
async def fan_out_increments(ctx: OrchestrationContext) -> JsonValue:
    """`n` concurrent increments of one counter from a task_all fan-out; returns the final value."""
    data = ctx.get_input()
    key = data["key"]
    await ctx.task_all([ctx.call_entity(EntityId("Counter", key), "add", 1) for _ in range(data["n"])])
    return await ctx.call_entity(EntityId("Counter", key), "get")


@orchestrator(name="IncrementInLoops")
async def increment_in_loops(ctx: OrchestrationContext) -> list[JsonValue]:
    """The same call site in a for loop and a while loop: each iteration is its own operation."""
    key = ctx.get_input()
    seen = []
    for amount in [1, 2, 3]:
        value = await ctx.call_entity(EntityId("Counter", key), "add", amount)
        seen.append(value)
    rounds = 0
    while rounds < 2:
        value = await ctx.call_entity(EntityId("Counter", key), "add", 10)
        seen.append(value)
        rounds += 1
    return seen


@orchestrator(name="SignalInOrder")
async def signal_in_order(ctx: OrchestrationContext) -> str:
    """Signals sent one after another arrive in that order (the journal records them)."""
    key = ctx.get_input()
    for entry in ["first", "second", "third", "fourth"]:
        ctx.signal_entity(EntityId("Journal", key), "append", entry)
    ctx.signal_entity(EntityId("Journal", key), "append", "fifth")
    return "sent"


@orchestrator(name="CatchEntityErrors")
async def catch_entity_errors(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    """An unknown operation and an entity's own error are caught by class name."""
    key = ctx.get_input()
    await ctx.call_entity(EntityId("Account", key), "deposit", 10)
    try:
        await ctx.call_entity(EntityId("Account", key), "transfer", 5)
        unknown = "no error"
    except UnknownOperationError:
        unknown = "UnknownOperationError"
    try:
        await ctx.call_entity(EntityId("Account", key), "withdraw", 50)
        refused = "no error"
    except InsufficientFunds as e:
        refused = e.error  # type: ignore[attr-defined]  # set on every caught failure
    balance = await ctx.call_entity(EntityId("Account", key), "balance")
    return {"unknown": unknown, "refused": refused, "balance": balance}


@orchestrator(name="CloseAccount")
async def close_account(ctx: OrchestrationContext) -> JsonValue:
    """`destruct_on_exit` deletes the entity: a later call starts from the initial state."""
    key = ctx.get_input()
    await ctx.call_entity(EntityId("Account", key), "deposit", 25)
    await ctx.call_entity(EntityId("Account", key), "close")
    return await ctx.call_entity(EntityId("Account", key), "balance")


@orchestrator(name="UncaughtUnknownOperation")
async def uncaught_unknown_operation(ctx: OrchestrationContext) -> None:
    await ctx.call_entity(EntityId("Account", "k"), "multiply", 2)


@orchestrator(name="CallUnknownEntity")
async def call_unknown_entity(ctx: OrchestrationContext) -> str:
    try:
        await ctx.call_entity(EntityId("Ghost", "k"), "get")
    except UnknownEntityError as e:
        return e.error
    return "no error"
