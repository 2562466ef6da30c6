"""Sync each catalog section with an async helper per section; results gathered with task_all."""

import logging
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

logger = logging.getLogger(__name__)


class SyncError(Exception):
    pass


@activity(name="HbFetchSection")
def fetch_section(name: str) -> list[Any]:
    if name == "broken":
        raise SyncError("upstream returned 500")
    return [f"{name}-{i}" for i in range(len(name) % 4)]


@activity(name="HbStoreItems")
def store_items(req: dict[str, Any]) -> int:
    return len(req["items"])


async def sync_section(context: OrchestrationContext, name: str, dry_run: bool) -> dict[str, Any]:
    items = await context.call_activity(fetch_section, name)
    if dry_run or not items:
        return {"section": name, "stored": 0, "seen": len(items)}
    stored = await context.call_activity(store_items, {"section": name, "items": items})
    return {"section": name, "stored": stored, "seen": len(items)}


@orchestrator(name="HbCatalogSync")
async def catalog_sync(context: OrchestrationContext) -> JsonValue:
    cfg = context.get_input()
    sections = {name: opts for name, opts in cfg["sections"].items() if opts.get("enabled", True)}
    logger.info("syncing %d of %d sections", len(sections), len(cfg["sections"]))
    try:
        results = await context.task_all(
            [sync_section(context, name, cfg.get("dry_run", False)) for name in sections]
        )
    except SyncError as e:
        logger.error("sync aborted: %s", e)
        raise
    stored = {r["section"]: r["stored"] for r in results}
    return {
        "stored": stored,
        "total": sum(stored.values()),
        "empty": [r["section"] for r in results if r["seen"] == 0],
    }


ORCHESTRATOR = catalog_sync
CONCURRENT = True
INPUTS = [
    {"sections": {"toys": {}, "garden": {"enabled": False}, "books": {}, "tv": {}}},
    {"sections": {"toys": {}, "books": {}}, "dry_run": True},
    {"sections": {"toys": {}, "broken": {}}},
]
