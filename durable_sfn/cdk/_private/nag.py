"""Exact cdk-nag acknowledgements: each names the one finding it covers, never a whole rule.

cdk-nag reports IAM wildcard findings with the resource rendered from the template
(`<Logical.Arn>:*`, `arn:<AWS::Partition>:states:...`). Rendering our own tokens the same way lets
the construct acknowledge precisely the wildcards it adds on purpose, and nothing else.
"""

from __future__ import annotations

import json
from typing import Any

import jsii
from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct, IValidation


def render(value: Any) -> str:
    """A resolved CloudFormation value as cdk-nag prints it in finding ids."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return f"<{arg}>"
        if key == "Fn::GetAtt":
            parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
            return f"<{parts[0]}.{parts[1]}>"
        if key == "Fn::Join":
            separator, items = arg
            return str(separator).join(render(item) for item in items)
        if key == "Fn::ImportValue":
            # Cross-stack references: cdk-nag prints the export name as is.
            return render(arg)
    # Anything else (Fn::Select, Fn::Split, ...) cdk-nag prints as compact JSON.
    return json.dumps(value, separators=(",", ":"))


def resource_id(scope: IConstruct, arn: str) -> str:
    return f"AwsSolutions-IAM5[Resource::{render(Stack.of(scope).resolve(arn))}]"


PACK = "AwsSolutions"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one finding of the AWS Solutions pack on `scope` (and its children), with why."""
    qualified = rule if "::" in rule.split("[", 1)[0] else f"{PACK}::{rule}"
    Validations.of(scope).acknowledge(Acknowledgment(id=qualified, reason=reason))


def acknowledge_wildcard(scope: IConstruct, arn: str, reason: str) -> None:
    """Acknowledge the IAM5 finding for `arn` (which ends in a wildcard) on `scope`'s policies.

    The finding id depends on how the ARN renders in the template, which for a resource of another
    stack is an import whose export name CDK only chooses while preparing the app. So the id is
    computed in the validation phase (after references are resolved, before templates are written).
    """
    scope.node.add_validation(_DeferredAcknowledgement(scope, arn, reason))


@jsii.implements(IValidation)
class _DeferredAcknowledgement:
    def __init__(self, scope: IConstruct, arn: str, reason: str) -> None:
        self.scope, self.arn, self.reason = scope, arn, reason

    def validate(self) -> list[str]:
        acknowledge(self.scope, resource_id(self.scope, self.arn), self.reason)
        return []
