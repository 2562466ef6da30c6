from durable_sfn import JsonValue, OrchestrationContext, orchestrator


@orchestrator(name="TaskAllMisuse")
async def task_all_misuse(ctx: OrchestrationContext) -> list[JsonValue]:
    items = ctx.get_input()

    async def branch(item: dict[str, JsonValue]) -> dict[str, JsonValue]:
        ctx.set_custom_status("inside")
        return item

    first = await ctx.task_all([branch(i) for i in items])
    second = await ctx.task_all(items)
    third = (await ctx.call_activity("A", 1)) + 1
    return [first, second, third]


# expect: DSF013 9:9 call it in the orchestrator body
# expect: DSF012 13:33 task_all needs a list of ctx calls
# expect: DSF016 14:14 await is only supported as a whole statement
