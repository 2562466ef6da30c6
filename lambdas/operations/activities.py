"""Activities calling the external operations API, and LogFailure for the error-handling example."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from durable_sfn.dsl import activity
from lambdas.common.aws import table
from lambdas.common.config import settings
from lambdas.common.errors import InvalidInput
from lambdas.common.logging import correlate, logger
from lambdas.operations.client import call
from lambdas.operations.models import (
    ApiRequest,
    FailureLogged,
    FailureRecord,
    InitialApiResponse,
    ProcessRequest,
    ProcessResult,
    StatusResponse,
)


@activity(name="StartLongRunningOperation")
def start_long_running_operation(request: ApiRequest) -> InitialApiResponse:
    """Start the operation; a retry with the same request gets the same operation, not a second one."""
    correlate(request)
    body = request.model_dump(include={"Name", "Parameters", "CompleteAfterChecks"})
    key = request.RequestId or _key(request.ExecutionId, body)
    response = call("POST", "/operations", body, headers={"Idempotency-Key": key})
    logger.info("Operation started", extra={"operation_id": response.get("OperationId")})
    return InitialApiResponse(OperationId=response["OperationId"], Status=response["Status"])


@activity(name="CheckOperationStatus")
def check_operation_status(operation_id: str) -> StatusResponse:
    """One status check (the orchestrator decides how often and for how long to poll)."""
    if not isinstance(operation_id, str) or not operation_id or "/" in operation_id:
        raise InvalidInput(f"CheckOperationStatus expects an operation id, got {operation_id!r}")
    response = call("GET", f"/operations/{operation_id}")
    status = str(response.get("Status", "Unknown"))
    return StatusResponse(
        OperationId=operation_id,
        IsCompleted=status == "Succeeded",
        Status=status,
        Checks=int(response.get("Checks", 0)),
        Result=response.get("Result"),
    )


def _process(request: ProcessRequest) -> ProcessResult:
    """Submit the work with an idempotency key that every retry of this call repeats.

    The key is the execution and the request: a retry after a lost answer (a timeout, a Lambda
    that died after the POST) is answered from the service's record instead of processed twice,
    while another execution submitting the same Key is processed on its own.
    """
    body: dict[str, Any] = {"Key": request.Key, "FailuresBeforeSuccess": request.FailuresBeforeSuccess}
    if request.Data is not None:
        body["Data"] = request.Data
    response = call("POST", "/process", body, headers={"Idempotency-Key": _key(request.ExecutionId, body)})
    return ProcessResult(
        Key=response["Key"], Attempts=response["Attempts"], Processed=response.get("Processed")
    )


@activity(name="UnreliableActivity")
def unreliable_activity(request: ProcessRequest) -> ProcessResult:
    """Submit work to a service that is sometimes busy (503 -> TransientServiceError, worth a retry)."""
    correlate(request)
    return _process(request)


@activity(name="RiskyActivity")
def risky_activity(request: ProcessRequest) -> ProcessResult:
    """Submit work that may be rejected (422 -> ServiceRequestRejected) or hit a busy service (TransientServiceError)."""
    correlate(request)
    return _process(request)


def _key(execution_id: str | None, body: dict[str, Any]) -> str:
    """The Idempotency-Key of a call: the same for every retry of it, distinct per execution."""
    text = json.dumps({"ExecutionId": execution_id, "Request": body}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@activity(name="LogFailure")
def log_failure(record: FailureRecord) -> FailureLogged:
    """Record an orchestration's failure for operators, once per orchestration instance."""
    try:
        table(settings().failures_table).put_item(
            Item={**record.model_dump(), "LoggedAt": datetime.now(UTC).isoformat()},
            ConditionExpression="attribute_not_exists(OrchestrationId)",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        return FailureLogged(OrchestrationId=record.OrchestrationId, AlreadyLogged=True)
    logger.error(
        "Orchestration failed", extra={"orchestration_id": record.OrchestrationId, "error": record.Error}
    )
    return FailureLogged(OrchestrationId=record.OrchestrationId, AlreadyLogged=False)
