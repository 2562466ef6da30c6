from durable_sfn import OrchestrationContext, orchestrator

counter = 0


@orchestrator(name="Scopes")
async def scopes(ctx: OrchestrationContext) -> int:
    global counter
    customStatus = "busy"  # noqa: F841
    square = lambda x: x * x  # noqa: E731
    for a, square.value in ctx.get_input():  # type: ignore[attr-defined]  # noqa: B007
        pass
    return square(2)  # type: ignore[no-untyped-call, no-any-return]


# expect: DSF009 8:5 global is not supported
# expect: DSF006 9:5 use ctx.set_custom_status(value)
# expect: DSF008 10:14 use a comprehension
# expect: DSF022 11:12 only names can be unpacked into
# expect: DSF004 13:12 call to 'square' cannot be compiled
