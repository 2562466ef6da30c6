"""What names from elsewhere cost: state transitions of dispatch tables, os.environ reads,
EntityId variables and filtered retries against the code they replace.

Each pair runs on the local engine (virtual clock) and counts the states entered (what Step
Functions bills); the direct run is checked to give the same output.

    python -m benchmarks names_transitions
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from durable_sfn.entities import EntityContext, EntityId, entity
from durable_sfn.testing import run_direct, run_local
from tests.compiler.app_config.booking_steps import COMPENSATIONS, cancel_flight, cancel_hotel
from tests.compiler.app_config.document_stages import STAGES, archive, classify, extract_text


@entity(name="NamesBenchCounter", operations=("add", "get"))
def counter(ctx: EntityContext) -> None:
    value = ctx.get_state(lambda: 0)
    if ctx.operation_name == "add":
        ctx.set_state(value + ctx.get_input())
    else:
        ctx.set_result(value)


@orchestrator(name="NamesBenchDispatch")
async def dispatch(ctx: OrchestrationContext) -> JsonValue:
    done = []
    for step in ctx.get_input():
        result = await ctx.call_activity(COMPENSATIONS[step], step)
        done.append(result)
    return done


@orchestrator(name="NamesBenchIfChain")
async def if_chain(ctx: OrchestrationContext) -> JsonValue:
    done = []
    for step in ctx.get_input():
        if step == "flight":
            result = await ctx.call_activity(cancel_flight, step)
        else:
            result = await ctx.call_activity(cancel_hotel, step)
        done.append(result)
    return done


@orchestrator(name="NamesBenchStagesLoop")
async def stages_loop(ctx: OrchestrationContext) -> JsonValue:
    doc = ctx.get_input()
    for stage in STAGES:
        doc = await ctx.call_activity(stage, doc)
    return doc


@orchestrator(name="NamesBenchStagesWritten")
async def stages_written(ctx: OrchestrationContext) -> JsonValue:
    doc = ctx.get_input()
    doc = await ctx.call_activity(extract_text, doc)
    doc = await ctx.call_activity(classify, doc)
    return await ctx.call_activity(archive, doc)


@orchestrator(name="NamesBenchEnvironment")
async def environment(ctx: OrchestrationContext) -> JsonValue:
    table = os.environ["NAMES_BENCH_TABLE"]
    mode = os.environ.get("NAMES_BENCH_MODE", "fast")
    return {"table": table, "mode": mode, "input": ctx.get_input()}


@orchestrator(name="NamesBenchLiterals")
async def literals(ctx: OrchestrationContext) -> JsonValue:
    table = "orders"
    mode = "fast"
    return {"table": table, "mode": mode, "input": ctx.get_input()}


@orchestrator(name="NamesBenchEntityHeld")
async def entity_held(ctx: OrchestrationContext) -> JsonValue:
    tally = EntityId("NamesBenchCounter", ctx.get_input())
    ctx.signal_entity(tally, "add", 2)
    return await ctx.call_entity(tally, "get")


@orchestrator(name="NamesBenchEntityInPlace")
async def entity_in_place(ctx: OrchestrationContext) -> JsonValue:
    key = ctx.get_input()
    ctx.signal_entity(EntityId("NamesBenchCounter", key), "add", 2)
    return await ctx.call_entity(EntityId("NamesBenchCounter", key), "get")


PAIRS: list[tuple[str, Callable[..., Any], Callable[..., Any], Any]] = [
    ("dispatch table in a loop (2 calls)", dispatch, if_chain, ["flight", "hotel"]),
    ("loop over a list of 3 activities", stages_loop, stages_written, {"name": "a", "pages": ["total"]}),
    ("os.environ reads (required + default)", environment, literals, "x"),
    ("EntityId held in a variable", entity_held, entity_in_place, "k"),
]


def main() -> None:
    os.environ["NAMES_BENCH_TABLE"] = "orders"
    os.environ.pop("NAMES_BENCH_MODE", None)
    print(f"{'construct':40s} {'states':>6s} {'replaced':>8s} {'extra':>5s}")
    for label, construct, replaced, value in PAIRS:
        results = [
            run_local(orch, f"{value}-{i}" if isinstance(value, str) else value)
            for i, orch in enumerate((construct, replaced))
        ]
        direct = run_direct(construct, f"{value}-0" if isinstance(value, str) else value)
        assert direct.output == results[0].output, (label, direct.output, results[0].output)
        used, baseline = (len(r.path) for r in results)
        print(f"{label:40s} {used:6d} {baseline:8d} {used - baseline:+5d}")


if __name__ == "__main__":
    main()
