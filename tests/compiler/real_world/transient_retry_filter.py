"""Retry only transient errors (a class hierarchy), with the policy imported from settings."""

import logging
from datetime import timedelta
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, RetryOptions, activity, orchestrator

logger = logging.getLogger(__name__)


class TransientError(Exception):
    pass


class ThrottledError(TransientError):
    pass


class BadRequest(Exception):
    pass


_calls: dict[str, int] = {}


@activity(name="HbFlakySync")
def flaky_sync(job: dict[str, Any]) -> str:
    key = job["run"] + job["id"]
    _calls[key] = _calls.get(key, 0) + 1
    if job["mode"] == "bad":
        raise BadRequest(f"bad payload {job['id']}")
    if _calls[key] <= job.get("failures", 0):
        raise ThrottledError("slow down") if job["mode"] == "throttle" else TransientError("try later")
    return f"{job['id']}@{_calls[key]}"


TRANSIENT_ONLY = RetryOptions(
    first_retry_interval=timedelta(seconds=1),
    max_number_of_attempts=3,
    backoff_coefficient=2.0,
    retry_on=(TransientError,),
)


@orchestrator(name="HbRetryFilters")
async def retry_filters(context: OrchestrationContext) -> JsonValue:
    batch = context.get_input()
    synced, failed = [], []
    for job in batch["jobs"]:
        try:
            r = await context.call_activity_with_retry(
                flaky_sync, TRANSIENT_ONLY, {**job, "run": batch["run"]}
            )
            synced.append(r)
        except BadRequest as e:
            logger.warning("rejected %s: %s", job["id"], e)
            failed.append({"id": job["id"], "why": str(e)})
        except TransientError as err:
            logger.error("gave up on %s", job["id"])
            failed.append({"id": job["id"], "why": f"{type(err).__name__}: {err}"})
    context.set_custom_status({"synced": len(synced), "failed": len(failed)})
    return {"synced": synced, "failed": failed}


def reset() -> None:
    """Forget the attempts counted: each run starts from the first."""
    _calls.clear()


ORCHESTRATOR = retry_filters
CONCURRENT = False
INPUTS = [
    {"run": "r1", "jobs": [{"id": "a", "mode": "throttle", "failures": 2}, {"id": "b", "mode": "bad"}]},
    {"run": "r2", "jobs": [{"id": "c", "mode": "transient", "failures": 5}, {"id": "d", "mode": "ok"}]},
]
