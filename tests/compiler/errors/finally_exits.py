from durable_sfn import OrchestrationContext, orchestrator


@orchestrator(name="FinallyExits")
async def finally_exits(ctx: OrchestrationContext) -> int:
    total = 0
    for item in ctx.get_input():
        try:
            if item < 0:
                break
            total += item
        finally:
            ctx.set_custom_status(total)
    try:
        return total
    finally:
        ctx.set_custom_status("done")


# expect: DSF026 15:9 assign the result to a variable and return it after the try statement
