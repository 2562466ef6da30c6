"""Entities the tests host: one per way of declaring operations, plus a log for ordering."""

from __future__ import annotations

from typing import Any

from durable_sfn.entities import EntityContext, entity


class InsufficientFunds(Exception):
    pass


@entity(name="Counter", operations=("add", "get", "reset", "add_then_fail"))
def counter(ctx: EntityContext) -> None:
    value = ctx.get_state(lambda: 0)
    if ctx.operation_name == "add":
        value += ctx.get_input()
        ctx.set_state(value)
    elif ctx.operation_name == "reset":
        ctx.destruct_on_exit()
    elif ctx.operation_name == "add_then_fail":
        ctx.set_state(value + 1000)
        raise ValueError("refused after changing the state")
    ctx.set_result(value)


@entity(name="Account")
def account(ctx: EntityContext) -> None:
    """Dispatches itself: no `operations=`, so the fall-through raises UnknownOperationError."""
    balance: int = ctx.get_state(lambda: 0)
    amount: Any = ctx.get_input()
    match ctx.operation_name:
        case "deposit":
            ctx.set_state(balance + amount)
        case "withdraw":
            if amount > balance:
                raise InsufficientFunds(f"balance {balance} is less than {amount}")
            ctx.set_state(balance - amount)
        case "balance":
            pass
        case "close":
            ctx.destruct_on_exit()
        case _:
            raise ctx.unknown_operation()
    ctx.set_result(ctx.get_state(lambda: 0))


@entity(name="Journal", operations=("append", "entries"))
def journal(ctx: EntityContext) -> None:
    entries: list[Any] = ctx.get_state(list)
    if ctx.operation_name == "append":
        ctx.set_state([*entries, ctx.get_input()])
    ctx.set_result(len(entries) + (ctx.operation_name == "append"))


ALL = [counter, account, journal]
