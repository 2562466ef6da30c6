"""OrchestrationWithRetry: automatic retries with backoff, then a handled failure.

RetryOptions(5 s, 3 attempts, backoff 2) becomes a Step Functions Retry (IntervalSeconds 5,
MaxAttempts 2: Durable counts attempts, Step Functions counts retries, BackoffRate 2). When the
service is still busy after the third attempt, the error is caught and reported.
Input: `{"Key": ..., "Data": ..., "FailuresBeforeSuccess": n}`.
"""

from __future__ import annotations

from datetime import timedelta

from durable_sfn import JsonValue, OrchestrationContext, RetryOptions, orchestrator
from lambdas.common.errors import TransientServiceError
from lambdas.operations.activities import unreliable_activity

RETRY_OPTIONS = RetryOptions(
    first_retry_interval=timedelta(seconds=5),
    max_number_of_attempts=3,
    backoff_coefficient=2,
)


@orchestrator(name="OrchestrationWithRetry")
async def orchestration_with_retry(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    try:
        result = await ctx.call_activity_with_retry(unreliable_activity, RETRY_OPTIONS, ctx.get_input())
    except TransientServiceError as e:
        return {"Success": False, "Error": e.error, "Message": "The service was still busy after 3 attempts"}
    return {"Success": True, "Attempts": result["Attempts"], "Result": result["Processed"]}
