from durable_sfn import JsonValue, OrchestrationContext, orchestrator


def not_an_activity(x: int) -> int:
    return x


@orchestrator(name="ActivityNames")
async def activity_names(ctx: OrchestrationContext) -> JsonValue:
    a = await ctx.call_activity(not_an_activity, 1)
    b = await ctx.call_activity("not a valid name!", 1)
    c = await ctx.call_activity_with_retry("Fine", options, 1)  # type: ignore[name-defined]  # noqa: F821
    await ctx.create_timer(30)  # type: ignore[arg-type]
    return a + b + c


# expect: DSF011 10:33 'not_an_activity' is not decorated with @activity
# expect: DSF011 11:33 is not a valid activity name
# expect: DSF021 12:52 RetryOptions(timedelta(seconds=5), 3)
# expect: DSF024 13:28 timedelta(seconds=30)
