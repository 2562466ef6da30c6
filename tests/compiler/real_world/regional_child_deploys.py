"""Roll a release out to each region through a sub-orchestration; failures are collected."""

import logging
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

logger = logging.getLogger(__name__)


class DeployFailed(Exception):
    pass


@activity(name="HbDeployRegion")
def deploy_region(req: dict[str, Any]) -> str:
    if req["region"] in req.get("broken", []):
        raise DeployFailed(f"health check failed in {req['region']}")
    return f"{req['version']}@{req['region']}"


@orchestrator(name="HbDeployOneRegion")
async def deploy_one_region(context: OrchestrationContext) -> JsonValue:
    req = context.get_input()
    ref = await context.call_activity(deploy_region, req)
    return {"region": req["region"], "ref": ref}


@orchestrator(name="HbRegionalChildren")
async def regional_children(context: OrchestrationContext) -> JsonValue:
    release = context.get_input()
    ok, failed = [], {}
    for region in release["regions"]:
        try:
            result = await context.call_sub_orchestrator(deploy_one_region, {**release, "region": region})
            ok.append(result["ref"])
        except DeployFailed as e:
            logger.error("region %s failed: %s", region, e)
            failed[region] = str(e)
            if release.get("stop_on_failure"):
                break
    status = "complete" if not failed else ("partial" if ok else "failed")
    context.set_custom_status(status)
    return {"ok": ok, "failed": failed, "status": status}


ORCHESTRATOR = regional_children
CONCURRENT = False
INPUTS = [
    {"version": "v2", "regions": ["eu", "us"]},
    {"version": "v3", "regions": ["eu", "us", "ap"], "broken": ["us"]},
    {"version": "v4", "regions": ["eu", "us", "ap"], "broken": ["eu"], "stop_on_failure": True},
]
