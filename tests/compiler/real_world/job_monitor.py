"""The monitor pattern: poll until done or out of time, with a durable timer between polls and a
log record per poll."""

import logging
from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

logger = logging.getLogger(__name__)
POLL_EVERY = timedelta(minutes=5)


@activity(name="RwJobStatus")
def job_status(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    done = request["poll"] >= request["readyAfter"]
    return {"state": "done" if done else "running", "progress": min(100, request["poll"] * 25)}


@orchestrator(name="RwJobMonitor")
async def job_monitor(ctx: OrchestrationContext) -> JsonValue:
    job = ctx.get_input()
    deadline = ctx.current_utc_datetime + timedelta(minutes=job["maxMinutes"])
    poll = 0
    while ctx.current_utc_datetime < deadline:
        poll += 1
        status = await ctx.call_activity(job_status, {"poll": poll, "readyAfter": job["readyAfter"]})
        logger.info("Poll %d: %s (%d%%)", poll, status["state"], status["progress"])
        if status["state"] == "done":
            return {"done": True, "polls": poll}
        await ctx.create_timer(ctx.current_utc_datetime + POLL_EVERY)
    logger.warning("Job %s timed out after %d polls", job["id"], poll)
    return {"done": False, "polls": poll}


ORCHESTRATOR = job_monitor
CONCURRENT = False
INPUTS: list[JsonValue] = [
    {"id": "j1", "readyAfter": 3, "maxMinutes": 60},
    {"id": "j2", "readyAfter": 50, "maxMinutes": 12},
]
