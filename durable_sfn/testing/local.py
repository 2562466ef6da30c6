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
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from durable_sfn.lambda_entry import invoke_activity
from durable_sfn.testing.direct import ACCOUNT, REGION, Events
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
)

WAITER_PLACEHOLDER = "DurableEventWaiter"
CUSTOM_STATUS_VARIABLE = "customStatus"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/durable-sfn-local"


def lambda_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def state_machine_arn(name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"


def execution_arn(state_machine: str, name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{state_machine}:{name}"


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

    from durable_sfn.events import EventStore, create_events_table, make_event_waiter

    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_events_table(dynamodb)
        store = EventStore(sfn, dynamodb)
        sfn.register_lambda(WAITER_PLACEHOLDER, make_event_waiter(store))
        yield store


def _uses_events(definition: Mapping[str, Any]) -> bool:
    return "${" + WAITER_PLACEHOLDER + "}" in json.dumps(definition)


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
    path, custom_status = path_and_custom_status(_history(sfn, arn))
    output = description.get("output")
    return ExecutionResult(
        status=description["status"],
        output=json.loads(output) if isinstance(output, str) else output,
        error=description.get("error"),
        cause=description.get("cause"),
        custom_status=custom_status,
        activity_calls=list(calls),
        path=path,
    )


def _newer_executions(sfn: Any, machine_arn: str, seen: set[str]) -> list[str]:
    """Executions of the machine not seen yet, oldest first (continue_as_new generations)."""
    try:
        listed = sfn.list_executions(stateMachineArn=machine_arn).get("executions", [])
    except (AttributeError, NotImplementedError):
        return []
    fresh = [e for e in listed if e["executionArn"] not in seen]
    fresh.sort(key=lambda e: e.get("startDate") or datetime.min)
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
) -> ExecutionResult:
    """Compile `orch` (and its sub-orchestrators), run it on the local engine, report like AWS.

    `activities` and `events` mean what they mean for `run_direct`. `engine` is an existing
    `LocalStepFunctions` to use instead of a fresh one on a virtual clock starting at
    `start_time`. When the orchestrator calls `continue_as_new`, the run follows the new
    executions and reports the last one.
    """
    from durable_sfn.asl import substitute_placeholders
    from durable_sfn.compiler import compile_orchestrator

    top = require_orchestrator(orch)
    workflow = collect(orch, activities)
    if workflow.missing_activities:
        names = ", ".join(sorted(workflow.missing_activities))
        raise ActivityNotFoundError(
            f"orchestrator {top.name!r} calls activities no function implements: {names}; pass "
            "activities={name: fn} or import the @activity functions into the orchestrator's module"
        )
    definitions = {name: compile_orchestrator(fn) for name, fn in workflow.orchestrators.items()}
    if engine is None:
        from durable_sfn.engine.client import LocalStepFunctions
        from durable_sfn.engine.clock import VirtualClock

        engine = LocalStepFunctions(clock=VirtualClock(start_time), region=REGION, account_id=ACCOUNT)
    sfn = engine
    recorder = _Recorder()
    for name, fn in workflow.activities.items():
        sfn.register_lambda(name, recorder.handler(name, fn))
    arns: dict[str, str] = {name: lambda_arn(name) for name in workflow.activities}
    arns[WAITER_PLACEHOLDER] = lambda_arn(WAITER_PLACEHOLDER)
    arns.update({name: state_machine_arn(name) for name in workflow.orchestrators})
    # Children first, so every state machine a definition starts already exists.
    for name in sorted(definitions, key=lambda n: n == top.name):
        definition = substitute_placeholders(definitions[name], arns)
        sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE_ARN)

    with contextlib.ExitStack() as stack:
        store = (
            stack.enter_context(_event_store(sfn)) if any(map(_uses_events, definitions.values())) else None
        )
        arn = execution_arn(top.name, execution_name)
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
                stateMachineArn=state_machine_arn(top.name), input=json.dumps(input), name=execution_name
            )
            arn = started["executionArn"]
            if events is not None and not isinstance(events, Mapping):
                started_at = clock.now()
                for event in events:
                    _schedule(clock, store, arn, started_at, event)
        finally:
            clock.leave()
        seen = {arn}
        sfn.wait_for_execution(arn)
        while True:
            newer = _newer_executions(sfn, state_machine_arn(top.name), seen)
            if not newer:
                break
            for next_arn in newer:
                seen.add(next_arn)
                sfn.wait_for_execution(next_arn)
                arn = next_arn
        return _result(sfn, arn, recorder.calls)


def _schedule(clock: Any, store: Any, arn: str, start: datetime, event: ScheduledEvent) -> None:
    clock.call_at(start + event.at, lambda: store.raise_event(arn, event.name, event.data))
