"""Shared state, lookups and request checks of the boto3-shaped client, so each API group stays small."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from durable_sfn._aws import role_arn, state_machine_arn
from durable_sfn.engine.api.errors import error
from durable_sfn.engine.clock import Clock
from durable_sfn.engine.execution import Execution, MachineInfo
from durable_sfn.engine.integrations import callbacks
from durable_sfn.engine.limits import MAX_NAME_LENGTH, MAX_PAYLOAD_BYTES
from durable_sfn.engine.mock_config import MockConfig
from durable_sfn.engine.states.base import Services

STATE_MACHINE_ARN = re.compile(
    r"^arn:aws[\w-]*:states:(?P<region>[^:]+):(?P<account>\d{12}):stateMachine:(?P<name>[^:#]+)(?:#(?P<case>[^:]+))?(?::.*)?$"
)
_EXEC_ARN = re.compile(r"^arn:aws[\w-]*:states:[^:]+:\d{12}:(execution|express):[^:]+:[^:]+(:[^:]+)?$")
DEFAULT_ROLE = role_arn("StepFunctionsLocal")

# Names may not contain whitespace, brackets, wildcards, special or control characters.
_BAD_NAME = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


def check_name(name: str, operation: str, *, what: str) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_LENGTH or _BAD_NAME.search(name):
        raise error(
            "InvalidName",
            f"Invalid Name: '{name}' (a {what} name is 1-{MAX_NAME_LENGTH} characters without whitespace, "
            'brackets, wildcards or the characters " # % \\ ^ | ~ ` $ & , ; : /)',
            operation,
        )


def check_input_size(text: str, operation: str) -> None:
    if len(text.encode()) > MAX_PAYLOAD_BYTES:
        raise error(
            "InvalidExecutionInput",
            f"Invalid State Machine Execution Input: the input is {len(text.encode())} bytes; the limit is {MAX_PAYLOAD_BYTES}",
            operation,
        )


class StateMachineRecord:
    def __init__(
        self, info: MachineInfo, definition_text: str, created: datetime, extra: dict[str, Any]
    ) -> None:
        self.info = info
        self.definition_text = definition_text
        self.created = created
        self.extra = extra
        self.executions: list[Execution] = []


class ClientState:
    """The registries every API group reads; LocalStepFunctions initialises them."""

    clock: Clock
    region: str
    account_id: str
    mock_config: MockConfig | None
    _lock: threading.RLock
    _machines: dict[str, StateMachineRecord]
    _executions: dict[str, Execution]
    _lambdas: dict[str, Callable[[Any, Any], Any]]
    _tokens: dict[str, callbacks.TokenRecord]
    _tags: dict[str, dict[str, str]]

    def _services(self) -> Services:
        """The client as the services its executions use (LocalStepFunctions is both)."""
        raise NotImplementedError

    def _machine_arn(self, name: str) -> str:
        return state_machine_arn(name, region=self.region, account=self.account_id)

    def _machine(self, arn: str, operation: str) -> tuple[StateMachineRecord, str | None]:
        m = STATE_MACHINE_ARN.match(arn or "")
        if m is None:
            raise error(
                "InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {arn}'", operation
            )
        base = (
            self._machine_arn(m.group("name")) if m.group("region") == self.region else arn.split("#", 1)[0]
        )
        with self._lock:
            machine = self._machines.get(base)
        if machine is None:
            raise error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'", operation)
        return machine, m.group("case")

    def _execution(self, arn: str, operation: str) -> Execution:
        if not isinstance(arn, str) or not _EXEC_ARN.match(arn):
            raise error(
                "InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {arn}'", operation
            )
        with self._lock:
            execution = self._executions.get(arn)
        if execution is None:
            raise error("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'", operation)
        return execution


def page(items: list[Any], key: str, max_results: int, next_token: str | None) -> dict[str, Any]:
    """One page of a List* response, with boto3's `maxResults` / `nextToken` paging."""
    start = int(next_token) if next_token else 0
    if max_results and max_results > 0:
        chunk = items[start : start + max_results]
        out: dict[str, Any] = {key: chunk}
        if start + max_results < len(items):
            out["nextToken"] = str(start + max_results)
        return out
    return {key: items[start:]}
