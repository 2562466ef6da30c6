"""A nested async def as the fan-out branch, logging inside each branch, then counting outcomes
with generators and unpacking the counts."""

import logging

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

logger = logging.getLogger(__name__)


@activity(name="RwDeploy")
def deploy(request: dict[str, JsonValue]) -> dict[str, JsonValue]:
    healthy = not request["region"].endswith("-2")
    return {"region": request["region"], "healthy": healthy, "version": request["version"]}


@activity(name="RwRollback")
def rollback(region: str) -> str:
    return f"rolled back {region}"


@orchestrator(name="RwRegionRollout")
async def region_rollout(ctx: OrchestrationContext) -> JsonValue:
    plan = ctx.get_input()
    version = plan["version"]

    async def roll_out(region: str) -> JsonValue:
        logger.info("Deploying %s to %s", version, region)
        result = await ctx.call_activity(deploy, {"region": region, "version": version})
        if not result["healthy"]:
            logger.warning("%s is unhealthy, rolling back", region)
            await ctx.call_activity(rollback, region)
        return result

    results = await ctx.task_all([roll_out(r) for r in plan["regions"]], max_concurrency=2)
    healthy, unhealthy = (
        sum(1 for r in results if r["healthy"]),
        sum(1 for r in results if not r["healthy"]),
    )
    return {"healthy": healthy, "unhealthy": unhealthy, "complete": unhealthy == 0}


ORCHESTRATOR = region_rollout
CONCURRENT = True
INPUTS: list[JsonValue] = [
    {"version": "1.4", "regions": ["eu-1", "eu-2", "us-1"]},
    {"version": "2.0", "regions": []},
]
