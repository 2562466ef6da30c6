"""CallExternalApiOrchestration: start a long-running operation, poll it every 10 s for 5 minutes.

The async-HTTP pattern. The well-known Durable sample sets its timer to "deadline minus 10 s",
which sleeps almost the whole deadline after the first poll; here each wait is 10 s from now, as
intended. Input: `{"Name": ..., "Parameters": {...}, "CompleteAfterChecks": n | null}`.
"""

from __future__ import annotations

from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from lambdas.operations.activities import check_operation_status, start_long_running_operation


@orchestrator(name="CallExternalApiOrchestration")
async def call_external_api(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    request = ctx.get_input()

    operation = await ctx.call_activity(
        start_long_running_operation,
        {
            "Name": request["Name"],
            "Parameters": request.get("Parameters", {}),
            "CompleteAfterChecks": request.get("CompleteAfterChecks", 3),
            "RequestId": ctx.instance_id,
        },
    )

    deadline = ctx.current_utc_datetime + timedelta(minutes=5)
    checks = 0
    while ctx.current_utc_datetime < deadline:
        status = await ctx.call_activity(check_operation_status, operation["OperationId"])
        checks += 1
        if status["IsCompleted"]:
            return {
                "Success": True,
                "OperationId": operation["OperationId"],
                "Checks": checks,
                "Data": status["Result"],
            }

        ctx.set_custom_status(
            {"OperationId": operation["OperationId"], "Status": status["Status"], "Checks": checks}
        )
        await ctx.create_timer(ctx.current_utc_datetime + timedelta(seconds=10))

    return {
        "Success": False,
        "OperationId": operation["OperationId"],
        "Checks": checks,
        "ErrorMessage": "Operation timed out",
    }
