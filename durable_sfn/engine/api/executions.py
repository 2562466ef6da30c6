"""Execution and task-token operations of the boto3-shaped client."""

from __future__ import annotations

import json
import uuid
from typing import Any

import durable_sfn.engine.api.errors as api_errors
from durable_sfn._aws import execution_arn, express_execution_arn
from durable_sfn.engine import redrive
from durable_sfn.engine.api.base import ExecutionOrigin, check_input_size, check_name, page
from durable_sfn.engine.api.errors import error
from durable_sfn.engine.api.versions import VersionsApi
from durable_sfn.engine.bounds import BoundExceeded, load_json
from durable_sfn.engine.execution import Execution
from durable_sfn.engine.integrations import callbacks
from durable_sfn.engine.limits import MAX_PAYLOAD_BYTES

# A redrive's clientToken makes repeating the same request harmless for this long (AWS keeps
# idempotency tokens for a while; a repeat returns the first answer without redriving again).
_REDRIVE_TOKENS_KEPT = 100


def _add_outcome(out: dict[str, Any], execution: Execution) -> None:
    """Add the output (when the execution succeeded), error and cause (when set), as AWS reports them."""
    if execution.status == "SUCCEEDED":
        out["output"] = execution.output_text
        out["outputDetails"] = {"included": True}
    if execution.error is not None:
        out["error"] = execution.error
    if execution.cause is not None:
        out["cause"] = execution.cause


def _add_origin(out: dict[str, Any], origin: ExecutionOrigin) -> None:
    """The version and alias an execution was started through, when it was (as AWS reports them)."""
    if origin.version_arn is not None:
        out["stateMachineVersionArn"] = origin.version_arn
    if origin.alias_arn is not None:
        out["stateMachineAliasArn"] = origin.alias_arn


def _without_data(event: dict[str, Any]) -> dict[str, Any]:
    """The event without its payloads, as GetExecutionHistory gives it for includeExecutionData=False."""
    out = dict(event)
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            out[key] = {k: v for k, v in value.items() if k not in ("input", "output", "parameters")}
    return out


class ExecutionsApi(VersionsApi):
    # --- executions -----------------------------------------------------------------------

    def _new_execution(
        self, stateMachineArn: str, input: str | None, name: str | None, operation: str
    ) -> Execution:
        target = self._target(stateMachineArn, operation)
        machine, test_case = target.machine, target.case
        version = target.version
        if target.alias is not None:
            version = self._route(target.alias, machine, operation)
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
        with self._lock:
            # The definition this execution runs to its end (and after a redrive): the version's,
            # or the state machine's current revision.
            info = version.info if version is not None else machine.info
            origin = ExecutionOrigin(
                definition_text=version.definition_text if version is not None else machine.definition_text,
                revision_id=version.revision_id if version is not None else machine.revision_id,
                version_arn=version.arn if version is not None else None,
                alias_arn=target.alias.arn if target.alias is not None else None,
            )
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
            self._origins[arn] = origin
            machine.executions.append(execution)
        return execution

    def _origin(self, execution: Execution) -> ExecutionOrigin:
        with self._lock:
            origin = self._origins.get(execution.arn)
        if origin is None:  # not started through this client (cannot happen); report the definition
            return ExecutionOrigin(json.dumps(execution.machine.definition), "")
        return origin

    def start_execution(
        self, *, stateMachineArn: str, input: str | None = None, name: str | None = None, **_: Any
    ) -> dict[str, Any]:
        execution = self._new_execution(stateMachineArn, input, name, "StartExecution")
        execution.start()
        return {"executionArn": execution.arn, "startDate": execution.start_date}

    def describe_state_machine_for_execution(self, *, executionArn: str, **_: Any) -> dict[str, Any]:
        execution = self._execution(executionArn, "DescribeStateMachineForExecution")
        info = execution.machine
        origin = self._origin(execution)
        with self._lock:
            machine = self._machines.get(info.arn)
        out: dict[str, Any] = {
            "stateMachineArn": info.arn,
            "name": info.name,
            "definition": origin.definition_text,
            "roleArn": info.role_arn,
            "updateDate": machine.created if machine is not None else execution.start_date,
            "revisionId": origin.revision_id,
        }
        _add_origin(out, origin)
        return out

    def start_sync_execution(
        self, *, stateMachineArn: str, input: str | None = None, name: str | None = None, **_: Any
    ) -> dict[str, Any]:
        target = self._target(stateMachineArn, "StartSyncExecution")
        if target.info.type != "EXPRESS":
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
            "stateMachineArn": target.machine.info.arn,
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
            "redriveCount": execution.redrive_count,
        }
        if execution.stop_date is not None:
            out["stopDate"] = execution.stop_date
        _add_outcome(out, execution)
        _add_origin(out, self._origin(execution))
        if execution.redrive_date is not None:
            out["redriveDate"] = execution.redrive_date
        reason = self._not_redrivable(execution)
        out["redriveStatus"] = "REDRIVABLE" if reason is None else "NOT_REDRIVABLE"
        if reason is not None:
            out["redriveStatusReason"] = reason
        return out

    def _not_redrivable(self, execution: Execution) -> str | None:
        with self._lock:
            machine_exists = execution.machine.arn in self._machines
        return redrive.not_redrivable_reason(
            status=execution.status,
            machine_type=execution.machine.type,
            start_date=execution.start_date,
            stop_date=execution.stop_date,
            history_events=len(execution.history),
            now=self.clock.now(),
            machine_exists=machine_exists,
        )

    def redrive_execution(self, *, executionArn: str, clientToken: str | None = None) -> dict[str, Any]:
        """Restart a FAILED, TIMED_OUT or ABORTED Standard execution from its unsuccessful step.

        AWS's rules (see `engine/redrive.py`): same ARN, input and definition (version, alias);
        completed states are not run again; inside Parallel and inline Map only the branches and
        iterations that did not succeed run again; the history goes on with ExecutionRedriven;
        within 14 days of the end; never for EXPRESS state machines.
        """
        operation = "RedriveExecution"
        execution = self._execution(executionArn, operation)
        # One redrive at a time (not under the client's lock: the previous attempt's thread may
        # need it while it lets go).
        with self._redrive_lock:
            tokens = self._redrive_tokens.setdefault(executionArn, {})
            if clientToken is not None and clientToken in tokens:
                return {"redriveDate": tokens[clientToken]}
            reason = self._not_redrivable(execution)
            if reason is not None:
                raise error("ExecutionNotRedrivable", f"Execution Not Redrivable: {reason}", operation)
            redriven = execution.redrive()
            if clientToken is not None:
                tokens[clientToken] = redriven
                while len(tokens) > _REDRIVE_TOKENS_KEPT:
                    tokens.pop(next(iter(tokens)))
        return {"redriveDate": redriven}

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
        redriveFilter: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        """Executions newest first; a version or alias ARN lists those started through it."""
        operation = "ListExecutions"
        target = self._target(stateMachineArn, operation)
        with self._lock:
            numbered = list(enumerate(target.machine.executions))
            origins = {e.arn: self._origins.get(e.arn) for _n, e in numbered}
        numbered.reverse()
        items = []
        for number, e in numbered:
            origin = origins.get(e.arn) or ExecutionOrigin("", "")
            if statusFilter and e.status != statusFilter:
                continue
            if redriveFilter == "REDRIVEN" and e.redrive_count == 0:
                continue
            if redriveFilter == "NOT_REDRIVEN" and e.redrive_count > 0:
                continue
            if target.version is not None and origin.version_arn != target.version.arn:
                continue
            if target.alias is not None and origin.alias_arn != target.alias.arn:
                continue
            item: dict[str, Any] = {
                "executionArn": e.arn,
                "stateMachineArn": e.machine.arn,
                "name": e.name,
                "status": e.status,
                "startDate": e.start_date,
                "redriveCount": e.redrive_count,
            }
            if e.stop_date is not None:
                item["stopDate"] = e.stop_date
            if e.redrive_date is not None:
                item["redriveDate"] = e.redrive_date
            _add_origin(item, origin)
            items.append((number, item))
        listed = page(
            items,
            "executions",
            maxResults,
            nextToken,
            operation=operation,
            position=lambda i: i[0],
            descending=True,
        )
        listed["executions"] = [item for _n, item in listed["executions"]]
        return listed

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
        # As on AWS: 100 events a page unless maxResults says otherwise (at most 1000).
        return page(
            events,
            "events",
            maxResults,
            nextToken,
            operation="GetExecutionHistory",
            position=lambda e: e["id"],
            descending=reverseOrder,
        )

    # --- task tokens ----------------------------------------------------------------------

    def _token(self, token: str, operation: str) -> callbacks.TokenRecord:
        if not isinstance(token, str) or not token:
            raise error("InvalidToken", "Invalid Token: the task token is empty", operation)
        if not callbacks.well_formed(token):
            raise error(
                "InvalidToken", "Invalid Token: this is not a task token the engine issued", operation
            )
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
