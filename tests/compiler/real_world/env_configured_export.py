"""Configuration from the environment, as a Function App reads its app settings: a required
bucket name, optional settings with defaults, a number parsed from a setting, and limits taken
from the application's settings module (imported, resolved from its source)."""

import logging
import os

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from tests.compiler.app_config import settings
from tests.compiler.app_config.settings import LIMITS, QUEUE_PREFIX

logger = logging.getLogger(__name__)


@activity(name="RwExportRows")
def export_rows(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    rows = min(request["rows"], request["limit"])
    return {"key": f"{request['bucket']}/{request['name']}.{request['format']}", "rows": rows}


@orchestrator(name="RwEnvConfiguredExport")
async def env_configured_export(ctx: OrchestrationContext) -> JsonValue:
    job = ctx.get_input()
    bucket = os.environ["EXPORT_BUCKET"]
    fmt = os.environ.get("EXPORT_FORMAT", "csv")
    max_rows = int(os.getenv("EXPORT_MAX_ROWS", "1000"))
    tier = job.get("tier", "standard")
    limit = min(LIMITS[tier], max_rows)
    logger.info("Exporting %s to %s as %s (limit %d)", job["name"], bucket, fmt, limit)
    result = await ctx.call_activity(
        export_rows,
        {"bucket": bucket, "name": job["name"], "format": fmt, "rows": job["rows"], "limit": limit},
    )
    return {
        "key": result["key"],
        "rows": result["rows"],
        "queue": QUEUE_PREFIX + tier,
        "regions": settings.REGIONS,
        "debug": os.environ.get("EXPORT_DEBUG") is not None,
    }


ORCHESTRATOR = env_configured_export
CONCURRENT = False
ENVIRONMENT = {"EXPORT_BUCKET": 'reports-"eu"\\2026', "EXPORT_MAX_ROWS": "150"}
INPUTS: list[JsonValue] = [
    {"name": "daily", "rows": 120},
    {"name": "weekly", "rows": 5000, "tier": "priority"},
    {"name": "yearly", "rows": 90000, "tier": "bulk"},
]
