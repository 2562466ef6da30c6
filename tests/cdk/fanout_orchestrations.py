"""Orchestrators that fan out over items in S3, for the CDK synthesis tests of their grants."""

from __future__ import annotations

from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, S3Location, activity, orchestrator


@activity(name="CdkFanoutCount")
def count(batch: list[Any]) -> int:
    return len(batch)


@orchestrator(name="CdkFanoutOrders")
async def orders(ctx: OrchestrationContext) -> JsonValue:
    """Literal bucket and key: the grants name the one object, and the results prefix."""
    return await ctx.task_all(
        [
            ctx.call_activity(count, b)
            for b in ctx.s3_items("cdk-orders", "exports/orders.jsonl", "jsonl", batch_size=50)
        ],
        results_to=S3Location("cdk-results", "orders/"),
        label="Orders",
    )


@orchestrator(name="CdkFanoutDocuments")
async def documents(ctx: OrchestrationContext, data: dict[str, Any]) -> JsonValue:
    """A bucket from the input, objects under a literal prefix, a manifest: granted on the given bucket."""
    listed = await ctx.task_all(
        [
            ctx.call_activity(count, b)
            for b in ctx.s3_objects("cdk-documents", "invoices/2026/", batch_size=10)
        ],
        label="Invoices",
    )
    inventoried = await ctx.task_all(
        [
            ctx.call_activity(count, [o])
            for o in ctx.s3_items(
                data["bucket"], "inventory/src/cfg/2026-01-01T00-00Z/manifest.json", "manifest"
            )
        ],
        label="Inventory",
    )
    return {"listed": listed, "inventoried": inventoried}
