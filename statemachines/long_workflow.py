"""LongWorkflow: a three-step order report whose progress is the custom status (0/25/50/100).

Input: `{"ReportId": ...}`, passed unchanged to each step (as the Durable sample does); clients
read `{"Phase", "Progress"}` while it runs.
"""

from __future__ import annotations

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from lambdas.orders.reports import collect_order_snapshot, publish_order_report, summarize_order_snapshot


@orchestrator(name="LongWorkflow")
async def long_workflow(ctx: OrchestrationContext) -> JsonValue:
    ctx.set_custom_status({"Phase": "Starting", "Progress": 0})

    await ctx.call_activity(collect_order_snapshot, ctx.get_input())
    ctx.set_custom_status({"Phase": "Step 1 Complete", "Progress": 25})

    await ctx.call_activity(summarize_order_snapshot, ctx.get_input())
    ctx.set_custom_status({"Phase": "Step 2 Complete", "Progress": 50})

    report = await ctx.call_activity(publish_order_report, ctx.get_input())
    ctx.set_custom_status({"Phase": "Complete", "Progress": 100})

    return report
