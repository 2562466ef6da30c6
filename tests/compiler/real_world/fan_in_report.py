"""A module-level helper that builds and returns the task list; enumerate() in a loop that writes
report lines; a generator joined into text."""

import logging

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

log = logging.getLogger("reports")


@activity(name="RwFetchRegion")
def fetch_region(region: str) -> dict[str, JsonValue]:
    return {"region": region, "sales": len(region) * 100, "stores": len(region) % 3}


def fetch_all(ctx: OrchestrationContext, regions: list[str]) -> list[JsonValue]:
    tasks = []
    for region in regions:
        tasks.append(ctx.call_activity(fetch_region, region))
    return tasks


@orchestrator(name="RwFanInReport")
async def fan_in_report(ctx: OrchestrationContext) -> JsonValue:
    regions = ctx.get_input()
    log.info("Building the report for %d regions", len(regions))
    figures = await ctx.task_all(fetch_all(ctx, regions))
    lines = []
    for rank, row in enumerate(sorted(f["sales"] for f in figures), 1):
        lines.append(f"{rank}. {row}")
    total = sum(f["sales"] for f in figures)
    log.info("Total sales: %s", total)
    return {
        "lines": lines,
        "total": total,
        "regions": ", ".join(f["region"] for f in figures),
        "withStores": [f["region"] for f in figures if f["stores"]],
    }


ORCHESTRATOR = fan_in_report
CONCURRENT = True
INPUTS: list[JsonValue] = [["north", "south", "east"], [], ["antarctica"]]
