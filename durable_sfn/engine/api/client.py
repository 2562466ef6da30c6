"""LocalStepFunctions: boto3's `stepfunctions` client, served by the in-process engine.

Method names, keyword parameters, response dicts and error codes mirror boto3, so code written
for AWS runs unchanged against it. Extras: `register_lambda` (in-process Lambda handlers),
`wait_for_execution`, `clock` (virtual by default) and `routing_random` (the draw that routes a
StartExecution through a two-version alias; `routing_seed=` makes it repeatable).

    sfn = LocalStepFunctions()
    sfn.register_lambda("Greet", lambda event, ctx: {"hello": event["name"]})
    arn = sfn.create_state_machine(name="hello", definition=text, roleArn=ROLE)["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=arn, input='{"name": "Ada"}')
    print(sfn.wait_for_execution(run["executionArn"])["output"])
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from durable_sfn._aws import DEFAULT_ACCOUNT, DEFAULT_REGION
from durable_sfn.engine.api.errors import Exceptions
from durable_sfn.engine.api.executions import ExecutionsApi
from durable_sfn.engine.api.machines import MachinesApi
from durable_sfn.engine.api.map_runs import MapRunsApi
from durable_sfn.engine.api.state_testing import run_test_state
from durable_sfn.engine.bounds import DEFAULT_LIMITS, EvaluationLimits
from durable_sfn.engine.clock import Clock, VirtualClock
from durable_sfn.engine.execution import Execution
from durable_sfn.engine.integrations.aws_clients import MotoClients, no_clients, require_moto
from durable_sfn.engine.integrations.base import function_name
from durable_sfn.engine.integrations.callbacks import TokenRecord
from durable_sfn.engine.integrations.http import parse_address
from durable_sfn.engine.map_runs import MapRunRegistry
from durable_sfn.engine.mock_config import MockConfig
from durable_sfn.engine.states.base import Services

_POLL = 0.05  # seconds between idle checks while waiting
_IDLE_GRACE = 1.0  # how long the engine must stay idle before a wait gives up
_log = logging.getLogger("durable_sfn.engine")


class LocalStepFunctions(MachinesApi, ExecutionsApi, MapRunsApi):
    """An in-process AWS Step Functions with boto3's `stepfunctions` client interface."""

    def __init__(
        self,
        clock: Clock | None = None,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT,
        *,
        mock_config: str | dict[str, Any] | None = None,
        aws_client_factory: Callable[[str], Any] | None = None,
        evaluation_limits: EvaluationLimits | None = None,
        routing_seed: int | None = None,
        http_outbound: bool = False,
        http_allow: Iterable[str] | None = None,
    ) -> None:
        """`aws_client_factory`: boto3 service name -> client, for `aws-sdk` and optimized Tasks
        and S3 ItemReader/ResultWriter; without one those states fail with States.Runtime
        (`MotoClients()` for moto's services, `boto3.client` for real AWS; see
        `integrations/aws_clients`). Where HTTP Tasks may send requests (see `integrations/http`):
        loopback hosts by default; only the `host:port` addresses of `http_allow` when it is
        given (an empty list: none); any host with `http_outbound=True`."""
        self.http_outbound = http_outbound
        # ValueError for an entry that is not host:port, before anything runs.
        self.http_allow = None if http_allow is None else frozenset(parse_address(a) for a in http_allow)
        self.clock: Clock = clock if clock is not None else VirtualClock()
        # How long and how deep one JSONata evaluation may run before it fails the state.
        self.evaluation_limits = evaluation_limits if evaluation_limits is not None else DEFAULT_LIMITS
        self.region = region
        self.account_id = account_id
        self.exceptions = Exceptions()
        self._lock = threading.RLock()
        self._mock_invocations: dict[tuple[str, str], int] = {}
        self._machines = {}
        self._executions = {}
        self._lambdas = {}
        self.map_runs = MapRunRegistry()
        self._tokens = {}
        self._tags = {}
        self._origins = {}
        self._redrive_lock = threading.Lock()
        self._redrive_tokens = {}
        self.routing_random = random.Random(routing_seed)
        self._aws_clients: dict[str, Any] = {}
        self._aws_client_factory = aws_client_factory
        self.mock_config = MockConfig.load(mock_config) if mock_config is not None else None

    # --- extras ---------------------------------------------------------------------------

    def register_lambda(self, function_name_or_arn: str, handler: Callable[[Any, Any], Any]) -> None:
        """Serve Lambda `function_name` (bare name or ARN) with `handler(event, context)`."""
        with self._lock:
            self._lambdas[function_name(function_name_or_arn)] = handler

    def resolve_lambda(self, name_or_arn: str) -> Callable[[Any, Any], Any] | None:
        with self._lock:
            return self._lambdas.get(function_name(name_or_arn))

    def wait_for_execution(self, executionArn: str, timeout: float | None = None) -> dict[str, Any]:
        """Block until the execution ends; returns describe_execution.

        Also returns (status RUNNING) when `timeout` real seconds pass, or, on the virtual
        clock, when the engine has been idle for a moment: every execution blocked on something
        only another thread could supply (a task token, an event) and no timer due. Waiting
        longer could never end, so the caller gets the RUNNING execution back instead of a hang.
        """
        execution = self._execution(executionArn, "DescribeExecution")
        if not isinstance(self.clock, VirtualClock):
            execution.wait(timeout)
            return self.describe_execution(executionArn=executionArn)
        deadline = None if timeout is None else time.monotonic() + timeout
        idle_since: float | None = None
        while not execution.done:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                break
            slice_ = _POLL if deadline is None else max(0.0, min(_POLL, deadline - now))
            if execution.wait(slice_):
                break
            if self.clock.idle():
                idle_since = idle_since if idle_since is not None else time.monotonic()
                if time.monotonic() - idle_since >= _IDLE_GRACE:
                    _log.warning(
                        "execution %s cannot progress: it waits for a task token or event that nothing "
                        "in the engine will supply, and no timer is due",
                        executionArn,
                    )
                    break
            else:
                idle_since = None
        return self.describe_execution(executionArn=executionArn)

    # --- services used by executions -------------------------------------------------------

    def _services(self) -> Services:
        return self

    def register_token(self, token: str, record: TokenRecord) -> None:
        with self._lock:
            self._tokens[token] = record

    def forget_token(self, token: str) -> None:
        with self._lock:
            self._tokens.pop(token, None)

    def aws_client(self, service: str, state: str) -> Any:
        """The client `aws_client_factory` made for `service`; none without a factory."""
        factory = self._aws_client_factory
        if factory is None:
            raise no_clients(service, state)
        if isinstance(factory, MotoClients):
            # Checked on every call: a client made while moto was active must not reach real
            # AWS once moto stops.
            require_moto(service, state)
        with self._lock:
            client = self._aws_clients.get(service)
            if client is None:
                client = self._aws_clients[service] = factory(service)
            return client

    def mocked_response(self, execution_arn: str, state_name: str, attempt: int) -> dict[str, Any] | None:
        if self.mock_config is None:
            return None
        with self._lock:
            execution = self._executions.get(execution_arn)
        if execution is None or execution.test_case is None:
            return None
        machine, case = execution.machine.name, execution.test_case
        if not self.mock_config.mocks(machine, case, state_name):
            return None
        # Responses are indexed per invocation of the state in this execution (Step Functions
        # Local): a retry and a loop's next pass both take the next response.
        with self._lock:
            key = (execution_arn, state_name)
            invocation = self._mock_invocations.get(key, 0)
            self._mock_invocations[key] = invocation + 1
        return self.mock_config.response(machine, case, state_name, invocation)

    def start_child(self, state_machine_arn: str, input_text: str, name: str | None) -> Execution:
        response = self.start_execution(
            stateMachineArn=state_machine_arn,
            input=input_text,
            **({"name": name} if name else {}),
        )
        with self._lock:
            return self._executions[response["executionArn"]]

    # --- single-state testing ---------------------------------------------------------------

    def test_state(self, **kwargs: Any) -> dict[str, Any]:
        return run_test_state(self._services(), **kwargs)


__all__ = ["LocalStepFunctions"]
