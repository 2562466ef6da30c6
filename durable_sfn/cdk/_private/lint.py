"""Keep synthesized templates free of cfn-lint findings.

CDK makes a function or state machine depend on its role *and* the role's default policy, so the
policy exists before the first invocation. The role dependency is already implied by the `GetAtt`
of the role's ARN, which cfn-lint reports (W3005); only the policy dependency carries information.
"""

from __future__ import annotations

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_iam as iam
from constructs import IConstruct


def depend_on_policy_only(resource: IConstruct, role: iam.IRole) -> None:
    """Replace `resource`'s DependsOn with the role's default policy alone."""
    cfn = resource.node.default_child
    policy = role.node.try_find_child("DefaultPolicy")
    if not isinstance(cfn, CfnResource) or policy is None or policy.node.default_child is None:
        return
    logical_id = Stack.of(cfn).get_logical_id(policy.node.default_child)  # type: ignore[arg-type]
    cfn.add_override("DependsOn", [logical_id])
