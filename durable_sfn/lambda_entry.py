"""The single Lambda entry point for every activity, and the in-process path tests take.

Every activity is deployed as the same handler, `durable_sfn.lambda_entry.handler`; the
environment variable `DURABLE_SFN_ACTIVITY="package.module:function"` says which function it
runs. Locally, the engine registrations and `run_direct` call `invoke_activity` with the same
event, so an activity sees identical input (and pydantic parsing) wherever it runs.

Exceptions are never wrapped: the Lambda runtime reports `errorType` as the class name of the
exception that escaped the handler, and Step Functions turns that into the Task's Error, which is
what `except SomeError:` in an orchestrator matches. `lambda_error` builds the same payload for
in-process runs.
"""

from __future__ import annotations

import importlib
import inspect
import os
import traceback
import typing
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel

from durable_sfn._aws import lambda_function_arn

ACTIVITY_ENV = "DURABLE_SFN_ACTIVITY"


class ActivityImportError(RuntimeError):
    """`DURABLE_SFN_ACTIVITY` is missing or does not name an importable function."""


@dataclass
class LocalLambdaContext:
    """The attributes of the Lambda context object, for activities run outside Lambda.

    Powertools' `inject_lambda_context`, `capture_lambda_handler` and friends read these, so an
    activity decorated with them runs unchanged in tests and on the local engine.
    """

    function_name: str = "local-activity"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    invoked_function_arn: str = ""
    remaining_time_in_millis: int = 900_000

    def __post_init__(self) -> None:
        if not self.invoked_function_arn:
            self.invoked_function_arn = lambda_function_arn(self.function_name)
        if not self.log_group_name:
            self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_time_in_millis


def load_activity(spec: str) -> Callable[..., Any]:
    """Import `package.module:function` (the function part may be dotted: `module:Class.method`)."""
    module_name, sep, attr_path = spec.partition(":")
    if not sep or not module_name or not attr_path:
        raise ActivityImportError(
            f"{ACTIVITY_ENV}={spec!r} is not of the form 'package.module:function' "
            "(set it to the module path and name of the @activity function this Lambda runs)"
        )
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ActivityImportError(
            f"{ACTIVITY_ENV}={spec!r}: cannot import module {module_name!r} ({exc}); "
            "check that the module is in the deployment package or layer"
        ) from exc
    for part in attr_path.split("."):
        try:
            target = getattr(target, part)
        except AttributeError as exc:
            raise ActivityImportError(
                f"{ACTIVITY_ENV}={spec!r}: module {module_name!r} has no attribute {attr_path!r}; "
                "check the function name"
            ) from exc
    if not callable(target):
        raise ActivityImportError(f"{ACTIVITY_ENV}={spec!r} names {type(target).__name__}, not a function")
    return typing.cast(Callable[..., Any], target)


@cache
def _activity_from_env(spec: str) -> Callable[..., Any]:
    return load_activity(spec)


def handler(event: Any, context: Any) -> Any:
    """The Lambda handler deployed for every activity; the activity comes from `DURABLE_SFN_ACTIVITY`."""
    spec = os.environ.get(ACTIVITY_ENV, "")
    if not spec:
        raise ActivityImportError(
            f"environment variable {ACTIVITY_ENV} is not set: set it to 'package.module:function' "
            "(the durable_sfn CDK construct does this for every activity it deploys)"
        )
    return invoke_activity(_activity_from_env(spec), event, context)


def _positional_parameters(fn: Callable[..., Any]) -> list[inspect.Parameter]:
    # inspect.signature follows __wrapped__, so a Powertools-decorated activity shows its own
    # parameters, not the wrapper's (*args, **kwargs).
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p for p in inspect.signature(fn).parameters.values() if p.kind in kinds]


def _model_type(fn: Callable[..., Any], parameter: inspect.Parameter) -> type[BaseModel] | None:
    annotation: Any = parameter.annotation
    if isinstance(annotation, str):
        try:
            annotation = typing.get_type_hints(fn).get(parameter.name)
        except Exception:  # unresolvable forward references: treat the input as plain JSON
            return None
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    return None


def to_json_value(value: Any) -> Any:
    """Dump pydantic models (also inside lists and dicts) to JSON-compatible values."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {key: to_json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(item) for item in value]
    return value


def invoke_activity(fn: Callable[..., Any], event: Any, context: Any = None) -> Any:
    """Call an activity with a Lambda event, exactly as the deployed handler does.

    The event is parsed into a pydantic model when the first parameter is annotated with one; a
    second parameter receives the Lambda context (a `LocalLambdaContext` when none is given); a
    returned model is dumped with `model_dump(mode="json")`. Exceptions propagate unchanged.
    """
    params = _positional_parameters(fn)
    args: list[Any] = []
    if params:
        model = _model_type(fn, params[0])
        args.append(model.model_validate(event) if model is not None else event)
    if len(params) >= 2:
        args.append(context if context is not None else LocalLambdaContext())
    return to_json_value(fn(*args))


def lambda_error(exc: BaseException, request_id: str = "") -> dict[str, Any]:
    """The error payload the Lambda Python runtime reports for an exception escaping a handler.

    Step Functions' Task Error is `errorType` and its Cause is this payload as JSON text.
    """
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)),
    }
