"""An activity raced against a timer (Durable's "activity with a timeout"), inside a retry loop
and a try: the activity's own failure fails the race and reaches the except clause."""

from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


class QuoteUnavailable(Exception):
    pass


@activity(name="RaceFetchQuote")
def fetch_quote(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    if request["supplier"] == "down":
        raise QuoteUnavailable(f"{request['supplier']} is not answering")
    return {"supplier": request["supplier"], "price": 40 + len(str(request["supplier"]))}


@orchestrator(name="RaceActivityDeadline")
async def race_activity_deadline(ctx: OrchestrationContext) -> JsonValue:
    suppliers = ctx.get_input()["suppliers"]
    quotes = []
    failures = []
    for supplier in suppliers:
        try:
            quote_task = ctx.call_activity(fetch_quote, {"supplier": supplier})
            timer = ctx.create_timer(ctx.current_utc_datetime + timedelta(seconds=30))
            winner = await ctx.task_any([quote_task, timer])
            if winner == quote_task:
                timer.cancel()
                quotes.append(quote_task.result)
            else:
                failures.append(f"{supplier}: timed out")
        except QuoteUnavailable as e:
            failures.append(f"{supplier}: {e}")
    best = min(q["price"] for q in quotes) if quotes else None
    return {"quotes": quotes, "best": best, "failures": failures}


ORCHESTRATOR = race_activity_deadline
CONCURRENT = False
INPUTS: list[JsonValue] = [{"suppliers": ["acme", "down", "globex"]}, {"suppliers": ["down"]}]
