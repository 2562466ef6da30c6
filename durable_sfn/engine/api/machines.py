"""State machine operations of the boto3-shaped client: create, describe, update, delete, list, validate, tags."""

from __future__ import annotations

from typing import Any

from durable_sfn.asl.diagnostics import InvalidDefinitionError
from durable_sfn.asl.validate import ensure_valid, validate_definition
from durable_sfn.engine.api.base import (
    DEFAULT_ROLE,
    STATE_MACHINE_ARN,
    ClientState,
    StateMachineRecord,
    check_name,
    page,
)
from durable_sfn.engine.api.errors import error
from durable_sfn.engine.execution import MachineInfo


class MachinesApi(ClientState):
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
                    return {"stateMachineArn": arn, "creationDate": existing.created}
                raise error(
                    "StateMachineAlreadyExists",
                    f"State Machine Already Exists: '{arn}'",
                    "CreateStateMachine",
                )
            info = MachineInfo(arn=arn, name=name, definition=parsed, role_arn=roleArn, type=type)
            self._machines[arn] = StateMachineRecord(info, definition, now, dict(kwargs))
            if kwargs.get("tags"):
                self._tags[arn] = {t["key"]: t["value"] for t in kwargs["tags"]}
        return {"stateMachineArn": arn, "creationDate": now}

    def describe_state_machine(self, *, stateMachineArn: str, **_: Any) -> dict[str, Any]:
        machine, _case = self._machine(stateMachineArn, "DescribeStateMachine")
        info = machine.info
        return {
            "stateMachineArn": info.arn,
            "name": info.name,
            "status": "ACTIVE",
            "definition": machine.definition_text,
            "roleArn": info.role_arn,
            "type": info.type,
            "creationDate": machine.created,
            "loggingConfiguration": machine.extra.get(
                "loggingConfiguration", {"level": "OFF", "includeExecutionData": False}
            ),
            "tracingConfiguration": machine.extra.get("tracingConfiguration", {"enabled": False}),
        }

    def update_state_machine(
        self,
        *,
        stateMachineArn: str,
        definition: str | None = None,
        roleArn: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        machine, _case = self._machine(stateMachineArn, "UpdateStateMachine")
        with self._lock:
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
        return {"updateDate": self.clock.now()}

    def delete_state_machine(self, *, stateMachineArn: str) -> dict[str, Any]:
        m = STATE_MACHINE_ARN.match(stateMachineArn or "")
        if m is None:
            raise error("InvalidArn", f"Invalid Arn: '{stateMachineArn}'", "DeleteStateMachine")
        with self._lock:
            self._machines.pop(stateMachineArn, None)
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
        return page(items, "stateMachines", maxResults, nextToken)

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
