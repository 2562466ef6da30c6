"""What catching expression errors costs: state transitions of the same code outside and inside
`try: ... except Exception:`.

Inside a try, an expression that may fail (a missing key, a type error, bad JSON) must fail where
the try's Catch takes it, as Python's `except` does. A Task, Map or Parallel evaluates its own
fields under its Catch; an assignment that may fail is evaluated by a Map over no items (one
transition, where a Pass would often have folded away: folded into the Assign of the task or
assignment before it, its failure would undo what that state assigned, which the handler may
read), and an `if`/`while` condition, a
`for` loop's items, a return value and a raise message are evaluated that way before the state
that uses them. Each case runs its happy path on the local engine.

    python -m benchmarks try_transitions
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.testing import run_local

ORDER: dict[str, JsonValue] = {"amount": 5, "items": [1, 2, 3], "name": "ada"}


@activity(name="Lookup")
def lookup(key: JsonValue) -> JsonValue:
    return {"price": 7, "key": key}


@orchestrator(name="AssignPlain")
async def assign_plain(ctx: OrchestrationContext) -> JsonValue:
    order = ctx.get_input()
    total = order["amount"] * 2
    label = f"order of {order['name']}"
    return [total, label]


@orchestrator(name="AssignInTry")
async def assign_in_try(ctx: OrchestrationContext) -> JsonValue:
    order = ctx.get_input()
    try:
        total = order["amount"] * 2
        label = f"order of {order['name']}"
    except Exception:
        return None
    return [total, label]


@orchestrator(name="ConditionPlain")
async def condition_plain(ctx: OrchestrationContext) -> JsonValue:
    order = ctx.get_input()
    if order["amount"] > 3:
        return "large"
    return "small"


@orchestrator(name="ConditionInTry")
async def condition_in_try(ctx: OrchestrationContext) -> JsonValue:
    order = ctx.get_input()
    try:
        if order["amount"] > 3:
            return "large"
    except Exception:
        return None
    return "small"


@orchestrator(name="LoopPlain")
async def loop_plain(ctx: OrchestrationContext) -> JsonValue:
    order = ctx.get_input()
    total = 0
    for item in order["items"]:
        total = total + item
    return total


@orchestrator(name="LoopInTry")
async def loop_in_try(ctx: OrchestrationContext) -> JsonValue:
    order = ctx.get_input()
    total = 0
    try:
        for item in order["items"]:
            total = total + item
    except Exception:
        return None
    return total


@orchestrator(name="AfterTaskPlain")
async def after_task_plain(ctx: OrchestrationContext) -> JsonValue:
    order = ctx.get_input()
    found = await ctx.call_activity(lookup, order["name"])
    price = found["price"] * order["amount"]
    return price


@orchestrator(name="AfterTaskInTry")
async def after_task_in_try(ctx: OrchestrationContext) -> JsonValue:
    order = ctx.get_input()
    try:
        found = await ctx.call_activity(lookup, order["name"])
        price = found["price"] * order["amount"]
    except Exception:
        return None
    return price


@orchestrator(name="ReturnPlain")
async def return_plain(ctx: OrchestrationContext) -> JsonValue:
    order = ctx.get_input()
    return order["amount"] + 1


@orchestrator(name="ReturnInTry")
async def return_in_try(ctx: OrchestrationContext) -> JsonValue:
    order = ctx.get_input()
    try:
        return order["amount"] + 1
    except Exception:
        return None


CASES: list[tuple[str, Callable[..., Any], Callable[..., Any]]] = [
    ("two assignments", assign_plain, assign_in_try),
    ("if condition", condition_plain, condition_in_try),
    ("for loop, 3 items", loop_plain, loop_in_try),
    ("task, then an assignment", after_task_plain, after_task_in_try),
    ("return value", return_plain, return_in_try),
]


def transitions(orch: Callable[..., Any]) -> int:
    result = run_local(orch, ORDER)
    assert result.succeeded, (result.error, result.cause)
    return len(result.path)


def main() -> int:
    print(f"{'case':<28}{'outside try':>12}{'inside try':>12}{'extra':>7}")
    for label, plain, guarded in CASES:
        outside, inside = transitions(plain), transitions(guarded)
        print(f"{label:<28}{outside:>12}{inside:>12}{inside - outside:>+7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
