"""The per-customer loyalty balance: a durable entity keyed by the customer's email.

OrderProcessingOrchestration signals `credit` once an order has shipped and the customer was
notified: one point per whole currency unit paid. A signal is the natural fit: the order does not
wait for, or depend on, the balance, and signals from one order arrive in order and exactly once.
Clients read the committed balance with `read_entity_state` (it may lag queued signals).
"""

from __future__ import annotations

from typing import Any

from durable_sfn.entities import EntityContext, entity


def _empty() -> dict[str, Any]:
    return {"Points": 0, "Orders": 0}


@entity(name="LoyaltyBalance", operations=("credit", "balance"))
def loyalty_balance(ctx: EntityContext) -> None:
    """`credit` {"OrderId", "Points"} adds the points of one order; `balance` returns the state."""
    state = ctx.get_state(_empty)
    if ctx.operation_name == "credit":
        credit = ctx.get_input()
        points = int(credit["Points"])
        if points < 0:
            raise ValueError(f"cannot credit {points} points: credits are never negative")
        state = {"Points": state["Points"] + points, "Orders": state["Orders"] + 1}
        ctx.set_state(state)
    ctx.set_result(state)
