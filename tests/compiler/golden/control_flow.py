"""if/elif/else, while with a deadline and timers, sequential for loops, break and continue."""

from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

LIMIT = 10


@activity(name="CheckOperationStatus")
def check_status(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"IsCompleted": request["attempt"] >= request["readyAfter"], "Result": request["attempt"]}


@activity(name="Score")
def score(x: int) -> int:
    return x * 3


@orchestrator(name="Classify")
async def classify(ctx: OrchestrationContext, value: int) -> str:
    if value < 0:
        label = "negative"
    elif value == 0:
        label = "zero"
    elif value > LIMIT:
        label = "large"
    else:
        label = "small"
    ctx.set_custom_status({"label": label})
    return f"{value} is {label}"


@orchestrator(name="PollUntilDone")
async def poll_until_done(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    request = ctx.get_input()
    deadline = ctx.current_utc_datetime + timedelta(minutes=5)
    attempt = 0
    while ctx.current_utc_datetime < deadline:
        status = await ctx.call_activity(
            check_status, {"attempt": attempt, "readyAfter": request["readyAfter"]}
        )
        if status["IsCompleted"]:
            return {"Success": True, "Data": status["Result"], "Attempts": attempt + 1}
        attempt += 1
        await ctx.create_timer(ctx.current_utc_datetime + timedelta(seconds=60))
    return {"Success": False, "ErrorMessage": "Operation timed out", "Attempts": attempt}


@orchestrator(name="SumScores")
async def sum_scores(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    items = ctx.get_input()
    total = 0
    last = None
    scored = []
    for item in items:
        if item == 0:
            continue
        if item > 100:
            break
        last = await ctx.call_activity(score, item)
        total += last
        scored.append(item)
    return {"total": total, "last": last, "scored": scored, "count": len(scored)}


@activity(name="Notify")
def notify(message: str) -> None:
    return None


@orchestrator(name="NotifyEach")
async def notify_each(ctx: OrchestrationContext) -> int:
    """The body keeps its variables to itself: a Map with MaxConcurrency 1, in order."""
    people = ctx.get_input()
    for person in people:
        message = f"Hello {person['name']}"
        await ctx.call_activity(notify, message)
    return len(people)


@orchestrator(name="Reminder")
async def reminder(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    """datetime arithmetic on ctx.current_utc_datetime, Wait with a timestamp and with seconds."""
    start = ctx.current_utc_datetime
    due = start + timedelta(hours=2)
    await ctx.create_timer(due)
    await ctx.create_timer(timedelta(minutes=1, seconds=30))
    waited = ctx.current_utc_datetime - start
    return {
        "due": due.isoformat(),
        "waited_seconds": waited.total_seconds(),
        "late": ctx.current_utc_datetime > due,
    }
