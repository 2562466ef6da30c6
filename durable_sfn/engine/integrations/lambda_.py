"""Lambda, in-process: registered Python handlers called with Lambda's request and error shapes.

The point is fidelity of what the workflow sees: the `lambda:invoke` response envelope
(`Payload`, `StatusCode`, ...), JSON round-tripping of event and result, and the error a Lambda
Python runtime reports for an unhandled exception (Error = exception class name, Cause = the
runtime's JSON with errorMessage/errorType/requestId/stackTrace).
"""

from __future__ import annotations

import json
import traceback
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from durable_sfn._aws import lambda_function_arn
from durable_sfn.engine import bounds
from durable_sfn.engine.integrations.base import TaskFailure, function_name

_DEFAULT_TIMEOUT_MS = 900_000
MAX_LAMBDA_PAYLOAD = 6 * 1024 * 1024  # a synchronous invocation's request or response


class LambdaFunctions(Protocol):
    """Where Lambda handlers are registered (the client's `register_lambda`), and its account."""

    region: str
    account_id: str

    def resolve_lambda(self, name_or_arn: str) -> Callable[[Any, Any], Any] | None: ...


class LambdaContext:
    """The subset of the Lambda context object handlers commonly read."""

    def __init__(self, name: str, arn: str, request_id: str) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = 128
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = f"local/{request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return _DEFAULT_TIMEOUT_MS


def _roundtrip(value: Any, what: str, name: str) -> Any:
    try:
        # Lambda's own bound on a synchronous payload; deep nesting fails here, not as a RecursionError.
        bounds.json_extent(value, max_chars=MAX_LAMBDA_PAYLOAD)
        return json.loads(json.dumps(value))
    except (TypeError, ValueError, bounds.BoundExceeded) as exc:
        raise TaskFailure(
            "Runtime.MarshalError" if what == "result" else "Lambda.InvalidRequestContentException",
            json.dumps(
                {
                    "errorMessage": f"Unable to marshal the {what} of function {name}: {exc}",
                    "errorType": "Runtime.MarshalError",
                    "requestId": "",
                    "stackTrace": [],
                }
            ),
        ) from None


def invoke(services: LambdaFunctions, name_or_arn: str, event: Any) -> Any:
    """Call the registered handler; returns its JSON result or raises TaskFailure like Lambda."""
    name = function_name(str(name_or_arn))
    arn = lambda_function_arn(name, region=services.region, account=services.account_id)
    handler = services.resolve_lambda(str(name_or_arn))
    if handler is None:
        raise TaskFailure(
            "Lambda.ResourceNotFoundException",
            f"Function not found: {arn} (register it with LocalStepFunctions.register_lambda({name!r}, handler))",
        )
    request_id = str(uuid.uuid4())
    payload = _roundtrip(event, "event", name)
    try:
        result = handler(payload, LambdaContext(name, arn, request_id))
    except Exception as exc:
        stack = traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:])
        error_type = type(exc).__name__
        cause = json.dumps(
            {
                "errorMessage": str(exc),
                "errorType": error_type,
                "requestId": request_id,
                "stackTrace": [line.rstrip("\n") for line in stack],
            }
        )
        raise TaskFailure(error_type, cause) from None
    return _roundtrip(result, "result", name)


def invoke_envelope(services: LambdaFunctions, params: Any) -> Any:
    """`arn:aws:states:::lambda:invoke`: the response envelope around the function's result."""
    if not isinstance(params, dict) or "FunctionName" not in params:
        raise TaskFailure(
            "States.Runtime",
            "The lambda:invoke integration needs Arguments/Parameters with a FunctionName field.",
        )
    payload = params.get("Payload", {})
    result = invoke(services, str(params["FunctionName"]), payload)
    request_id = str(uuid.uuid4())
    return {
        "ExecutedVersion": "$LATEST",
        "Payload": result,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {
                "X-Amz-Executed-Version": ["$LATEST"],
                "x-amzn-Remapped-Content-Length": ["0"],
                "Connection": ["keep-alive"],
                "x-amzn-RequestId": [request_id],
                "Content-Type": ["application/json"],
            },
            "HttpHeaders": {
                "Connection": "keep-alive",
                "Content-Type": "application/json",
                "X-Amz-Executed-Version": "$LATEST",
                "x-amzn-Remapped-Content-Length": "0",
                "x-amzn-RequestId": request_id,
            },
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200,
    }
