"""`states:startExecution` (async, `.sync`, `.sync:2`): child executions in the same engine."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError

from durable_sfn._aws import client_error_code
from durable_sfn.engine import errors, history
from durable_sfn.engine.branch import Branch
from durable_sfn.engine.clock import Waiter
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.integrations.base import Integration, TaskFailure
from durable_sfn.engine.integrations.callbacks import TaskTimedOut


class _StateMachine(Protocol):
    @property
    def arn(self) -> str: ...


class ChildExecution(Protocol):
    """A started execution, as the task that started it sees it."""

    @property
    def arn(self) -> str: ...
    @property
    def machine(self) -> _StateMachine: ...
    @property
    def name(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def start_date(self) -> datetime: ...
    @property
    def stop_date(self) -> datetime | None: ...
    @property
    def input_text(self) -> str: ...
    @property
    def output(self) -> Any: ...
    @property
    def output_text(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def cause(self) -> str | None: ...

    def watch(self, waiter: Waiter) -> None: ...

    def stop(self, error: str | None, cause: str | None) -> bool: ...


class ExecutionStarter(Protocol):
    """Starts executions of the engine's state machines (the boto3-shaped client does)."""

    def start_child(self, state_machine_arn: str, input_text: str, name: str | None) -> ChildExecution:
        """Like StartExecution; raises the client's error (a botocore ClientError) when refused."""
        ...


def describe(child: ChildExecution, *, parse_output: bool) -> dict[str, Any]:
    """The DescribeExecution shape a `.sync` task returns (dates as epoch milliseconds)."""
    out: dict[str, Any] = {
        "ExecutionArn": child.arn,
        "StateMachineArn": child.machine.arn,
        "Name": child.name,
        "Status": child.status,
        "StartDate": int(child.start_date.timestamp() * 1000),
        "Input": json.loads(child.input_text) if parse_output else child.input_text,
        "InputDetails": {"Included": True},
    }
    if child.stop_date is not None:
        out["StopDate"] = int(child.stop_date.timestamp() * 1000)
    if child.status == "SUCCEEDED":
        out["Output"] = child.output if parse_output else child.output_text
        out["OutputDetails"] = {"Included": True}
    if child.error is not None:
        out["Error"] = child.error
    if child.cause is not None:
        out["Cause"] = child.cause
    return out


def start(
    services: ExecutionStarter,
    branch: Branch,
    integration: Integration,
    params: Any,
    deadline: datetime | None,
    submitted: Callable[[Any], None] | None = None,
) -> Any:
    """Start the child; with `.sync`/`.sync:2`, wait for it and return its description.

    `submitted(response)` is told StartExecution's answer before the wait (TaskSubmitted).
    """
    if not isinstance(params, dict) or "StateMachineArn" not in params:
        raise StatesError(errors.RUNTIME, "states:startExecution needs a StateMachineArn argument.")
    raw_input = params.get("Input", {})
    input_text = raw_input if isinstance(raw_input, str) else history.to_json(raw_input)
    try:
        child = services.start_child(str(params["StateMachineArn"]), input_text, params.get("Name"))
    except ClientError as exc:
        # Named as Step Functions names a failed StartExecution call of the integration.
        code = client_error_code(exc)
        message = exc.response["Error"]["Message"]
        raise TaskFailure(
            f"StepFunctions.{code}Exception",
            f"{message} (Service: AWSStepFunctions; Status Code: 400; Error Code: {code})",
        ) from None
    response = {"ExecutionArn": child.arn, "StartDate": int(child.start_date.timestamp() * 1000)}
    if not integration.pattern:
        return response
    if submitted is not None:
        submitted(response)
    waiter = Waiter()
    child.watch(waiter)
    try:
        finished = branch.wait(waiter, deadline)
    except BaseException:
        child.stop("States.Aborted", "The parent execution stopped waiting for this execution.")
        raise
    if not finished:
        child.stop("States.Timeout", "The parent task timed out.")
        raise TaskTimedOut(errors.TIMEOUT, "")
    parse = integration.pattern == "sync:2"
    result = describe(child, parse_output=parse)
    if child.status != "SUCCEEDED":
        raise TaskFailure(errors.TASK_FAILED, json.dumps(result, separators=(",", ":")))
    return result
