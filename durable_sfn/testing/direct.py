"""`run_direct`: execute an orchestrator as ordinary Python on a virtual clock.

The direct run is the reference the compiled definition is compared against, so it follows
Step Functions semantics wherever Python and Step Functions could differ: values cross every
boundary as JSON; an activity failure reaches the orchestrator as the activity's own exception
with `.error` (the class name) and `.cause` (the Lambda error JSON) set; `task_all` cancels the
remaining branches as soon as one fails (as Map and Parallel do); retries and timers advance
virtual time only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import durable_sfn.testing.jsonvalues as jsonvalues
from durable_sfn._aws import DEFAULT_REGION, execution_arn
from durable_sfn.client.logs import LogRecord
from durable_sfn.dsl import OrchestratorDefinition
from durable_sfn.testing import logs
from durable_sfn.testing.compiled import check_compiles
from durable_sfn.testing.direct_context import DirectContext, DirectRun, run_body
from durable_sfn.testing.entities import Entities, entity_host
from durable_sfn.testing.errors import (
    ContinueAsNew,
    DataLimitExceeded,
    check_size,
    error_and_cause,
)
from durable_sfn.testing.resolve import (
    ActivityOverrides,
    collect,
    require_orchestrator,
)
from durable_sfn.testing.results import (
    DEFAULT_EXECUTION_NAME,
    DEFAULT_START,
    ExecutionResult,
    ScheduledEvent,
    check_events,
)
from durable_sfn.testing.scheduler import StuckOrchestrationError, Task

__all__ = ["DirectContext", "Events", "run_direct"]

Events = Mapping[str, Any] | Sequence[ScheduledEvent] | None


def run_direct(
    orch: Callable[..., Any],
    input: Any = None,
    activities: ActivityOverrides = None,
    events: Events = None,
    *,
    start_time: datetime = DEFAULT_START,
    execution_name: str = DEFAULT_EXECUTION_NAME,
    max_generations: int = 100,
    entities: Entities = None,
) -> ExecutionResult:
    """Run `orch` as plain Python with a virtual clock and return what the execution would report.

    `activities` overrides the activities found in the orchestrator's source: a dict
    {name: function} or a list of @activity functions. `events` is a dict {name: data} of events
    raised before the run (buffered) or a list of `ScheduledEvent(name, data, at)` raised `at`
    after the start. Timers, retries and event timeouts take no real time. `entities` are the
    `@entity` functions hosted on moto (default: those in scope of the orchestrator's module), or
    a `LocalEntityHost` to read their state after the run; queued signals are applied before
    the result is returned.

    >>> result = run_direct(hello_sequence, None, activities={"SayHello": lambda city: f"Hello {city}"})
    >>> result.status, result.output
    ('SUCCEEDED', ['Hello Tokyo', 'Hello London'])

    Raises the `CompileError` of the orchestrator (or of a sub-orchestrator it calls) first:
    code that cannot be deployed must not pass its direct-run tests.
    """
    definition = require_orchestrator(orch)
    check_events(events)
    workflow = collect(orch, activities)
    check_compiles(workflow.orchestrators.values())
    with entity_host(workflow.orchestrators.values(), entities, DEFAULT_REGION) as host:
        run = DirectRun(workflow, start_time)
        if host is not None:
            run.entity_calls = host.session(f"{definition.name}:{execution_name}:{uuid.uuid4()}")
        try:
            with logs.capture():
                return _run_generations(run, orch, definition, input, events, execution_name, max_generations)
        finally:
            if run.entity_calls is not None:
                run.entity_calls.finish()  # deliver queued signals, as the queue's consumer would


def _run_generations(
    run: DirectRun,
    orch: Callable[..., Any],
    definition: OrchestratorDefinition,
    input: Any,
    events: Events,
    execution_name: str,
    max_generations: int,
) -> ExecutionResult:
    jsonvalues.input_json(input)  # refused as run_local refuses it (no datetime as text)
    current_input = jsonvalues.roundtrip(input, "the orchestration input")
    arn = execution_arn(definition.name, execution_name)
    ctx: DirectContext | None = None
    for _ in range(max_generations):
        ctx = DirectContext(run, definition, current_input, arn)
        _schedule_events(run, ctx, events)
        events = None  # events go to the first generation's mailbox; later ones start clean
        records: list[LogRecord] = []  # what this generation logs, as its history would hold
        main: Task[Any] = run.scheduler.spawn(logs.instance(records, run_body(orch, definition, ctx)))
        try:
            run.scheduler.run(main, run.describe_blocked)
        except StuckOrchestrationError:
            main.cancel()
            raise
        if run.configuration_error is not None:
            raise run.configuration_error
        if run.misuse:
            raise run.misuse[0]
        if isinstance(main.exception, ContinueAsNew):
            current_input = main.exception.input
            continue
        if main.exception is not None:
            error, cause = error_and_cause(main.exception)
            return _result(run, ctx, "FAILED", error=error, cause=cause, logs=records)
        output = jsonvalues.roundtrip(main.result(), f"the output of orchestrator {definition.name!r}")
        try:
            check_size(
                jsonvalues.dumps(output),
                "The execution output exceeds the maximum number of bytes service limit.",
            )
        except DataLimitExceeded as exc:
            return _result(run, ctx, "FAILED", error=exc.error, cause=exc.cause, logs=records)
        return _result(run, ctx, "SUCCEEDED", output=output, logs=records)
    raise StuckOrchestrationError(
        f"orchestrator {definition.name!r} called continue_as_new {max_generations} times: "
        "pass max_generations= to run longer"
    )


def _schedule_events(run: DirectRun, ctx: DirectContext, events: Events) -> None:
    if events is None:
        return
    if isinstance(events, Mapping):
        for name, data in events.items():
            ctx.mailbox.raise_event(name, data)
        return
    start = run.scheduler.now
    for event in events:
        run.scheduler.call_at(
            start + event.at,
            lambda e=event: ctx.mailbox.raise_event(e.name, e.data),  # type: ignore[misc]
        )


def _result(run: DirectRun, ctx: DirectContext, status: Any, **fields: Any) -> ExecutionResult:
    return ExecutionResult(
        status=status,
        custom_status=ctx.custom_status,
        activity_calls=list(run.activity_calls),
        **fields,
    )
