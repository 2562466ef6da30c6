"""State machine versions and aliases of the boto3-shaped client.

AWS's model (developer guide, "Manage continuous deployments with versions and aliases"): every
update of a state machine makes a new *revision*; `PublishStateMachineVersion` snapshots the
current revision as version N (numbers start at 1 and are never reused); a version's ARN is the
state machine ARN plus `:N`. An *alias* (`:NAME`) routes StartExecution to one version, or to two
by weight; the version is drawn per execution. An execution runs the definition of the version it
started with until it ends, whatever happens to the state machine, its versions or aliases, and a
redrive keeps that version and alias.
"""

from __future__ import annotations

import re
from typing import Any

from durable_sfn.engine.api.base import (
    AliasRecord,
    ClientState,
    StateMachineRecord,
    Target,
    VersionRecord,
    check_name,
    page,
)
from durable_sfn.engine.api.errors import error

# Quotas: versions per state machine, aliases per state machine.
MAX_VERSIONS = 1000
MAX_ALIASES = 100
# An alias name needs a character that is not a digit, so it can never read as a version number.
_ALIAS_NAME = re.compile(r"^(?=.*[a-zA-Z_\-.])[a-zA-Z0-9_\-.]+$")


class VersionsApi(ClientState):
    # --- versions -------------------------------------------------------------------------

    def _publish(self, machine: StateMachineRecord, description: str | None, operation: str) -> VersionRecord:
        """Publish the current revision (idempotently: one version per revision). Caller holds the lock."""
        for version in machine.versions.values():
            if version.revision_id == machine.revision_id:
                if (version.description or None) != (description or None):
                    raise error(
                        "ConflictException",
                        f"Version {version.arn} already publishes the current revision with another "
                        "description; a revision is published once",
                        operation,
                    )
                return version
        if len(machine.versions) >= MAX_VERSIONS:
            raise error(
                "ServiceQuotaExceededException",
                f"State machine {machine.info.arn} already has {MAX_VERSIONS} versions: delete unused "
                "versions with DeleteStateMachineVersion",
                operation,
            )
        number = machine.next_version
        machine.next_version += 1
        version = VersionRecord(
            number=number,
            arn=f"{machine.info.arn}:{number}",
            info=machine.info,
            definition_text=machine.definition_text,
            revision_id=machine.revision_id,
            description=description,
            created=self.clock.now(),
        )
        machine.versions[number] = version
        return version

    def publish_state_machine_version(
        self, *, stateMachineArn: str, revisionId: str | None = None, description: str | None = None
    ) -> dict[str, Any]:
        operation = "PublishStateMachineVersion"
        machine, _case = self._machine(stateMachineArn, operation)
        with self._lock:
            if revisionId is not None and revisionId != machine.revision_id:
                raise error(
                    "ConflictException",
                    f"revisionId '{revisionId}' is not the current revision of {machine.info.arn} "
                    f"('{machine.revision_id}'): the state machine was updated since",
                    operation,
                )
            version = self._publish(machine, description, operation)
        return {"creationDate": version.created, "stateMachineVersionArn": version.arn}

    def list_state_machine_versions(
        self, *, stateMachineArn: str, nextToken: str | None = None, maxResults: int = 0
    ) -> dict[str, Any]:
        operation = "ListStateMachineVersions"
        machine, _case = self._machine(stateMachineArn, operation)
        with self._lock:
            versions = sorted(machine.versions.values(), key=lambda v: v.number, reverse=True)
        listed = page(
            versions,
            "stateMachineVersions",
            maxResults,
            nextToken,
            operation=operation,
            position=lambda v: v.number,
            descending=True,
        )
        listed["stateMachineVersions"] = [
            {"stateMachineVersionArn": v.arn, "creationDate": v.created}
            for v in listed["stateMachineVersions"]
        ]
        return listed

    def delete_state_machine_version(self, *, stateMachineVersionArn: str) -> dict[str, Any]:
        operation = "DeleteStateMachineVersion"
        target = self._qualified(stateMachineVersionArn, operation, version=True)
        if target is None:
            return {}  # the state machine is gone, and its versions with it
        number = int(target.qualifier or 0)
        with self._lock:
            users = sorted(
                a.name
                for a in target.machine.aliases.values()
                if any(arn == stateMachineVersionArn for arn, _w in a.routing)
            )
            if users:
                raise error(
                    "ConflictException",
                    f"Version {stateMachineVersionArn} is routed to by alias {', '.join(users)}: update "
                    "or delete the alias first",
                    operation,
                )
            # Running executions of the version keep their definition (they hold its MachineInfo).
            target.machine.versions.pop(number, None)
        return {}

    # --- aliases --------------------------------------------------------------------------

    def _routing(self, routing: Any, operation: str) -> tuple[StateMachineRecord, list[tuple[str, int]]]:
        """Check a routingConfiguration; returns the state machine and (version ARN, weight) pairs."""
        if not isinstance(routing, list) or not 1 <= len(routing) <= 2:
            raise error(
                "ValidationException",
                "routingConfiguration must list one or two versions with their weights",
                operation,
            )
        pairs: list[tuple[str, int]] = []
        machine: StateMachineRecord | None = None
        for entry in routing:
            arn = entry.get("stateMachineVersionArn") if isinstance(entry, dict) else None
            weight = entry.get("weight") if isinstance(entry, dict) else None
            if not isinstance(arn, str) or not isinstance(weight, int) or isinstance(weight, bool):
                raise error(
                    "ValidationException",
                    "each routingConfiguration entry needs stateMachineVersionArn (string) and weight "
                    "(integer)",
                    operation,
                )
            if not 0 <= weight <= 100:
                raise error("ValidationException", f"weight {weight} is not between 0 and 100", operation)
            target = self._qualified(arn, operation, version=True, missing="ResourceNotFound")
            assert target is not None
            with self._lock:
                exists = int(target.qualifier or 0) in target.machine.versions
            if not exists:
                raise error("ResourceNotFound", f"Resource not found: '{arn}'", operation)
            if machine is not None and target.machine is not machine:
                raise error(
                    "ValidationException",
                    "the versions of an alias must belong to the same state machine",
                    operation,
                )
            machine = target.machine
            pairs.append((arn, weight))
        if len({arn for arn, _w in pairs}) != len(pairs):
            raise error("ValidationException", "routingConfiguration names a version twice", operation)
        if sum(weight for _arn, weight in pairs) != 100:
            raise error("ValidationException", "the routing weights must add up to 100", operation)
        assert machine is not None
        return machine, pairs

    def create_state_machine_alias(
        self, *, name: str, routingConfiguration: list[dict[str, Any]], description: str | None = None
    ) -> dict[str, Any]:
        operation = "CreateStateMachineAlias"
        check_name(name, operation, what="state machine alias")
        if not _ALIAS_NAME.match(name):
            raise error(
                "ValidationException",
                f"Invalid alias name '{name}': letters, digits, '-', '_' and '.', with at least one "
                "character that is not a digit (a number would read as a version)",
                operation,
            )
        machine, pairs = self._routing(routingConfiguration, operation)
        now = self.clock.now()
        with self._lock:
            existing = machine.aliases.get(name)
            if existing is not None:
                if existing.routing == pairs and (existing.description or None) == (description or None):
                    return {"stateMachineAliasArn": existing.arn, "creationDate": existing.created}
                raise error(
                    "ConflictException",
                    f"Alias {existing.arn} already exists with another configuration: use "
                    "UpdateStateMachineAlias",
                    operation,
                )
            if len(machine.aliases) >= MAX_ALIASES:
                raise error(
                    "ServiceQuotaExceededException",
                    f"State machine {machine.info.arn} already has {MAX_ALIASES} aliases",
                    operation,
                )
            alias = AliasRecord(name, f"{machine.info.arn}:{name}", description, pairs, now, now)
            machine.aliases[name] = alias
        return {"stateMachineAliasArn": alias.arn, "creationDate": alias.created}

    def _alias(self, arn: str, operation: str) -> tuple[StateMachineRecord, AliasRecord]:
        target = self._qualified(arn, operation, version=False, missing="ResourceNotFound")
        assert target is not None
        with self._lock:
            alias = target.machine.aliases.get(target.qualifier or "")
        if alias is None:
            raise error("ResourceNotFound", f"Resource not found: '{arn}'", operation)
        return target.machine, alias

    def describe_state_machine_alias(self, *, stateMachineAliasArn: str) -> dict[str, Any]:
        _machine, alias = self._alias(stateMachineAliasArn, "DescribeStateMachineAlias")
        out: dict[str, Any] = {
            "stateMachineAliasArn": alias.arn,
            "name": alias.name,
            "routingConfiguration": [
                {"stateMachineVersionArn": arn, "weight": weight} for arn, weight in alias.routing
            ],
            "creationDate": alias.created,
            "updateDate": alias.updated,
        }
        if alias.description is not None:
            out["description"] = alias.description
        return out

    def update_state_machine_alias(
        self,
        *,
        stateMachineAliasArn: str,
        description: str | None = None,
        routingConfiguration: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        operation = "UpdateStateMachineAlias"
        if description is None and routingConfiguration is None:
            raise error(
                "ValidationException",
                "UpdateStateMachineAlias needs description or routingConfiguration (or both)",
                operation,
            )
        machine, alias = self._alias(stateMachineAliasArn, operation)
        pairs = None
        if routingConfiguration is not None:
            routed, pairs = self._routing(routingConfiguration, operation)
            if routed is not machine:
                raise error(
                    "ValidationException",
                    f"the versions must belong to the alias's state machine {machine.info.arn}",
                    operation,
                )
        now = self.clock.now()
        with self._lock:
            if pairs is not None:
                alias.routing = pairs
            if description is not None:
                alias.description = description
            alias.updated = now
        return {"updateDate": now}

    def list_state_machine_aliases(
        self, *, stateMachineArn: str, nextToken: str | None = None, maxResults: int = 0
    ) -> dict[str, Any]:
        """Aliases of a state machine, or (given a version ARN) the aliases routing to that version."""
        operation = "ListStateMachineAliases"
        target = self._target(stateMachineArn, operation)
        if target.alias is not None:
            raise error(
                "InvalidArn",
                f"Invalid Arn: '{stateMachineArn}' is an alias ARN: pass a state machine or version ARN",
                operation,
            )
        with self._lock:
            aliases = sorted(target.machine.aliases.values(), key=lambda a: a.name)
        if target.version is not None:
            version_arn = target.version.arn
            aliases = [a for a in aliases if any(arn == version_arn for arn, _w in a.routing)]
        listed = page(
            aliases,
            "stateMachineAliases",
            maxResults,
            nextToken,
            operation=operation,
            position=lambda a: a.name,
        )
        listed["stateMachineAliases"] = [
            {"stateMachineAliasArn": a.arn, "creationDate": a.created} for a in listed["stateMachineAliases"]
        ]
        return listed

    def delete_state_machine_alias(self, *, stateMachineAliasArn: str) -> dict[str, Any]:
        machine, alias = self._alias(stateMachineAliasArn, "DeleteStateMachineAlias")
        with self._lock:
            machine.aliases.pop(alias.name, None)
        return {}

    # --- routing ----------------------------------------------------------------------------

    def _route(self, alias: AliasRecord, machine: StateMachineRecord, operation: str) -> VersionRecord:
        """The version one StartExecution through `alias` runs: drawn by the routing weights."""
        with self._lock:
            arns = [arn for arn, _w in alias.routing]
            weights = [weight for _arn, weight in alias.routing]
            chosen = self.routing_random.choices(arns, weights=weights)[0]
            version = machine.versions.get(int(chosen.rsplit(":", 1)[1]))
        if version is None:  # cannot happen: a routed version cannot be deleted
            raise error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{chosen}'", operation)
        return version

    def _qualified(
        self, arn: str, operation: str, *, version: bool, missing: str | None = None
    ) -> Target | None:
        """A version (`version=True`) or alias ARN, parsed; None if its state machine does not exist.

        `missing`: the error code to raise instead of returning None.
        """
        try:
            target = self._target(arn, operation, resolve=False)
        except Exception as exc:
            if getattr(exc, "code", "") != "StateMachineDoesNotExist":
                raise
            if missing is None:
                return None
            raise error(missing, f"Resource not found: '{arn}'", operation) from None
        qualifier = target.qualifier
        if qualifier is None or qualifier.isdigit() != version:
            kind = "version (stateMachine:NAME:N)" if version else "alias (stateMachine:NAME:ALIAS)"
            raise error("ValidationException", f"'{arn}' is not a state machine {kind} ARN", operation)
        return target
