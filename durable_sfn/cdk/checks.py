"""App-wide checks of orchestrations, run by CDK's validation phase (`node.add_validation`).

They need the whole app, so they cannot run while one construct is built: a parent may be
declared before the child it calls, in another stack, or with a name another stack also uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import jsii
from aws_cdk import Stack, Token
from constructs import Construct, IValidation

if TYPE_CHECKING:
    from durable_sfn.cdk.orchestration import Orchestration


@jsii.implements(IValidation)
class AppWideChecks:
    """Sub-orchestrations resolved by name exist in the app; state machine names do not collide."""

    def __init__(self, orchestration: Orchestration) -> None:
        self.orchestration = orchestration

    def validate(self) -> list[str]:
        from durable_sfn.cdk.orchestration import Orchestration

        me = self.orchestration
        others = [c for c in me.node.root.node.find_all() if isinstance(c, Orchestration)]
        return self._missing_children(me, others) + self._name_clashes(me, others)

    @staticmethod
    def _missing_children(me: Orchestration, others: list[Orchestration]) -> list[str]:
        errors: list[str] = []
        by_name = {o.orchestrator.name: o for o in others}
        for name, states in sorted(me.requirements.sub_orchestrations.items()):
            if name in me.explicit_sub_orchestrations or name == me.orchestrator.name:
                continue
            target = by_name.get(name)
            if target is None:
                errors.append(
                    f"orchestrator {me.orchestrator.name!r} ({me.where}) calls sub-orchestrator {name!r} "
                    f"(state {states[0]!r}), but no Orchestration in this app deploys it: add "
                    f"Orchestration(scope, id, orchestrator=<the @orchestrator named {name!r}>) or pass "
                    "sub_orchestrations="
                )
            elif target.state_machine_name != name or not same_environment(me, target):
                errors.append(
                    f"orchestrator {me.orchestrator.name!r} calls {name!r}, whose state machine is named "
                    f"{target.state_machine_name!r} in stack {Stack.of(target).stack_name}; pass it "
                    "explicitly with sub_orchestrations=[...] (names differ or the stacks' "
                    "account/region differ)"
                )
        return errors

    @staticmethod
    def _name_clashes(me: Orchestration, others: list[Orchestration]) -> list[str]:
        return [
            f"state machine name {me.state_machine_name!r} is used by both {me.node.path} and "
            f"{other.node.path}; names are unique per account and region: set state_machine_name="
            for other in others
            if other is not me
            and other.state_machine_name == me.state_machine_name
            and same_environment(me, other)
        ]


def same_environment(a: Construct, b: Construct) -> bool:
    """Same account and region, or both environment-agnostic (deployed wherever the CLI points)."""
    sa, sb = Stack.of(a), Stack.of(b)
    same_account = sa.account == sb.account or (
        Token.is_unresolved(sa.account) and Token.is_unresolved(sb.account)
    )
    same_region = sa.region == sb.region or (
        Token.is_unresolved(sa.region) and Token.is_unresolved(sb.region)
    )
    return same_account and same_region
