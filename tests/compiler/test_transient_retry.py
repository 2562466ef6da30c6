"""An activity's transient errors are retried by the compiled Task's first retrier, and the
direct run retries them the same way: the Lambda service errors and Powertools'
IdempotencyAlreadyInProgressError (a concurrent duplicate of an idempotent activity that is
still running). Once that retrier's 3 retries are spent the activity fails, even under
`call_activity_with_retry`, whose States.ALL retrier comes after it.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from durable_sfn import JsonValue, OrchestrationContext, RetryOptions, activity, orchestrator
from durable_sfn.compiler.api import compile_orchestrator
from durable_sfn.testing import run_direct, run_local

_calls: dict[str, int] = {}
_keys = itertools.count()


@activity(name="SendReceipt")
def send_receipt(request: dict[str, JsonValue]) -> str:
    """Busy (an earlier attempt holds the idempotency record) for the first `busy` calls."""
    key = str(request["key"])
    _calls[key] = _calls.get(key, 0) + 1
    busy = request["busy"]
    assert isinstance(busy, int)
    if _calls[key] <= busy:
        raise IdempotencyAlreadyInProgressError(f"receipt {key} is being sent")
    return f"sent {key}"


@orchestrator(name="Receipt")
async def receipt(ctx: OrchestrationContext, request: dict[str, JsonValue]) -> str:
    sent: str = await ctx.call_activity(send_receipt, request)
    return sent


@orchestrator(name="ReceiptWithRetry")
async def receipt_with_retry(ctx: OrchestrationContext, request: dict[str, JsonValue]) -> str:
    sent: str = await ctx.call_activity_with_retry(
        send_receipt, RetryOptions(timedelta(seconds=1), 10), request
    )
    return sent


def _run(runner: Any, orch: Any, busy: int) -> tuple[Any, int]:
    key = f"r{next(_keys)}"
    result = runner(orch, {"key": key, "busy": busy})
    return result, _calls[key]


def test_the_compiled_activity_retry_names_idempotency_in_progress() -> None:
    definition = compile_orchestrator(receipt)
    task = definition["States"]["SendReceipt"]
    assert "IdempotencyAlreadyInProgressError" in task["Retry"][0]["ErrorEquals"]


@pytest.mark.parametrize("runner", [run_direct, run_local], ids=["direct", "compiled"])
def test_an_activity_still_in_progress_elsewhere_is_retried_until_it_answers(runner: Any) -> None:
    result, calls = _run(runner, receipt, busy=3)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output.startswith("sent ")
    assert calls == 4


@pytest.mark.parametrize("runner", [run_direct, run_local], ids=["direct", "compiled"])
@pytest.mark.parametrize("orch", [receipt, receipt_with_retry], ids=["plain", "with_retry"])
def test_after_three_retries_the_activity_fails_with_the_error(runner: Any, orch: Any) -> None:
    result, calls = _run(runner, orch, busy=10)
    assert result.status == "FAILED"
    assert result.error == "IdempotencyAlreadyInProgressError"
    assert calls == 4
