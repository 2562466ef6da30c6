"""What every integration shares: the parsed Task Resource and the task-failure error.

`resolve(resource)` parses a Resource ARN into an `Integration` (service, action, pattern),
which `states/task.py` uses to pick the module that makes the call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from durable_sfn._aws import placeholder_name
from durable_sfn.engine.errors import ReportedError


class TaskFailure(ReportedError):
    """The task itself failed (a Lambda raised, a service call errored): never re-worded."""


@dataclass(frozen=True)
class Integration:
    """A parsed Task Resource."""

    kind: str  # "lambda-function" (bare ARN), "service" (arn:aws:states:::...), "activity"
    service: str  # lambda, states, dynamodb, sns, sqs, s3, aws-sdk:<service>, ...
    action: str  # invoke, startExecution, putItem, ...
    pattern: str  # "", "sync", "sync:2", "waitForTaskToken"
    resource: str

    @property
    def resource_type(self) -> str:
        """`resourceType` of Task* history events (e.g. "lambda", "states", "aws-sdk:s3")."""
        return self.service

    @property
    def resource_name(self) -> str:
        """`resource` of Task* history events (the action plus its pattern suffix)."""
        return self.action + (f".{self.pattern}" if self.pattern else "")


_SERVICE = re.compile(r"^arn:aws[\w-]*:states:[^:]*:[^:]*:(?P<rest>.+)$")
_LAMBDA = re.compile(r"^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:(?P<name>[^:]+)(?::(?P<qualifier>[^:]+))?$")


def resolve(resource: str) -> Integration | None:
    if _LAMBDA.match(resource) or placeholder_name(resource) is not None:
        return Integration("lambda-function", "lambda", "invoke", "", resource)
    m = _SERVICE.match(resource)
    if m is None:
        return None
    rest = m.group("rest")
    if rest.startswith("activity:"):
        return Integration("activity", "activity", rest.split(":", 1)[1], "", resource)
    pattern = ""
    for suffix in (".waitForTaskToken", ".sync:2", ".sync"):
        if rest.endswith(suffix):
            pattern = suffix[1:]
            rest = rest[: -len(suffix)]
            break
    if rest.startswith("aws-sdk:"):
        parts = rest.split(":")
        if len(parts) != 3:
            return None
        return Integration("service", f"aws-sdk:{parts[1]}", parts[2], pattern, resource)
    service, _, action = rest.partition(":")
    if not action:
        return None
    return Integration("service", service, action, pattern, resource)


def function_name(name_or_arn: str) -> str:
    """The function name in a bare name, a `${Name}` placeholder, or any Lambda ARN."""
    m = _LAMBDA.match(name_or_arn)
    if m:
        return m.group("name")
    placeholder = placeholder_name(name_or_arn)
    if placeholder is not None:
        return placeholder
    if name_or_arn.startswith("arn:") and ":function:" in name_or_arn:
        return name_or_arn.split(":function:", 1)[1].split(":", 1)[0]
    return name_or_arn
