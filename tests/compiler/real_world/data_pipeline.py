"""A module-level async helper awaited stage by stage: it logs, calls an activity, returns early
on bad data; the orchestrator imports json inside its body to read a JSON text."""

import logging

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

logger = logging.getLogger(__name__)


@activity(name="RwRunStage")
def run_stage(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    rows = request["rows"]
    if request["stage"] == "clean":
        rows = [r for r in rows if r >= 0]
    elif request["stage"] == "scale":
        rows = [r * 10 for r in rows]
    return {"rows": rows, "count": len(rows)}


async def process_stage(ctx: OrchestrationContext, stage: str, rows: JsonValue) -> JsonValue:
    if not rows:
        logger.info("Stage %s skipped: no rows", stage)
        return rows
    logger.info("Stage %s: %d rows in", stage, len(rows))
    result = await ctx.call_activity(run_stage, {"stage": stage, "rows": rows})
    logger.info("Stage %s: %d rows out", stage, result["count"])
    return result["rows"]


@orchestrator(name="RwDataPipeline")
async def data_pipeline(ctx: OrchestrationContext) -> JsonValue:
    import json

    payload = json.loads(ctx.get_input())
    rows = payload["rows"]
    for stage in payload["stages"]:
        rows = await process_stage(ctx, stage, rows)
    return {"rows": rows, "stages": len(payload["stages"])}


ORCHESTRATOR = data_pipeline
CONCURRENT = False
INPUTS: list[JsonValue] = [
    '{"rows": [3, -1, 4, -5, 9], "stages": ["clean", "scale"]}',
    '{"rows": [-1, -2], "stages": ["clean", "scale", "clean"]}',
    '{"rows": [1], "stages": []}',
]
