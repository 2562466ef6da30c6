"""Versions and an alias for every orchestration: deployments that never change a running execution.

Step Functions' model (developer guide, "Manage continuous deployments with versions and
aliases" and "Gradual deployment of state machine versions"): a version is an immutable snapshot
of a state machine revision; an alias routes StartExecution to one version, or to two by weight;
an execution runs the version it started with to its end. The construct publishes a version
whenever the deployed state machine changes (`AWS::StepFunctions::StateMachineVersion` bound to
the state machine's revision id, so a new revision replaces it with a new version) and points an
alias at it (`AWS::StepFunctions::StateMachineAlias`), at once or gradually: CloudFormation shifts
the alias from the old version to the new one (CANARY or LINEAR) and rolls back if an alarm fires.
Replaced versions are retained, so the executions still running them, and redrives of them, keep
their definition; delete versions nobody needs with DeleteStateMachineVersion (1000 per machine).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from aws_cdk import CfnDeletionPolicy, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from durable_sfn.cdk._private.errors import OrchestrationConfigError

DEFAULT_ALIAS = "live"
# CloudFormation's bounds for DeploymentPreference.Interval (minutes) and Percentage.
_MAX_INTERVAL_MINUTES = 2100


@dataclass(frozen=True)
class AliasDeployment:
    """How the alias moves to a newly published version.

    `AliasDeployment.canary(10, after=timedelta(minutes=30))` sends 10% of new executions to the
    new version for 30 minutes, then all of them; `AliasDeployment.linear(20, every=...)` adds 20%
    per interval. Either rolls back if one of `alarms` goes off during the shift (default: the
    orchestration's own alarms on failed and timed-out executions). Without a deployment the alias
    moves at once.
    """

    type: str
    percentage: int | None = None
    interval: timedelta | None = None
    alarms: Sequence[cloudwatch.IAlarm] | None = None

    @classmethod
    def all_at_once(cls, *, alarms: Sequence[cloudwatch.IAlarm] | None = None) -> AliasDeployment:
        return cls("ALL_AT_ONCE", alarms=alarms)

    @classmethod
    def canary(
        cls,
        percentage: int,
        *,
        after: timedelta | Duration,
        alarms: Sequence[cloudwatch.IAlarm] | None = None,
    ) -> AliasDeployment:
        return cls("CANARY", percentage, _timedelta(after), alarms)

    @classmethod
    def linear(
        cls,
        percentage: int,
        *,
        every: timedelta | Duration,
        alarms: Sequence[cloudwatch.IAlarm] | None = None,
    ) -> AliasDeployment:
        return cls("LINEAR", percentage, _timedelta(every), alarms)

    def check(self, where: str) -> None:
        if self.type not in ("ALL_AT_ONCE", "CANARY", "LINEAR"):
            raise OrchestrationConfigError(
                f"{where}: deployment type {self.type!r} is not ALL_AT_ONCE, CANARY or LINEAR"
            )
        if self.type == "ALL_AT_ONCE":
            return
        if self.percentage is None or not 1 <= self.percentage <= 99:
            raise OrchestrationConfigError(
                f"{where}: a {self.type} deployment shifts 1 to 99 percent per step, got {self.percentage!r}"
            )
        minutes = self.interval.total_seconds() / 60 if self.interval is not None else 0.0
        if not minutes.is_integer() or not 1 <= minutes <= _MAX_INTERVAL_MINUTES:
            raise OrchestrationConfigError(
                f"{where}: a {self.type} deployment's interval is whole minutes from 1 to "
                f"{_MAX_INTERVAL_MINUTES}, got {self.interval}"
            )


@dataclass(frozen=True)
class PublishedAlias:
    version: sfn.CfnStateMachineVersion
    alias: sfn.CfnStateMachineAlias
    name: str


def publish_with_alias(
    scope: Construct,
    machine: sfn.StateMachine,
    *,
    definition_text: str,
    alias_name: str,
    deployment: AliasDeployment | None,
    default_alarms: Sequence[cloudwatch.IAlarm],
    where: str,
) -> PublishedAlias:
    """A version of the machine's current revision and an alias routed to it."""
    if not alias_name or alias_name.isdigit() or len(alias_name) > 80:
        raise OrchestrationConfigError(
            f"{where}: alias name {alias_name!r} needs 1 to 80 characters, not all digits (a number names a version)"
        )
    digest = hashlib.sha256(definition_text.encode()).hexdigest()[:12]
    version = sfn.CfnStateMachineVersion(
        scope,
        "Version",
        state_machine_arn=machine.state_machine_arn,
        # A new revision (definition, role, logging...) replaces this resource: a new version.
        state_machine_revision_id=machine.state_machine_revision_id,
        description=f"definition sha256 {digest}",
    )
    # The replaced version stays: executions that run it, and their redrives, keep working. (On
    # stack deletion, deleting the state machine deletes its versions anyway.)
    version.cfn_options.update_replace_policy = CfnDeletionPolicy.RETAIN
    version.cfn_options.deletion_policy = CfnDeletionPolicy.RETAIN
    if deployment is None:
        alias = sfn.CfnStateMachineAlias(
            scope,
            "Alias",
            name=alias_name,
            description=f"the version new executions of {machine.node.path} run",
            routing_configuration=[
                sfn.CfnStateMachineAlias.RoutingConfigurationVersionProperty(
                    state_machine_version_arn=version.attr_arn, weight=100
                )
            ],
        )
    else:
        deployment.check(where)
        alarms = deployment.alarms if deployment.alarms is not None else default_alarms
        interval = deployment.interval
        alias = sfn.CfnStateMachineAlias(
            scope,
            "Alias",
            name=alias_name,
            description=f"the version new executions of {machine.node.path} run ({deployment.type} deployment)",
            deployment_preference=sfn.CfnStateMachineAlias.DeploymentPreferenceProperty(
                state_machine_version_arn=version.attr_arn,
                type=deployment.type,
                percentage=deployment.percentage,
                interval=int(interval.total_seconds() // 60) if interval is not None else None,
                alarms=[a.alarm_name for a in alarms] or None,
            ),
        )
    return PublishedAlias(version, alias, alias_name)


def _timedelta(value: timedelta | Duration) -> timedelta:
    return value if isinstance(value, timedelta) else timedelta(seconds=value.to_seconds())
