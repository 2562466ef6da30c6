"""Shared state, lookups and request checks of the boto3-shaped client, so each API group stays small."""

from __future__ import annotations

import base64
import binascii
import json
import random
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
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
    r"^arn:aws[\w-]*:states:(?P<region>[^:]+):(?P<account>\d{12}):stateMachine:(?P<name>[^:#]+)"
    r"(?:#(?P<case>[^:]+))?(?::(?P<qualifier>[^:#]+)(?:#(?P<qcase>[^:]+))?)?$"
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


@dataclass
class VersionRecord:
    """A published version: an immutable snapshot of one revision (its own MachineInfo)."""

    number: int
    arn: str
    info: MachineInfo
    definition_text: str
    revision_id: str
    description: str | None
    created: datetime


@dataclass
class AliasRecord:
    """An alias: a name routing StartExecution to one or two versions by weight."""

    name: str
    arn: str
    description: str | None
    routing: list[tuple[str, int]]  # (version ARN, weight), weights summing to 100
    created: datetime
    updated: datetime


@dataclass
class ExecutionOrigin:
    """What an execution was started from: the definition text it runs and the version or alias."""

    definition_text: str
    revision_id: str
    version_arn: str | None = None
    alias_arn: str | None = None


class StateMachineRecord:
    def __init__(
        self, info: MachineInfo, definition_text: str, created: datetime, extra: dict[str, Any]
    ) -> None:
        self.info = info
        self.definition_text = definition_text
        self.created = created
        self.extra = extra
        self.executions: list[Execution] = []
        # Each update of the definition or role is a new revision; versions snapshot revisions.
        self.revision_id = str(uuid.uuid4())
        self.versions: dict[int, VersionRecord] = {}
        self.next_version = 1  # version numbers are never reused, even after a delete
        self.aliases: dict[str, AliasRecord] = {}


@dataclass(frozen=True)
class Target:
    """What a state machine ARN designates: the machine, and a version or alias of it (or neither)."""

    machine: StateMachineRecord
    case: str | None = None  # the mock-config test case (`Name#case`)
    version: VersionRecord | None = None
    alias: AliasRecord | None = None
    qualifier: str | None = None

    @property
    def info(self) -> MachineInfo:
        return self.version.info if self.version is not None else self.machine.info


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
    _origins: dict[str, ExecutionOrigin]
    _redrive_lock: threading.Lock
    _redrive_tokens: dict[str, dict[str, datetime]]
    # Draws the version of each StartExecution through a two-version alias (seed it in tests).
    routing_random: random.Random

    def _services(self) -> Services:
        """The client as the services its executions use (LocalStepFunctions is both)."""
        raise NotImplementedError

    def _machine_arn(self, name: str) -> str:
        return state_machine_arn(name, region=self.region, account=self.account_id)

    def _machine(self, arn: str, operation: str) -> tuple[StateMachineRecord, str | None]:
        """The state machine of an unqualified ARN (a version or alias ARN is refused)."""
        target = self._target(arn, operation)
        if target.qualifier is not None:
            raise error(
                "InvalidArn",
                f"Invalid Arn: '{arn}': {operation} takes an unqualified state machine ARN, "
                "not a version or alias ARN",
                operation,
            )
        return target.machine, target.case

    def _target(self, arn: str, operation: str, *, resolve: bool = True) -> Target:
        """The machine, version or alias an ARN designates (`resolve=False`: the machine only)."""
        m = STATE_MACHINE_ARN.match(arn or "") if isinstance(arn, str) else None
        if m is None:
            raise error(
                "InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {arn}'", operation
            )
        base = self._machine_arn(m.group("name")) if m.group("region") == self.region else _unqualified(arn)
        with self._lock:
            machine = self._machines.get(base)
        if machine is None:
            raise error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'", operation)
        case = m.group("case") or m.group("qcase")
        qualifier = m.group("qualifier")
        if qualifier is None or not resolve:
            return Target(machine, case, qualifier=qualifier)
        with self._lock:
            if qualifier.isdigit():
                version = machine.versions.get(int(qualifier))
                if version is None:
                    raise error(
                        "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'", operation
                    )
                return Target(machine, case, version=version, qualifier=qualifier)
            alias = machine.aliases.get(qualifier)
        if alias is None:
            raise error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'", operation)
        return Target(machine, case, alias=alias, qualifier=qualifier)

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


def _unqualified(arn: str) -> str:
    """The state machine ARN without its `#case` and `:version` / `:alias` suffixes."""
    head = arn.split("#", 1)[0]
    parts = head.split(":")
    return ":".join(parts[:7])


# The page size when maxResults is 0 or absent, and the largest allowed (ListExecutions,
# ListStateMachines, ListStateMachineVersions, ListStateMachineAliases all document 100 and 1000).
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def page(
    items: list[Any],
    key: str,
    max_results: int | None,
    next_token: str | None,
    *,
    operation: str,
    position: Callable[[Any], Any],
    descending: bool = False,
    default_size: int | None = DEFAULT_PAGE_SIZE,
) -> dict[str, Any]:
    """One page of a List* response, with boto3's `maxResults` / `nextToken` paging.

    `items` come in listing order and `position(item)` gives each a value that keeps its place
    when items are added (a name, a sequence number; `descending` when the listing runs from
    the highest), so a token names the last item returned and
    the next page starts after it even if new items appeared meanwhile. Tokens are opaque
    (base64 JSON naming the operation); anything else is InvalidToken. `default_size`: the page
    size when maxResults is 0 (None: everything).
    """
    if max_results is not None and not 0 <= max_results <= MAX_PAGE_SIZE:
        raise error(
            "ValidationException",
            f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value less than or equal to {MAX_PAGE_SIZE}",
            operation,
        )
    start = 0
    if next_token:
        after = decode_token(next_token, operation)
        start = len(items)
        for index, item in enumerate(items):
            if _after(position(item), after, descending):
                start = index
                break
    size = max_results or default_size
    if size is None:
        return {key: items[start:]}
    chunk = items[start : start + size]
    out: dict[str, Any] = {key: chunk}
    if start + size < len(items) and chunk:
        out["nextToken"] = encode_token(operation, position(chunk[-1]))
    return out


def _after(value: Any, token: Any, descending: bool) -> bool:
    """Whether `value` comes after `token` in the listing."""
    try:
        return bool(value < token) if descending else bool(value > token)
    except TypeError:  # a token of another listing's kind of position
        return False


def encode_token(operation: str, position: Any) -> str:
    raw = json.dumps([operation, position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, operation: str) -> Any:
    """The position a token of `operation` names; InvalidToken for anything else."""
    try:
        padded = token + "=" * (-len(token) % 4)
        kind, position = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, UnicodeError, ValueError, TypeError):
        kind, position = None, None
    if kind != operation or not isinstance(position, str | int) or isinstance(position, bool):
        raise error(
            "InvalidToken",
            f"Invalid Token: '{token}' is not a pagination token of {operation} (pass back the "
            "nextToken of the previous page, with the same arguments)",
            operation,
        )
    return position
