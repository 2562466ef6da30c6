"""`states:startExecution` (async, `.sync`, `.sync:2`): child executions in the same engine."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from durable_sfn.engine import errors, history
from durable_sfn.engine.api.errors import StepFunctionsError
from durable_sfn.engine.clock import Waiter
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.integrations import Integration, TaskFailure, callbacks

if TYPE_CHECKING:
    from durable_sfn.engine.execution import Execution, StateRun


def describe(child: Execution, *, parse_output: bool) -> dict[str, Any]:
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


def start(run: StateRun, integration: Integration, params: Any, deadline: datetime | None) -> Any:
    if not isinstance(params, dict) or "StateMachineArn" not in params:
        raise StatesError(errors.RUNTIME, "states:startExecution needs a StateMachineArn argument.")
    raw_input = params.get("Input", {})
    input_text = raw_input if isinstance(raw_input, str) else history.to_json(raw_input)
    services = run.execution.services
    try:
        child = services.start_child(
            run.execution, str(params["StateMachineArn"]), input_text, params.get("Name")
        )
    except StepFunctionsError as exc:
        # Named as Step Functions names a failed StartExecution call of the integration.
        raise TaskFailure(
            f"StepFunctions.{exc.code}Exception",
            f"{exc.message} (Service: AWSStepFunctions; Status Code: 400; Error Code: {exc.code})",
        ) from None
    if not integration.pattern:
        return {"ExecutionArn": child.arn, "StartDate": int(child.start_date.timestamp() * 1000)}
    waiter = Waiter()
    child.watch(waiter)
    try:
        finished = run.branch.wait(waiter, deadline)
    except BaseException:
        child.stop("States.Aborted", "The parent execution stopped waiting for this execution.")
        raise
    if not finished:
        child.stop("States.Timeout", "The parent task timed out.")
        raise callbacks.TaskTimedOut(errors.TIMEOUT, "")
    parse = integration.pattern == "sync:2"
    result = describe(child, parse_output=parse)
    if child.status != "SUCCEEDED":
        raise TaskFailure(errors.TASK_FAILED, json.dumps(result, separators=(",", ":")))
    return result
