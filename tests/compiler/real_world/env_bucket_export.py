"""Export to a bucket whose name and region come from the deployment's environment."""

import logging
import os
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

log = logging.getLogger("export")


@activity(name="HbExportRows")
def export_rows(request: dict[str, Any]) -> dict[str, Any]:
    return {"key": f"{request['prefix']}/{request['table']}.csv", "rows": len(request["table"]) * 100}


@orchestrator(name="HbEnvExport")
async def env_export(context: OrchestrationContext) -> JsonValue:
    tables = context.get_input()
    bucket = os.environ["EXPORT_BUCKET"]
    region = os.environ.get("EXPORT_REGION", "eu-west-1")
    stage = os.getenv("STAGE", "dev")
    prefix = f"s3://{bucket}/{stage.upper()}/{region[:2]}"
    log.info("Exporting %d tables to %s", len(tables), prefix)
    results = await context.task_all(
        [context.call_activity(export_rows, {"table": t, "prefix": prefix}) for t in tables]
    )
    total = sum(r["rows"] for r in results)
    return {
        "files": [r["key"] for r in results],
        "rows": f"{total:,}",
        "avg": round(total / len(results), 1) if results else None,
        "prod": stage == "prod",
    }


ORCHESTRATOR = env_export
CONCURRENT = True
ENVIRONMENT = {"EXPORT_BUCKET": "acme-exports", "STAGE": "prod"}
INPUTS = [["users", "orders", "line_items"], [], ["x"]]
