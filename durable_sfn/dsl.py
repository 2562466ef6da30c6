"""The authoring API: decorators that record frozen definitions, and the orchestration context.

Decorators never change what the function does: `@activity` leaves a plain callable (the same
object becomes a Lambda handler through `durable_sfn.lambda_handler`), and `@orchestrator` leaves
the `async def` untouched; the compiler reads its source, it never runs it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_DEFINITION_ATTR = "__durable_sfn_definition__"
# Step Functions state names and Lambda function names share this safe subset.
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


class DefinitionError(ValueError):
    """A decorator was used in a way that cannot be deployed (bad name, wrong signature)."""


@dataclass(frozen=True)
class ActivityDefinition:
    name: str
    function: Callable[..., Any]
    source_file: str
    line: int


@dataclass(frozen=True)
class OrchestratorDefinition:
    name: str
    function: Callable[..., Any]
    source_file: str
    line: int
    # Name of the optional second parameter that receives the orchestration input.
    input_parameter: str | None


def pascal_case(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def _location(fn: Callable[..., Any]) -> tuple[str, int]:
    try:
        return inspect.getsourcefile(fn) or "<unknown>", inspect.getsourcelines(fn)[1]
    except (OSError, TypeError):
        return "<unknown>", 0


def _check_name(name: str, fn: Callable[..., Any], kind: str) -> None:
    if not _NAME_RE.match(name):
        file, line = _location(fn)
        raise DefinitionError(
            f"{file}:{line}: {kind} name {name!r} is not valid: use 1-64 letters, digits, '-' or '_', "
            "starting with a letter (it becomes a Lambda function or state machine name)"
        )


def activity(fn: F | None = None, *, name: str | None = None) -> Any:
    """Mark a plain function as an activity; `name` defaults to the function name in PascalCase.

    >>> @activity(name="ValidateOrderActivity")
    ... def validate_order(order_id: str) -> dict: ...
    """

    def wrap(f: F) -> F:
        if inspect.iscoroutinefunction(f):
            file, line = _location(f)
            raise DefinitionError(
                f"{file}:{line}: activity {f.__name__!r} must be a plain def, not async def"
            )
        activity_name = name or pascal_case(f.__name__)
        _check_name(activity_name, f, "activity")
        file, line = _location(f)
        setattr(f, _DEFINITION_ATTR, ActivityDefinition(activity_name, f, file, line))
        return f

    return wrap(fn) if fn is not None else wrap


def orchestrator(fn: F | None = None, *, name: str | None = None) -> Any:
    """Mark `async def f(ctx)` (or `async def f(ctx, input)`) as an orchestrator.

    The body is compiled to Amazon States Language; it is never executed by the compiler.
    """

    def wrap(f: F) -> F:
        file, line = _location(f)
        if not inspect.iscoroutinefunction(f):
            raise DefinitionError(
                f"{file}:{line}: orchestrator {f.__name__!r} must be declared with 'async def'"
            )
        params = list(inspect.signature(f).parameters)
        if not 1 <= len(params) <= 2:
            raise DefinitionError(
                f"{file}:{line}: orchestrator {f.__name__!r} must take (ctx) or (ctx, input), not {len(params)} parameters"
            )
        orchestrator_name = name or pascal_case(f.__name__)
        _check_name(orchestrator_name, f, "orchestrator")
        input_parameter = params[1] if len(params) == 2 else None
        setattr(
            f, _DEFINITION_ATTR, OrchestratorDefinition(orchestrator_name, f, file, line, input_parameter)
        )
        return f

    return wrap(fn) if fn is not None else wrap


def activity_definition(obj: Any) -> ActivityDefinition | None:
    definition = getattr(obj, _DEFINITION_ATTR, None)
    return definition if isinstance(definition, ActivityDefinition) else None


def orchestrator_definition(obj: Any) -> OrchestratorDefinition | None:
    definition = getattr(obj, _DEFINITION_ATTR, None)
    return definition if isinstance(definition, OrchestratorDefinition) else None


@dataclass(frozen=True)
class RetryOptions:
    """Durable Functions retry options; `max_number_of_attempts` counts the first attempt too."""

    first_retry_interval: timedelta
    max_number_of_attempts: int
    backoff_coefficient: float = 1.0
    max_retry_interval: timedelta | None = None

    def __post_init__(self) -> None:
        if self.max_number_of_attempts < 1:
            raise DefinitionError("RetryOptions.max_number_of_attempts must be at least 1")
        if self.first_retry_interval.total_seconds() < 1:
            raise DefinitionError(
                "RetryOptions.first_retry_interval must be at least 1 second (Step Functions' minimum)"
            )
        if self.backoff_coefficient < 1.0:
            raise DefinitionError("RetryOptions.backoff_coefficient must be at least 1.0")


class OrchestrationError(Exception):
    """Base of errors an orchestrator can catch: `error` and `cause` are the Step Functions Error and Cause."""

    def __init__(self, cause: str = "", *, error: str | None = None) -> None:
        super().__init__(cause)
        self.error = error or type(self).__name__
        self.cause = cause
