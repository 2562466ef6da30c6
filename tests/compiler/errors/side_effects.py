import asyncio

from durable_sfn import JsonValue, OrchestrationContext, orchestrator


@orchestrator(name="SideEffects")
async def side_effects(ctx: OrchestrationContext) -> JsonValue:
    input("starting")
    with open("log.txt", "w") as f:
        f.write("x")
    await asyncio.sleep(5)
    data = helper(ctx.get_input())  # type: ignore[name-defined]  # noqa: F821
    return data


# expect: DSF004 8:5 move I/O and other side effects into an activity
# expect: DSF001 9:5 move resource handling into an activity
# expect: DSF005 11:5 only ctx operations can be awaited
# expect: DSF004 12:12 call to 'helper' cannot be compiled
