"""LocalStepFunctions: boto3's `stepfunctions` client, served by the in-process engine.

Method names, keyword parameters, response dicts and error codes mirror boto3, so code written
for AWS runs unchanged against it. Extras: `register_lambda` (in-process Lambda handlers),
`wait_for_execution` and `clock` (virtual by default).

    sfn = LocalStepFunctions()
    sfn.register_lambda("Greet", lambda event, ctx: {"hello": event["name"]})
    arn = sfn.create_state_machine(name="hello", definition=text, roleArn=ROLE)["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=arn, input='{"name": "Ada"}')
    print(sfn.wait_for_execution(run["executionArn"])["output"])
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from durable_sfn.engine import api_errors, history
from durable_sfn.engine.api_errors import error
from durable_sfn.engine.clock import Clock, VirtualClock
from durable_sfn.engine.execution import Execution, MachineInfo
from durable_sfn.engine.integrations import callbacks, function_name
from durable_sfn.engine.limits import MAX_PAYLOAD_BYTES, check_input_size, check_name

_SM_ARN = re.compile(
    r"^arn:aws[\w-]*:states:(?P<region>[^:]+):(?P<account>\d{12}):stateMachine:(?P<name>[^:#]+)(?:#(?P<case>[^:]+))?(?::.*)?$"
)
_EXEC_ARN = re.compile(r"^arn:aws[\w-]*:states:[^:]+:\d{12}:(execution|express):[^:]+:[^:]+(:[^:]+)?$")
_DEFAULT_ROLE = "arn:aws:iam::123456789012:role/StepFunctionsLocal"


class _StateMachine:
    def __init__(
        self, info: MachineInfo, definition_text: str, created: datetime, extra: dict[str, Any]
    ) -> None:
        self.info = info
        self.definition_text = definition_text
        self.created = created
        self.extra = extra
        self.executions: list[Execution] = []


class LocalStepFunctions:
    """An in-process AWS Step Functions with boto3's `stepfunctions` client interface."""

    def __init__(
        self,
        clock: Clock | None = None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        *,
        mock_config: str | dict[str, Any] | None = None,
        aws_client_factory: Callable[[str], Any] | None = None,
    ) -> None:
        self.clock: Clock = clock if clock is not None else VirtualClock()
        self.region = region
        self.account_id = account_id
        self.exceptions = api_errors.Exceptions()
        self._lock = threading.RLock()
        self._machines: dict[str, _StateMachine] = {}
        self._executions: dict[str, Execution] = {}
        self._lambdas: dict[str, Callable[[Any, Any], Any]] = {}
        self._tokens: dict[str, callbacks.TokenRecord] = {}
        self._aws_clients: dict[str, Any] = {}
        self._aws_client_factory = aws_client_factory
        self.mock_config: Any = None
        if mock_config is not None:
            from durable_sfn.engine.mock_config import MockConfig

            self.mock_config = MockConfig.load(mock_config)

    # --- extras ---------------------------------------------------------------------------

    def register_lambda(self, function_name_or_arn: str, handler: Callable[[Any, Any], Any]) -> None:
        """Serve Lambda `function_name` (bare name or ARN) with `handler(event, context)`."""
        with self._lock:
            self._lambdas[function_name(function_name_or_arn)] = handler

    def resolve_lambda(self, name_or_arn: str) -> Callable[[Any, Any], Any] | None:
        with self._lock:
            return self._lambdas.get(function_name(name_or_arn))

    def wait_for_execution(self, executionArn: str, timeout: float | None = None) -> dict[str, Any]:
        """Block until the execution ends (or `timeout` real seconds pass); returns describe_execution."""
        execution = self._execution(executionArn, "DescribeExecution")
        execution.wait(timeout)
        return self.describe_execution(executionArn=executionArn)

    # --- services used by executions -------------------------------------------------------

    def register_token(self, token: str, record: Any) -> None:
        with self._lock:
            self._tokens[token] = record

    def forget_token(self, token: str) -> None:
        with self._lock:
            self._tokens.pop(token, None)

    def aws_client(self, service: str) -> Any:
        with self._lock:
            client = self._aws_clients.get(service)
            if client is None:
                if self._aws_client_factory is not None:
                    client = self._aws_client_factory(service)
                else:
                    import boto3

                    client = boto3.client(service, region_name=self.region)  # type: ignore[call-overload]
                self._aws_clients[service] = client
            return client

    def mocked_response(self, execution: Execution, state_name: str, attempt: int) -> dict[str, Any] | None:
        if self.mock_config is None or execution.test_case is None:
            return None
        result: dict[str, Any] | None = self.mock_config.response(
            execution.machine.name, execution.test_case, state_name, attempt
        )
        return result

    def start_child(
        self, parent: Execution, state_machine_arn: str, input_text: str, name: str | None
    ) -> Execution:
        response = self.start_execution(
            stateMachineArn=state_machine_arn,
            input=input_text,
            **({"name": name} if name else {}),
        )
        child = self._executions[response["executionArn"]]
        child.parent = parent
        return child

    # --- state machines -------------------------------------------------------------------

    def _machine_arn(self, name: str) -> str:
        return f"arn:aws:states:{self.region}:{self.account_id}:stateMachine:{name}"

    def _parse_definition(self, definition: str, operation: str) -> dict[str, Any]:
        from durable_sfn.asl.diagnostics import InvalidDefinitionError
        from durable_sfn.asl.validate import ensure_valid

        try:
            return ensure_valid(definition)
        except InvalidDefinitionError as exc:
            raise error("InvalidDefinition", exc.aws_message(), operation) from None

    def create_state_machine(
        self,
        *,
        name: str,
        definition: str,
        roleArn: str = _DEFAULT_ROLE,
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
            self._machines[arn] = _StateMachine(info, definition, now, dict(kwargs))
        return {"stateMachineArn": arn, "creationDate": now}

    def _machine(self, arn: str, operation: str) -> tuple[_StateMachine, str | None]:
        m = _SM_ARN.match(arn or "")
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
        m = _SM_ARN.match(stateMachineArn or "")
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
        return _page(items, "stateMachines", maxResults, nextToken)

    def validate_state_machine_definition(
        self,
        *,
        definition: str,
        type: str = "STANDARD",
        severity: str = "ERROR",
        maxResults: int = 0,
        **_: Any,
    ) -> dict[str, Any]:
        from durable_sfn.asl.validate import validate_definition

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

    # --- executions -----------------------------------------------------------------------

    def _new_execution(
        self, stateMachineArn: str, input: str | None, name: str | None, operation: str
    ) -> Execution:
        machine, test_case = self._machine(stateMachineArn, operation)
        if name is not None:
            check_name(name, operation, what="execution")
        text = "{}" if input is None else input
        try:
            value = json.loads(text)
        except (TypeError, ValueError):
            raise error(
                "InvalidExecutionInput", f"Invalid State Machine Execution Input: '{text}'", operation
            ) from None
        check_input_size(text, operation)
        name = name or str(uuid.uuid4())
        info = machine.info
        if info.type == "EXPRESS":
            arn = f"arn:aws:states:{self.region}:{self.account_id}:express:{info.name}:{name}:{uuid.uuid4()}"
        else:
            arn = f"arn:aws:states:{self.region}:{self.account_id}:execution:{info.name}:{name}"
        with self._lock:
            if arn in self._executions:
                raise error("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'", operation)
            execution = Execution(
                services=self,
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
        if execution.status == "SUCCEEDED":
            out["output"] = execution.output_text
            out["outputDetails"] = {"included": True}
        if execution.error is not None:
            out["error"] = execution.error
        if execution.cause is not None:
            out["cause"] = execution.cause
        return out

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
        if execution.status == "SUCCEEDED":
            out["output"] = execution.output_text
            out["outputDetails"] = {"included": True}
        if execution.error is not None:
            out["error"] = execution.error
        if execution.cause is not None:
            out["cause"] = execution.cause
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
        return _page(items, "executions", maxResults, nextToken)

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
            events = [_strip_data(e) for e in events]
        return _page(events, "events", maxResults, nextToken)

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
        try:
            value = json.loads(output)
        except (TypeError, ValueError):
            raise error("InvalidOutput", f"Invalid Output: '{output}'", "SendTaskSuccess") from None
        if len(output.encode()) > MAX_PAYLOAD_BYTES:
            raise error(
                "InvalidOutput",
                f"Invalid Output: the output is {len(output.encode())} bytes; the limit is {MAX_PAYLOAD_BYTES}",
                "SendTaskSuccess",
            )
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

    # --- single-state testing ---------------------------------------------------------------

    def test_state(self, **kwargs: Any) -> dict[str, Any]:
        from durable_sfn.engine.test_state import run_test_state

        return run_test_state(self, **kwargs)


def _strip_data(event: dict[str, Any]) -> dict[str, Any]:
    out = dict(event)
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            out[key] = {k: v for k, v in value.items() if k not in ("input", "output", "parameters")}
    return out


def _page(items: list[Any], key: str, max_results: int, next_token: str | None) -> dict[str, Any]:
    start = int(next_token) if next_token else 0
    if max_results and max_results > 0:
        chunk = items[start : start + max_results]
        out: dict[str, Any] = {key: chunk}
        if start + max_results < len(items):
            out["nextToken"] = str(start + max_results)
        return out
    return {key: items[start:]}


__all__ = ["LocalStepFunctions"]
_ = history
