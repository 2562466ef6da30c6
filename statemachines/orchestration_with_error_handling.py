"""OrchestrationWithErrorHandling: catch, log with the instance id, rethrow transient errors.

A transient failure (the service was busy) is logged and re-raised, so the execution fails and
can be redriven; any other failure is logged and turned into a failure result.
Input: `{"Key": ..., "Data": ..., "FailuresBeforeSuccess": n}` (no Data: the service rejects it).
"""

from __future__ import annotations

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from lambdas.common.errors import TransientServiceError
from lambdas.operations.activities import log_failure, risky_activity


@orchestrator(name="OrchestrationWithErrorHandling")
async def orchestration_with_error_handling(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    try:
        result = await ctx.call_activity(risky_activity, ctx.get_input())
    except TransientServiceError as e:
        await ctx.call_activity(
            log_failure, {"OrchestrationId": ctx.instance_id, "Error": e.error, "Cause": e.cause}
        )
        raise
    except Exception as e:
        await ctx.call_activity(
            log_failure, {"OrchestrationId": ctx.instance_id, "Error": e.error, "Cause": e.cause}
        )
        return {"Success": False, "Error": e.error}
    return {"Success": True, "Result": result["Processed"]}


# `e.error` / `e.cause` exist on every failure an orchestrator catches (set as Step Functions reports
# them), which Python's types cannot say of an arbitrary exception class. The source lines above are
# the compiled states' Comments, so the exemption is stated once, here, instead of on each line.
# mypy: disable-error-code="attr-defined"
