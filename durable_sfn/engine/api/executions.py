"""Execution and task-token operations of the boto3-shaped client."""

from __future__ import annotations

import json
import uuid
from typing import Any

import durable_sfn.engine.api.errors as api_errors
from durable_sfn._aws import execution_arn, express_execution_arn
from durable_sfn.engine.api.base import ClientState, check_input_size, check_name, page
from durable_sfn.engine.api.errors import error
from durable_sfn.engine.bounds import BoundExceeded, load_json
from durable_sfn.engine.execution import Execution
from durable_sfn.engine.integrations import callbacks
from durable_sfn.engine.limits import MAX_PAYLOAD_BYTES


def _add_outcome(out: dict[str, Any], execution: Execution) -> None:
    """Add the output (when the execution succeeded), error and cause (when set), as AWS reports them."""
    if execution.status == "SUCCEEDED":
        out["output"] = execution.output_text
        out["outputDetails"] = {"included": True}
    if execution.error is not None:
        out["error"] = execution.error
    if execution.cause is not None:
        out["cause"] = execution.cause


def _without_data(event: dict[str, Any]) -> dict[str, Any]:
    """The event without its payloads, as GetExecutionHistory gives it for includeExecutionData=False."""
    out = dict(event)
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            out[key] = {k: v for k, v in value.items() if k not in ("input", "output", "parameters")}
    return out


class ExecutionsApi(ClientState):
    # --- executions -----------------------------------------------------------------------

    def _new_execution(
        self, stateMachineArn: str, input: str | None, name: str | None, operation: str
    ) -> Execution:
        machine, test_case = self._machine(stateMachineArn, operation)
        if name is not None:
            check_name(name, operation, what="execution")
        text = "{}" if input is None else input
        if isinstance(text, str):
            check_input_size(text, operation)  # before parsing: a huge input costs nothing
        try:
            value = load_json(text)
        except BoundExceeded as exc:
            raise error(
                "InvalidExecutionInput", f"Invalid State Machine Execution Input: {exc.message}", operation
            ) from None
        except (TypeError, ValueError):
            raise error(
                "InvalidExecutionInput", f"Invalid State Machine Execution Input: '{text}'", operation
            ) from None
        name = name or str(uuid.uuid4())
        info = machine.info
        if info.type == "EXPRESS":
            arn = express_execution_arn(
                info.name, name, str(uuid.uuid4()), region=self.region, account=self.account_id
            )
        else:
            arn = execution_arn(info.name, name, region=self.region, account=self.account_id)
        with self._lock:
            if arn in self._executions:
                # Deviation: AWS returns the running STANDARD execution when name and input
                # repeat; the engine refuses every repeat, which uniqueness checks rely on.
                raise error("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'", operation)
            execution = Execution(
                services=self._services(),
                machine=info,
                arn=arn,
                name=name,
                input=value,
                input_text=text,
                start_date=self.clock.now(),
                test_case=test_case,
            )
            self._executions[arn] = execution
            machine.executions.append(execution)
        return execution

    def start_execution(
        self, *, stateMachineArn: str, input: str | None = None, name: str | None = None, **_: Any
    ) -> dict[str, Any]:
        execution = self._new_execution(stateMachineArn, input, name, "StartExecution")
        execution.start()
        return {"executionArn": execution.arn, "startDate": execution.start_date}

    def describe_state_machine_for_execution(self, *, executionArn: str, **_: Any) -> dict[str, Any]:
        execution = self._execution(executionArn, "DescribeStateMachineForExecution")
        info = execution.machine
        with self._lock:
            machine = self._machines.get(info.arn)
        return {
            "stateMachineArn": info.arn,
            "name": info.name,
            "definition": machine.definition_text if machine is not None else json.dumps(info.definition),
            "roleArn": info.role_arn,
            "updateDate": machine.created if machine is not None else execution.start_date,
        }

    def start_sync_execution(
        self, *, stateMachineArn: str, input: str | None = None, name: str | None = None, **_: Any
    ) -> dict[str, Any]:
        machine, _case = self._machine(stateMachineArn, "StartSyncExecution")
        if machine.info.type != "EXPRESS":
            raise error(
                "StateMachineTypeNotSupported",
                "This operation is only supported for EXPRESS state machines",
                "StartSyncExecution",
            )
        execution = self._new_execution(stateMachineArn, input, name, "StartSyncExecution")
        execution.start()
        execution.wait()
        out = {
            "executionArn": execution.arn,
            "stateMachineArn": machine.info.arn,
            "name": execution.name,
            "startDate": execution.start_date,
            "stopDate": execution.stop_date,
            "status": execution.status,
            "input": execution.input_text,
            "inputDetails": {"included": True},
            "billingDetails": {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100},
        }
        _add_outcome(out, execution)
        return out

    def describe_execution(self, *, executionArn: str, **_: Any) -> dict[str, Any]:
        execution = self._execution(executionArn, "DescribeExecution")
        out: dict[str, Any] = {
            "executionArn": execution.arn,
            "stateMachineArn": execution.machine.arn,
            "name": execution.name,
            "status": execution.status,
            "startDate": execution.start_date,
            "input": execution.input_text,
            "inputDetails": {"included": True},
            "redriveCount": 0,
            "redriveStatus": "NOT_REDRIVABLE",
        }
        if execution.stop_date is not None:
            out["stopDate"] = execution.stop_date
        _add_outcome(out, execution)
        return out

    def stop_execution(
        self, *, executionArn: str, error: str | None = None, cause: str | None = None
    ) -> dict[str, Any]:
        execution = self._execution(executionArn, "StopExecution")
        execution.stop(error, cause)
        return {"stopDate": execution.stop_date or self.clock.now()}

    def list_executions(
        self,
        *,
        stateMachineArn: str,
        statusFilter: str | None = None,
        maxResults: int = 0,
        nextToken: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        machine, _case = self._machine(stateMachineArn, "ListExecutions")
        with self._lock:
            executions = list(reversed(machine.executions))
        items = []
        for e in executions:
            if statusFilter and e.status != statusFilter:
                continue
            item: dict[str, Any] = {
                "executionArn": e.arn,
                "stateMachineArn": e.machine.arn,
                "name": e.name,
                "status": e.status,
                "startDate": e.start_date,
            }
            if e.stop_date is not None:
                item["stopDate"] = e.stop_date
            items.append(item)
        return page(items, "executions", maxResults, nextToken)

    def get_execution_history(
        self,
        *,
        executionArn: str,
        maxResults: int = 0,
        reverseOrder: bool = False,
        nextToken: str | None = None,
        includeExecutionData: bool = True,
    ) -> dict[str, Any]:
        execution = self._execution(executionArn, "GetExecutionHistory")
        events = execution.history.events()
        if reverseOrder:
            events.reverse()
        if not includeExecutionData:
            events = [_without_data(e) for e in events]
        return page(events, "events", maxResults, nextToken)

    # --- task tokens ----------------------------------------------------------------------

    def _token(self, token: str, operation: str) -> callbacks.TokenRecord:
        if not isinstance(token, str) or not token:
            raise error("InvalidToken", "Invalid Token: the task token is empty", operation)
        with self._lock:
            record = self._tokens.get(token)
        if record is None:
            raise error(
                "TaskDoesNotExist",
                "Task Does Not Exist: the task token is unknown or already completed",
                operation,
            )
        return record

    def send_task_success(self, *, taskToken: str, output: str) -> dict[str, Any]:
        record = self._token(taskToken, "SendTaskSuccess")
        if isinstance(output, str) and len(output.encode()) > MAX_PAYLOAD_BYTES:
            raise error(
                "InvalidOutput",
                f"Invalid Output: the output is {len(output.encode())} bytes; the limit is {MAX_PAYLOAD_BYTES}",
                "SendTaskSuccess",
            )
        try:
            value = load_json(output)
        except BoundExceeded as exc:
            raise error("InvalidOutput", f"Invalid Output: {exc.message}", "SendTaskSuccess") from None
        except (TypeError, ValueError):
            raise error("InvalidOutput", f"Invalid Output: '{output}'", "SendTaskSuccess") from None
        if not callbacks.settle(self.clock, record, ("success", value)):
            raise error(
                "TaskTimedOut", "Task Timed Out: the task already completed or timed out", "SendTaskSuccess"
            )
        return {}

    def send_task_failure(self, *, taskToken: str, error: str = "", cause: str = "") -> dict[str, Any]:
        record = self._token(taskToken, "SendTaskFailure")
        if not callbacks.settle(self.clock, record, ("failure", (error, cause))):
            raise api_errors.error(
                "TaskTimedOut", "Task Timed Out: the task already completed or timed out", "SendTaskFailure"
            )
        return {}

    def send_task_heartbeat(self, *, taskToken: str) -> dict[str, Any]:
        record = self._token(taskToken, "SendTaskHeartbeat")
        if not callbacks.settle(self.clock, record, None):
            raise error(
                "TaskTimedOut", "Task Timed Out: the task already completed or timed out", "SendTaskHeartbeat"
            )
        return {}
