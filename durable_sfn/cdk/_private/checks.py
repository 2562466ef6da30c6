"""App-wide checks of orchestrations, run by CDK's validation phase (`node.add_validation`).

They need the whole app, so they cannot run while one construct is built: a parent may be
declared before the child it calls, in another stack, or with a name another stack also uses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import jsii
from aws_cdk import Stack, Token
from constructs import Construct, IValidation


@dataclass(frozen=True)
class DeployedMachine:
    """What the checks need to know of one orchestration deployed in the app."""

    construct: Construct
    orchestrator: str
    where: str
    state_machine_name: str
    # Sub-orchestrator name -> the states calling it.
    calls: Mapping[str, tuple[str, ...]]
    # Sub-orchestrators passed with sub_orchestrations= rather than found by name.
    given: frozenset[str]


@jsii.implements(IValidation)
class AppWideChecks:
    """Sub-orchestrations resolved by name exist in the app; state machine names do not collide.

    `app_machines` lists every orchestration of the app when validation runs (after construction)."""

    def __init__(self, me: DeployedMachine, app_machines: Callable[[], Sequence[DeployedMachine]]) -> None:
        self.me = me
        self.app_machines = app_machines

    def validate(self) -> list[str]:
        others = list(self.app_machines())
        return self._missing_children(self.me, others) + self._name_clashes(self.me, others)

    @staticmethod
    def _missing_children(me: DeployedMachine, others: list[DeployedMachine]) -> list[str]:
        errors: list[str] = []
        by_name = {o.orchestrator: o for o in others}
        for name, states in sorted(me.calls.items()):
            if name in me.given or name == me.orchestrator:
                continue
            target = by_name.get(name)
            if target is None:
                errors.append(
                    f"orchestrator {me.orchestrator!r} ({me.where}) calls sub-orchestrator {name!r} "
                    f"(state {states[0]!r}), but no Orchestration in this app deploys it: add "
                    f"Orchestration(scope, id, orchestrator=<the @orchestrator named {name!r}>) or pass "
                    "sub_orchestrations="
                )
            elif target.state_machine_name != name or not same_environment(me.construct, target.construct):
                errors.append(
                    f"orchestrator {me.orchestrator!r} calls {name!r}, whose state machine is named "
                    f"{target.state_machine_name!r} in stack {Stack.of(target.construct).stack_name}; pass it "
                    "explicitly with sub_orchestrations=[...] (names differ or the stacks' "
                    "account/region differ)"
                )
        return errors

    @staticmethod
    def _name_clashes(me: DeployedMachine, others: list[DeployedMachine]) -> list[str]:
        return [
            f"state machine name {me.state_machine_name!r} is used by both {me.construct.node.path} and "
            f"{other.construct.node.path}; names are unique per account and region: set state_machine_name="
            for other in others
            if other.construct is not me.construct
            and other.state_machine_name == me.state_machine_name
            and same_environment(me.construct, other.construct)
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
