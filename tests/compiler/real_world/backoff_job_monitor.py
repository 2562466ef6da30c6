"""Monitor: poll a job with a growing interval until it settles or the deadline passes."""

import logging
from datetime import timedelta
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

logger = logging.getLogger("monitor")


@activity(name="HbJobStatus")
def job_status(req: dict[str, Any]) -> dict[str, Any]:
    states = req["script"]
    return {"state": states[min(req["poll"], len(states) - 1)], "progress": min(100, req["poll"] * 25)}


@orchestrator(name="HbJobMonitor")
async def job_monitor(context: OrchestrationContext) -> JsonValue:
    job = context.get_input()
    expiry = context.current_utc_datetime + timedelta(minutes=job.get("max_minutes", 30))
    interval, poll = 60, 0
    history = []
    while context.current_utc_datetime < expiry:
        status = await context.call_activity(job_status, {"script": job["script"], "poll": poll})
        history.append(status["state"][:1].upper())
        context.set_custom_status(f"{status['progress']}% ({status['state']})")
        if status["state"] in ("done", "failed"):
            logger.info("job settled as %s after %d polls", status["state"], poll + 1)
            return {"state": status["state"], "polls": poll + 1, "trace": "".join(history)}
        poll += 1
        interval = min(interval * 2, 600)
        await context.create_timer(context.current_utc_datetime + timedelta(seconds=interval))
    logger.error("job did not settle")
    return {"state": "timeout", "polls": poll, "trace": "".join(history)}


ORCHESTRATOR = job_monitor
CONCURRENT = False
INPUTS = [
    {"script": ["queued", "running", "running", "done"]},
    {"script": ["queued", "failed"]},
    {"script": ["queued", "running"], "max_minutes": 20},
]
