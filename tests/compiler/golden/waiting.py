"""External events with a timeout, sub-orchestrations and continue_as_new."""

from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


@activity(name="RequestApproval")
def request_approval(request: dict[str, JsonValue]) -> None:
    return None


@activity(name="Escalate")
def escalate(request: dict[str, str]) -> str:
    return "escalated " + request["id"]


@orchestrator(name="ApprovalWorkflow")
async def approval_workflow(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    request = ctx.get_input()
    await ctx.call_activity(request_approval, request)
    ctx.set_custom_status("Waiting for approval")
    try:
        decision = await ctx.wait_for_external_event("Approval", timeout=timedelta(hours=1))
    except TimeoutError:
        note = await ctx.call_activity(escalate, request)
        return {"approved": False, "note": note}
    return {"approved": decision["approved"], "note": "decided"}


@orchestrator(name="ParentWorkflow")
async def parent_workflow(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    request = ctx.get_input()
    child = await ctx.call_sub_orchestrator(approval_workflow, request)
    return {"child": child, "parent": ctx.instance_id != ""}


@orchestrator(name="Countdown")
async def countdown(ctx: OrchestrationContext, n: int) -> int:
    await ctx.create_timer(timedelta(minutes=1))
    if n > 0:
        ctx.continue_as_new(n - 1)
        return 0
    return n


@orchestrator(name="Greeter")
async def greeter(ctx: OrchestrationContext, name: str) -> str:
    return f"hello {name}"


@orchestrator(name="GreetAll")
async def greet_all(ctx: OrchestrationContext) -> list[JsonValue]:
    names = ctx.get_input()

    async def greet(name: str) -> JsonValue:
        return await ctx.call_sub_orchestrator(greeter, name)

    return await ctx.task_all([greet(n) for n in names])


@orchestrator(name="Stamp")
async def stamp(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    """The time read after a timer is the time after it, not when the timer started."""
    await ctx.create_timer(timedelta(hours=1))
    return {"at": ctx.current_utc_datetime}
