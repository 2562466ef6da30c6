"""State machine operations of the boto3-shaped client: create, describe, update, delete, list, validate, tags."""

from __future__ import annotations

import uuid
from typing import Any

from durable_sfn.asl.diagnostics import InvalidDefinitionError
from durable_sfn.asl.validate import ensure_valid, validate_definition
from durable_sfn.engine.api.base import (
    DEFAULT_ROLE,
    STATE_MACHINE_ARN,
    StateMachineRecord,
    check_name,
    page,
)
from durable_sfn.engine.api.errors import error
from durable_sfn.engine.api.versions import VersionsApi
from durable_sfn.engine.execution import MachineInfo


def _publish_options(kwargs: dict[str, Any], operation: str) -> tuple[bool, str | None]:
    """`publish` and `versionDescription`, taken out of the request (a description needs publish)."""
    publish = bool(kwargs.pop("publish", False))
    description = kwargs.pop("versionDescription", None)
    if description is not None and not publish:
        raise error(
            "ValidationException",
            "versionDescription can only be set when publish is true",
            operation,
        )
    return publish, description


class MachinesApi(VersionsApi):
    # --- state machines -------------------------------------------------------------------

    def _parse_definition(self, definition: str, operation: str) -> dict[str, Any]:
        try:
            return ensure_valid(definition)
        except InvalidDefinitionError as exc:
            raise error("InvalidDefinition", exc.aws_message(), operation) from None

    def create_state_machine(
        self,
        *,
        name: str,
        definition: str,
        roleArn: str = DEFAULT_ROLE,
        type: str = "STANDARD",
        **kwargs: Any,
    ) -> dict[str, Any]:
        check_name(name, "CreateStateMachine", what="state machine")
        publish, version_description = _publish_options(kwargs, "CreateStateMachine")
        if type not in ("STANDARD", "EXPRESS"):
            raise error(
                "ValidationException",
                f"Value '{type}' at 'type' failed to satisfy constraint",
                "CreateStateMachine",
            )
        parsed = self._parse_definition(definition, "CreateStateMachine")
        arn = self._machine_arn(name)
        now = self.clock.now()
        with self._lock:
            existing = self._machines.get(arn)
            if existing is not None:
                if (
                    existing.definition_text == definition
                    and existing.info.role_arn == roleArn
                    and existing.info.type == type
                ):
                    out: dict[str, Any] = {"stateMachineArn": arn, "creationDate": existing.created}
                    if publish:
                        version = self._publish(existing, version_description, "CreateStateMachine")
                        out["stateMachineVersionArn"] = version.arn
                    return out
                raise error(
                    "StateMachineAlreadyExists",
                    f"State Machine Already Exists: '{arn}'",
                    "CreateStateMachine",
                )
            info = MachineInfo(arn=arn, name=name, definition=parsed, role_arn=roleArn, type=type)
            record = StateMachineRecord(info, definition, now, dict(kwargs))
            self._machines[arn] = record
            if kwargs.get("tags"):
                self._tags[arn] = {t["key"]: t["value"] for t in kwargs["tags"]}
            created: dict[str, Any] = {"stateMachineArn": arn, "creationDate": now}
            if publish:
                created["stateMachineVersionArn"] = self._publish(
                    record, version_description, "CreateStateMachine"
                ).arn
        return created

    def describe_state_machine(self, *, stateMachineArn: str, **_: Any) -> dict[str, Any]:
        """The state machine, or (given a version ARN) that version's definition and revision."""
        target = self._target(stateMachineArn, "DescribeStateMachine")
        if target.alias is not None:
            raise error(
                "InvalidArn",
                f"Invalid Arn: '{stateMachineArn}' is an alias ARN: use DescribeStateMachineAlias",
                "DescribeStateMachine",
            )
        machine, version = target.machine, target.version
        info = target.info
        out: dict[str, Any] = {
            "stateMachineArn": version.arn if version is not None else info.arn,
            "name": info.name,
            "status": "ACTIVE",
            "definition": version.definition_text if version is not None else machine.definition_text,
            "roleArn": info.role_arn,
            "type": info.type,
            "creationDate": version.created if version is not None else machine.created,
            "loggingConfiguration": machine.extra.get(
                "loggingConfiguration", {"level": "OFF", "includeExecutionData": False}
            ),
            "tracingConfiguration": machine.extra.get("tracingConfiguration", {"enabled": False}),
            "revisionId": version.revision_id if version is not None else machine.revision_id,
        }
        if version is not None and version.description is not None:
            out["description"] = version.description
        return out

    def update_state_machine(
        self,
        *,
        stateMachineArn: str,
        definition: str | None = None,
        roleArn: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        machine, _case = self._machine(stateMachineArn, "UpdateStateMachine")
        publish, version_description = _publish_options(kwargs, "UpdateStateMachine")
        with self._lock:
            changed = (
                (definition is not None and definition != machine.definition_text)
                or (roleArn is not None and roleArn != machine.info.role_arn)
                or any(machine.extra.get(k) != v for k, v in kwargs.items())
            )
            if definition is not None:
                parsed = self._parse_definition(definition, "UpdateStateMachine")
                machine.info = MachineInfo(
                    machine.info.arn,
                    machine.info.name,
                    parsed,
                    roleArn or machine.info.role_arn,
                    machine.info.type,
                )
                machine.definition_text = definition
            elif roleArn is not None:
                machine.info = MachineInfo(
                    machine.info.arn, machine.info.name, machine.info.definition, roleArn, machine.info.type
                )
            machine.extra.update(kwargs)
            if changed:  # every update that changes something is a new revision
                machine.revision_id = str(uuid.uuid4())
            out: dict[str, Any] = {"updateDate": self.clock.now(), "revisionId": machine.revision_id}
            if publish:
                out["stateMachineVersionArn"] = self._publish(
                    machine, version_description, "UpdateStateMachine"
                ).arn
        return out

    def delete_state_machine(self, *, stateMachineArn: str) -> dict[str, Any]:
        """Delete a state machine with its versions and aliases; its running executions go on."""
        m = STATE_MACHINE_ARN.match(stateMachineArn or "")
        if m is None:
            raise error("InvalidArn", f"Invalid Arn: '{stateMachineArn}'", "DeleteStateMachine")
        if m.group("qualifier") is not None:
            raise error(
                "ValidationException",
                f"'{stateMachineArn}' is a version or alias ARN: use DeleteStateMachineVersion or "
                "DeleteStateMachineAlias",
                "DeleteStateMachine",
            )
        with self._lock:
            self._machines.pop(stateMachineArn.split("#", 1)[0], None)
        return {}

    def list_state_machines(self, *, maxResults: int = 0, nextToken: str | None = None) -> dict[str, Any]:
        with self._lock:
            machines = sorted(self._machines.values(), key=lambda m: m.info.name)
        items = [
            {
                "stateMachineArn": m.info.arn,
                "name": m.info.name,
                "type": m.info.type,
                "creationDate": m.created,
            }
            for m in machines
        ]
        return page(
            items,
            "stateMachines",
            maxResults,
            nextToken,
            operation="ListStateMachines",
            position=lambda item: item["name"],
        )

    def validate_state_machine_definition(
        self,
        *,
        definition: str,
        type: str = "STANDARD",
        severity: str = "ERROR",
        maxResults: int = 0,
        **_: Any,
    ) -> dict[str, Any]:
        diagnostics = validate_definition(definition)
        shown = [d for d in diagnostics if severity == "WARNING" or d.severity == "ERROR"]
        if maxResults:
            shown = shown[:maxResults]
        errors_found = any(d.severity == "ERROR" for d in diagnostics)
        return {
            "result": "FAIL" if errors_found else "OK",
            "diagnostics": [d.to_aws() for d in shown],
            "truncated": False,
        }

    # --- tags ----------------------------------------------------------------------------

    def tag_resource(self, *, resourceArn: str, tags: list[dict[str, str]]) -> dict[str, Any]:
        with self._lock:
            current = self._tags.setdefault(resourceArn, {})
            current.update({t["key"]: t["value"] for t in tags})
        return {}

    def untag_resource(self, *, resourceArn: str, tagKeys: list[str]) -> dict[str, Any]:
        with self._lock:
            current = self._tags.get(resourceArn, {})
            for key in tagKeys:
                current.pop(key, None)
        return {}

    def list_tags_for_resource(self, *, resourceArn: str) -> dict[str, Any]:
        with self._lock:
            current = dict(self._tags.get(resourceArn, {}))
        return {"tags": [{"key": k, "value": v} for k, v in current.items()]}
