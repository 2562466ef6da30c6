"""`run_local`: compile an orchestrator and run the definition on the local engine.

This is the path that proves what gets deployed: the compiled ASL (placeholders substituted the
way CDK substitutes them), every activity registered as a Lambda handler through
`durable_sfn.lambda_entry.invoke_activity`, sub-orchestrators compiled and created as their own
state machines, and the built-in `DurableEventWaiter` backed by the DynamoDB event store (moto).
The result is read the way a client reads it on AWS: status and output from
`describe_execution`, the path and the custom status from `get_execution_history`.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from durable_sfn._aws import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    EVENT_WAITER,
    HTTP_CONNECTION,
    connection_arn,
    execution_arn,
    lambda_function_arn,
    role_arn,
    state_machine_arn,
)
from durable_sfn.asl.placeholders import find_placeholders, substitute_placeholders
from durable_sfn.client.events import EventStore, create_events_table, make_event_waiter
from durable_sfn.client.logs import log_records
from durable_sfn.client.status import CUSTOM_STATUS_VARIABLE
from durable_sfn.deploy_values import deploy_value_fills
from durable_sfn.engine.api.client import LocalStepFunctions
from durable_sfn.engine.clock import VirtualClock
from durable_sfn.engine.integrations.aws_clients import MotoClients
from durable_sfn.entities.contract import entity_usage
from durable_sfn.lambda_entry import invoke_activity
from durable_sfn.testing.compiled import compiled_definition
from durable_sfn.testing.direct import Events
from durable_sfn.testing.entities import Entities, entity_host
from durable_sfn.testing.jsonvalues import input_json
from durable_sfn.testing.resolve import (
    ActivityNotFoundError,
    ActivityOverrides,
    collect,
    require_orchestrator,
)
from durable_sfn.testing.results import (
    DEFAULT_EXECUTION_NAME,
    DEFAULT_START,
    ActivityCall,
    ExecutionResult,
    ScheduledEvent,
    check_events,
)
from durable_sfn.testing.scheduler import StuckOrchestrationError

ROLE_ARN = role_arn("durable-sfn-local")


class _Recorder:
    """Wraps activities as Lambda handlers that record each invocation (threads call them)."""

    def __init__(self) -> None:
        self.calls: list[ActivityCall] = []
        self._lock = threading.Lock()

    def handler(self, name: str, fn: Callable[..., Any]) -> Callable[[Any, Any], Any]:
        def handle(event: Any, context: Any) -> Any:
            with self._lock:
                self.calls.append(ActivityCall(name, json.loads(json.dumps(event))))
            return invoke_activity(fn, event, context)

        return handle


@contextlib.contextmanager
def _event_store(sfn: Any) -> Iterator[Any]:
    """The DynamoDB-backed event store on moto; joins a `mock_aws` that is already active."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=DEFAULT_REGION)
        create_events_table(dynamodb)
        store = EventStore(sfn, dynamodb)
        sfn.register_lambda(EVENT_WAITER, make_event_waiter(store))
        yield store


def _forget_events(store: Any, arn: str) -> None:
    """Drop tokens and buffered events an earlier run with the same execution ARN left behind."""
    key = {"executionArn": {"S": arn}}
    pages = store.dynamodb.get_paginator("query").paginate(
        TableName=store.table_name,
        KeyConditionExpression="executionArn = :arn",
        ExpressionAttributeValues={":arn": key["executionArn"]},
        ProjectionExpression="eventName",
    )
    for page in pages:
        for item in page.get("Items", []):
            store.dynamodb.delete_item(
                TableName=store.table_name, Key={**key, "eventName": item["eventName"]}
            )


def _history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
        if token:
            kwargs["nextToken"] = token
        page = sfn.get_execution_history(**kwargs)
        events.extend(page.get("events", []))
        token = page.get("nextToken")
        if not token:
            return events


def path_and_custom_status(history: Sequence[Mapping[str, Any]]) -> tuple[list[str], Any]:
    """State names entered, in order, and the last value assigned to `customStatus`."""
    path: list[str] = []
    custom_status: Any = None
    for event in history:
        entered = event.get("stateEnteredEventDetails")
        if isinstance(entered, Mapping) and "name" in entered:
            path.append(str(entered["name"]))
        for key, details in event.items():
            if not key.endswith("EventDetails") or not isinstance(details, Mapping):
                continue
            assigned = details.get("assignedVariables")
            if isinstance(assigned, Mapping) and CUSTOM_STATUS_VARIABLE in assigned:
                value = assigned[CUSTOM_STATUS_VARIABLE]
                custom_status = json.loads(value) if isinstance(value, str) else value
    return path, custom_status


def _result(sfn: Any, arn: str, calls: list[ActivityCall]) -> ExecutionResult:
    description = sfn.describe_execution(executionArn=arn)
    history = _history(sfn, arn)
    path, custom_status = path_and_custom_status(history)
    output = description.get("output")
    return ExecutionResult(
        status=description["status"],
        output=json.loads(output) if isinstance(output, str) else output,
        error=description.get("error"),
        cause=description.get("cause"),
        custom_status=custom_status,
        activity_calls=list(calls),
        path=path,
        logs=log_records(history),
    )


def _newer_executions(sfn: Any, machine_arn: str, seen: set[str]) -> list[str]:
    """Executions of the machine not seen yet, oldest first (continue_as_new generations)."""
    listed: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"stateMachineArn": machine_arn, "maxResults": 1000}
    try:
        while True:  # ListExecutions pages (by 100 unless asked for more)
            page = sfn.list_executions(**kwargs)
            listed += page.get("executions", [])
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
    except (AttributeError, NotImplementedError):
        return []
    # Listed newest first; reversing before the stable sort keeps equal start times in order.
    fresh = [e for e in reversed(listed) if e["executionArn"] not in seen]
    fresh.sort(key=lambda e: e.get("startDate") or datetime.min.replace(tzinfo=UTC))
    return [e["executionArn"] for e in fresh]


def run_local(
    orch: Callable[..., Any],
    input: Any = None,
    activities: ActivityOverrides = None,
    events: Events = None,
    *,
    start_time: datetime = DEFAULT_START,
    execution_name: str = DEFAULT_EXECUTION_NAME,
    engine: Any = None,
    timeout: float = 60.0,
    entities: Entities = None,
) -> ExecutionResult:
    """Compile `orch` (and its sub-orchestrators), run it on the local engine, report like AWS.

    `activities` and `events` mean what they mean for `run_direct`. `engine` is an existing
    `LocalStepFunctions` to use instead of a fresh one on a virtual clock starting at
    `start_time` with moto's clients (`MotoClients`); a given engine calls AWS services only
    through the clients it was given. When the orchestrator calls `continue_as_new`, the run follows the new
    executions and reports the last one. `timeout` (real seconds) bounds the wait for an
    execution that can never finish, e.g. one waiting for an event nobody raises. `entities`
    means what it means for `run_direct`: the entity functions are registered as Lambda handlers,
    signals go through a FIFO queue on moto, and queued signals are delivered after each execution.
    """
    top = require_orchestrator(orch)
    check_events(events)
    input_text = input_json(input)  # checked first, as run_direct checks it
    workflow = collect(orch, activities)
    if workflow.missing_activities:
        names = ", ".join(sorted(workflow.missing_activities))
        raise ActivityNotFoundError(
            f"orchestrator {top.name!r} calls activities no function implements: {names}; pass "
            "activities={name: fn} or import the @activity functions into the orchestrator's module"
        )
    definitions = {name: compiled_definition(fn) for name, fn in workflow.orchestrators.items()}
    if engine is None:
        # moto's clients: the AWS calls of the definition (an entity signal, an S3 fan-out)
        # reach the moto the caller started, never real AWS.
        engine = LocalStepFunctions(
            clock=VirtualClock(start_time),
            region=DEFAULT_REGION,
            account_id=DEFAULT_ACCOUNT,
            aws_client_factory=MotoClients(DEFAULT_REGION),
        )
    sfn = engine
    recorder = _Recorder()
    for name, fn in workflow.activities.items():
        sfn.register_lambda(name, recorder.handler(name, fn))
    arns: dict[str, str] = {name: lambda_function_arn(name) for name in workflow.activities}
    arns[EVENT_WAITER] = lambda_function_arn(EVENT_WAITER)
    arns[HTTP_CONNECTION] = connection_arn("durable-sfn-local")
    arns.update({name: state_machine_arn(name) for name in workflow.orchestrators})
    with contextlib.ExitStack() as stack:
        host = stack.enter_context(entity_host(workflow.orchestrators.values(), entities, DEFAULT_REGION))
        if host is not None:
            arns.update(host.register(sfn))
            # An entity the host does not know still reaches the host, which raises
            # UnknownEntityError (catchable), as the direct run does.
            for name in _entities_called(definitions.values()) - arns.keys():
                sfn.register_lambda(name, host.handler)
                arns[name] = lambda_function_arn(name)
        # Children first, so every state machine a definition starts already exists.
        for name in sorted(definitions, key=lambda n: n == top.name):
            # What the orchestrator reads from os.environ: filled from this process's environment,
            # as the direct run reads it.
            values = deploy_value_fills(definitions[name], os.environ, machine=name)
            definition = substitute_placeholders(definitions[name], {**arns, **values})
            sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE_ARN)
        uses_events = any(EVENT_WAITER in find_placeholders(d) for d in definitions.values())
        store = stack.enter_context(_event_store(sfn)) if uses_events else None
        arn = execution_arn(top.name, execution_name)
        if store is not None:
            _forget_events(store, arn)
        if events and store is None:
            raise ValueError(
                f"events were given, but orchestrator {top.name!r} never calls ctx.wait_for_external_event"
            )
        clock = sfn.clock
        # Hold virtual time still while the execution starts and events are scheduled; otherwise
        # the clock could jump past an event's time before it is scheduled.
        clock.enter()
        try:
            if isinstance(events, Mapping):
                for event_name, data in events.items():
                    store.raise_event(arn, event_name, data)  # type: ignore[union-attr]
            started = sfn.start_execution(
                stateMachineArn=state_machine_arn(top.name), input=input_text, name=execution_name
            )
            arn = started["executionArn"]
            if events is not None and not isinstance(events, Mapping):
                schedule = _EventSchedule(clock, store, arn)
                stack.callback(schedule.close)
                started_at = clock.now()
                for event in events:
                    schedule.add(started_at, event)
        finally:
            clock.leave()
        seen = {arn}
        _wait(sfn, arn, timeout)
        while True:
            newer = _newer_executions(sfn, state_machine_arn(top.name), seen)
            if not newer:
                break
            for next_arn in newer:
                seen.add(next_arn)
                _wait(sfn, next_arn, timeout)
                arn = next_arn
        if host is not None:
            host.drain()  # deliver queued signals, as the queue's Lambda consumer would
        return _result(sfn, arn, recorder.calls)


def _entities_called(definitions: Any) -> set[str]:
    return {name for d in definitions for name in entity_usage(d).called}


def _wait(sfn: Any, arn: str, timeout: float) -> None:
    description = sfn.wait_for_execution(arn, timeout)
    if description["status"] == "RUNNING":
        sfn.stop_execution(executionArn=arn, error="Test.Stuck", cause="run_local timeout")
        raise StuckOrchestrationError(
            f"execution {arn} was still running after {timeout} s: it probably waits for an event "
            "nobody raises (pass events=... or give the wait a timeout), or raise run_local(timeout=)"
        )


class _EventSchedule:
    """Raises scheduled events at their virtual time, and never after the run has ended (the
    virtual clock still fires timers left over when the last execution finishes)."""

    def __init__(self, clock: Any, store: Any, arn: str) -> None:
        self._clock, self._store, self._arn = clock, store, arn
        self._lock = threading.Lock()
        self._closed = False

    def add(self, start: datetime, event: ScheduledEvent) -> None:
        self._clock.call_at(start + event.at, lambda: self._raise(event))

    def _raise(self, event: ScheduledEvent) -> None:
        with self._lock:
            if not self._closed:
                self._store.raise_event(self._arn, event.name, event.data)

    def close(self) -> None:
        with self._lock:
            self._closed = True
