"""The Step Functions AWS JSON 1.0 protocol over any boto3-shaped Step Functions client.

A request is `POST /` with `X-Amz-Target: AWSStepFunctions.<Action>` and a JSON body; the
answer is the action's response as JSON (timestamps as epoch seconds, as AWS sends them) or an
error body `{"__type": "<Code>", "message": "..."}` with status 400 (caller's fault) or 500.

Requests are checked against botocore's own service model (required members, types, length
limits such as the 256 KiB `input`), so callers meet the same ValidationException wording
they would meet on AWS, before the engine sees anything. Unknown members are ignored, as the
service does, so newer SDKs keep working.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import botocore.session

from durable_sfn.client.status import error_code
from durable_sfn.engine.bounds import BoundExceeded, load_json

TARGET_PREFIX = "AWSStepFunctions."
CONTENT_TYPE = "application/x-amz-json-1.0"

_log = logging.getLogger("durable_sfn.server")

# Error codes the engine may raise that are the caller's fault (HTTP 400). Anything else that
# escapes the engine is an internal failure (HTTP 500) and is logged with its traceback.
_CLIENT_ERRORS = frozenset(
    {
        "ActivityAlreadyExists", "ActivityDoesNotExist", "ActivityLimitExceeded", "ActivityWorkerLimitExceeded",
        "ConflictException", "ExecutionAlreadyExists", "ExecutionDoesNotExist", "ExecutionLimitExceeded",
        "ExecutionNotRedrivable", "InvalidArn", "InvalidDefinition", "InvalidEncryptionConfiguration",
        "InvalidExecutionInput", "InvalidLoggingConfiguration", "InvalidName", "InvalidOutput", "InvalidToken",
        "InvalidTracingConfiguration", "MissingRequiredParameter", "ResourceNotFound",
        "ServiceQuotaExceededException", "StateMachineAlreadyExists", "StateMachineDeleting",
        "StateMachineDoesNotExist", "StateMachineLimitExceeded", "StateMachineTypeNotSupported",
        "TaskDoesNotExist", "TaskTimedOut", "TooManyTags", "ValidationException",
        "SerializationException", "UnknownOperationException", "InvalidParameterValue",
    }
)  # fmt: skip


_WIRE_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "boolean": bool,
    "integer": int,
    "long": int,
    "structure": dict,
    "list": list,
    "map": dict,
    "timestamp": (int, float, str),
}


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any]


class ProtocolError(Exception):
    """A request rejected before or by the engine, with its AWS error code and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@cache
def _service_model() -> Any:
    return botocore.session.get_session().get_service_model("stepfunctions")


def operation_names() -> list[str]:
    return list(_service_model().operation_names)


def _snake(action: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in action).lstrip("_")


def error_response(code: str, message: str, status: int = 400) -> Response:
    return Response(status, {"__type": code, "message": message})


def dispatch(engine: Any, target: str | None, body: bytes) -> Response:
    """Run one protocol request against `engine`; never raises."""
    try:
        action, params = _parse(target, body)
        method = getattr(engine, _snake(action), None)
        if method is None or not callable(method):
            raise ProtocolError(
                "UnknownOperationException", f"{action} is not supported by the local Step Functions engine"
            )
        result = method(**_accepted(method, params))
        return Response(200, _to_wire(_strip_metadata(result or {})))
    except ProtocolError as exc:
        return error_response(exc.code, exc.message, exc.status)
    except Exception as exc:
        code = _engine_error_code(exc)
        if code in _CLIENT_ERRORS:
            return error_response(code, _message(exc))
        _log.exception("internal error while serving %s", target)
        return error_response("InternalFailure", f"internal error: {type(exc).__name__}: {exc}", 500)


def _parse(target: str | None, body: bytes) -> tuple[str, dict[str, Any]]:
    if not target or not target.startswith(TARGET_PREFIX):
        raise ProtocolError(
            "UnknownOperationException",
            f"missing or foreign X-Amz-Target {target!r}: expected {TARGET_PREFIX}<Action>",
        )
    action = target[len(TARGET_PREFIX) :]
    model = _service_model()
    if action not in model.operation_names:
        raise ProtocolError("UnknownOperationException", f"unknown operation {action!r}")
    params = parse_body(body)
    shape = model.operation_model(action).input_shape
    return action, _validate(shape, params) if shape is not None else {}


def parse_body(body: bytes) -> dict[str, Any]:
    """A request body as a JSON object: strict JSON (no NaN or Infinity), nesting bounded.

    ProtocolError SerializationException otherwise, as AWS answers what it cannot read.
    """
    try:
        params = load_json(body.decode("utf-8")) if body.strip() else {}
    except BoundExceeded as exc:
        raise ProtocolError(
            "SerializationException", f"request body is not accepted: {exc.message}"
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError("SerializationException", f"request body is not valid JSON: {exc}") from None
    if not isinstance(params, dict):
        raise ProtocolError("SerializationException", "request body must be a JSON object")
    return params


def _validate(shape: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Keep the members the model knows; check required members, scalar types and lengths."""
    problems: list[str] = []
    for name in shape.required_members:
        if params.get(name) is None:
            problems.append(f"Value null at '{name}' failed to satisfy constraint: Member must not be null")
    accepted: dict[str, Any] = {}
    for name, value in params.items():
        member = shape.members.get(name)
        if member is None or value is None:
            continue
        expected = _WIRE_TYPES.get(member.type_name)
        if expected is not None and (
            not isinstance(value, expected)
            or (member.type_name in ("integer", "long") and isinstance(value, bool))
        ):
            raise ProtocolError(
                "SerializationException",
                f"member {name!r} must be of type {member.type_name}, got {type(value).__name__}",
            )
        meta = member.metadata
        if isinstance(value, str | list | dict):
            size = len(value.encode("utf-8")) if isinstance(value, str) else len(value)
            if "max" in meta and size > meta["max"]:
                problems.append(
                    f"Value at '{name}' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {meta['max']}"
                )
            if "min" in meta and size < meta["min"]:
                problems.append(
                    f"Value at '{name}' failed to satisfy constraint: "
                    f"Member must have length greater than or equal to {meta['min']}"
                )
        if isinstance(value, int) and not isinstance(value, bool):
            if "max" in meta and value > meta["max"]:
                problems.append(
                    f"Value '{value}' at '{name}' failed to satisfy constraint: Member must have value less than or equal to {meta['max']}"
                )
            if "min" in meta and value < meta["min"]:
                problems.append(
                    f"Value '{value}' at '{name}' failed to satisfy constraint: Member must have value greater than or equal to {meta['min']}"
                )
        accepted[name] = value
    if problems:
        count = len(problems)
        raise ProtocolError(
            "ValidationException",
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems),
        )
    return accepted


def _accepted(method: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Drop members the engine's method does not take (optional features it does not model)."""
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):
        return params
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()):
        return params
    return {k: v for k, v in params.items() if k in signature.parameters}


def _engine_error_code(exc: BaseException) -> str:
    code = error_code(exc)
    if code == type(exc).__name__:
        explicit = getattr(exc, "code", None)
        if isinstance(explicit, str) and explicit:
            return explicit
    return code


def _message(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        message = response.get("Error", {}).get("Message")
        if message:
            return str(message)
    return str(exc) or type(exc).__name__


def _strip_metadata(result: Any) -> Any:
    if isinstance(result, dict):
        return {k: v for k, v in result.items() if k != "ResponseMetadata"}
    return result


def _to_wire(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _to_wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_wire(v) for v in value]
    return value
