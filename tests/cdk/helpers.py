"""Reading synthesized templates: resolve the few intrinsic shapes CDK emits for ARNs."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Actions AWS documents with no resource-level permissions, so `Resource: "*"` is the only option.
RESOURCELESS_ACTIONS = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def render(value: Any) -> str:
    """An intrinsic as readable text: {'Fn::GetAtt': ['Fn', 'Arn']} -> '<Fn.Arn>'."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        key, arg = next(iter(value.items()))
        if key == "Ref":
            return f"<{arg}>"
        if key == "Fn::GetAtt":
            return f"<{arg[0]}.{arg[1]}>"
        if key == "Fn::Join":
            return str(arg[0]).join(render(v) for v in arg[1])
        if key == "Fn::ImportValue":
            return f"<import {render(arg)}>"
    return repr(value)


def policy_statements(template: Mapping[str, Any], role_logical_id: str) -> list[dict[str, Any]]:
    """Every statement of the AWS::IAM::Policy resources attached to one role."""
    statements: list[dict[str, Any]] = []
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        roles = [r.get("Ref") for r in resource["Properties"].get("Roles", [])]
        if role_logical_id in roles:
            statements += resource["Properties"]["PolicyDocument"]["Statement"]
    return statements


def grants_by_action(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    granted: dict[str, set[str]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            granted.setdefault(action, set()).update(render(r) for r in as_list(statement["Resource"]))
    return granted


def logical_id_of_ref(value: Any) -> str:
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    raise AssertionError(f"not a reference: {value!r}")


def cfn_lint(templates: list[Path]) -> subprocess.CompletedProcess[str]:
    """Run the cfn-lint installed beside this interpreter (it has no `python -m` entry point)."""
    executable = Path(sys.executable).parent / "cfn-lint"
    return subprocess.run(
        [str(executable), *map(str, templates)], capture_output=True, text=True, check=False
    )
