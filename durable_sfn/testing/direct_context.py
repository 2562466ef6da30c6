"""The `OrchestrationContext` of a direct run and the state its instances share.

Each method does in Python what its compiled state does on Step Functions (see `direct` for
the semantics the direct run follows); `run_direct` in `direct` drives the instances.
"""

from __future__ import annotations

import contextvars
import json
import random
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, TypeVar

import durable_sfn.testing.jsonvalues as jsonvalues
from durable_sfn._aws import execution_arn
from durable_sfn.compiler.backend.states import TRANSIENT_LAMBDA_RETRY
from durable_sfn.dsl import (
    DefinitionError,
    DurableHttpResponse,
    EntityId,
    OrchestrationContext,
    OrchestratorDefinition,
    RetryOptions,
    S3Location,
    Task,
)
from durable_sfn.engine.api.base import check_name
from durable_sfn.engine.api.errors import StepFunctionsError, error
from durable_sfn.engine.s3_items import map_run_arn as map_run
from durable_sfn.entities.in_process import DirectEntityCalls
from durable_sfn.lambda_entry import LocalLambdaContext, invoke_activity, lambda_error
from durable_sfn.testing import direct_http, direct_tasks, logs, s3_fanout, typed_values
from durable_sfn.testing.direct_tasks import DirectTask
from durable_sfn.testing.errors import (
    ContinueAsNew,
    check_size,
    error_and_cause,
    mark,
)
from durable_sfn.testing.mailbox import Mailbox
from durable_sfn.testing.resolve import (
    ActivityNotFoundError,
    Workflow,
    activity_name,
    require_orchestrator,
)
from durable_sfn.testing.results import (
    ActivityCall,
)
from durable_sfn.testing.scheduler import Future, Scheduler
from durable_sfn.testing.scheduler import Task as SchedulerTask

T = TypeVar("T")


class ChildStartFailed(Exception):
    """A sub-orchestration that could not start (its instance_id is not a valid execution name,
    or names one already started): error and cause are StartExecution's, as the compiled Task's."""


class DirectRun:
    """State shared by every instance of one direct run: time, activities, calls, events."""

    def __init__(self, workflow: Workflow, start: datetime) -> None:
        self.workflow = workflow
        self.scheduler = Scheduler(start)
        self.activity_calls: list[ActivityCall] = []
        self.mailboxes: list[Mailbox] = []
        self.configuration_error: Exception | None = None
        self.misuse: list[Exception] = self.scheduler.misuse
        self._children = 0
        self._started: set[str] = set()  # child executions started (their ARNs)
        self.entity_calls: DirectEntityCalls | None = None

    def entities(self, entity_id: Any) -> DirectEntityCalls:
        if self.entity_calls is None:
            error = ActivityNotFoundError(
                f"entity {getattr(entity_id, 'name', entity_id)!r} is called but no @entity function "
                "hosts it: pass entities=[fn] or import the @entity into the orchestrator's module"
            )
            self.configuration_error = self.configuration_error or error
            raise error
        return self.entity_calls

    def json(self, value: Any, what: str) -> Any:
        """The JSON round trip of `value`; a failure is the test's mistake, reported by run_direct."""
        try:
            return jsonvalues.roundtrip(value, what)
        except jsonvalues.NotJsonError as exc:
            self.misuse.append(exc)
            raise

    def mailbox(self) -> Mailbox:
        box = Mailbox(self.scheduler)
        self.mailboxes.append(box)
        return box

    def start_child(self, name: Any, arn: str) -> None:
        """Refuse a child's name as StartExecution refuses it: an invalid name, or one its state
        machine has used (the compiled Task fails with StepFunctions.<Code>Exception)."""
        try:
            check_name(name, "StartExecution", what="execution")
            if arn in self._started:
                raise error("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'", "StartExecution")
        except StepFunctionsError as exc:
            code, message = exc.code, exc.message
            failure = ChildStartFailed(message)
            mark(
                failure,
                f"StepFunctions.{code}Exception",
                f"{message} (Service: AWSStepFunctions; Status Code: 400; Error Code: {code})",
            )
            raise failure from None
        self._started.add(arn)

    def child_name(self) -> str:
        """A UUID, as the engine and Step Functions name a child started without a Name.

        Derived from a counter (uuid5), so a direct run stays reproducible; code that reads the
        child's execution id sees the same shape in both runs.
        """
        self._children += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"durable-sfn/child/{self._children}"))

    def activity(self, ref: Any) -> tuple[str, Callable[..., Any]]:
        name = activity_name(ref)
        fn = self.workflow.activities.get(name)
        if fn is None and callable(ref) and not isinstance(ref, str):
            fn = ref
        if fn is None:
            error = ActivityNotFoundError(
                f"activity {name!r} is called but no function implements it: pass "
                f"activities={{{name!r}: fn}} or import the @activity into the orchestrator's module"
            )
            self.configuration_error = self.configuration_error or error
            raise error
        return name, fn

    def orchestrator(self, ref: Any) -> Callable[..., Any]:
        if not isinstance(ref, str):
            try:
                require_orchestrator(ref)
            except DefinitionError as not_orchestrator:
                self.configuration_error = self.configuration_error or not_orchestrator
                raise
            return ref  # type: ignore[no-any-return]
        fn = self.workflow.orchestrators.get(ref)
        if fn is None:
            error = ActivityNotFoundError(f"sub-orchestrator {ref!r} is called but is not in scope")
            self.configuration_error = self.configuration_error or error
            raise error
        return fn

    def describe_blocked(self) -> str:
        waits = [d for box in self.mailboxes for d in box.blocked()]
        if waits:
            return (
                "the orchestration can never finish: it waits for "
                + "; ".join(waits)
                + ". Pass the event to the run (events={name: data} or [ScheduledEvent(name, data, at)]) "
                "or give the wait a timeout"
            )
        return "the orchestration can never finish: every branch waits and nothing is scheduled"


def _one_input(input: Any, input_: Any) -> Any:
    """The input of a call given as `input` or as Durable's `input_=` (the compiler takes both)."""
    if input is not None and input_ is not None:
        raise TypeError("got the input twice: as input and as input_")
    return input if input_ is None else input_


class DirectContext(OrchestrationContext):
    """The `OrchestrationContext` of a direct run: each method does in Python what its state does."""

    def __init__(
        self, run: DirectRun, definition: OrchestratorDefinition, input: Any, instance_id: str
    ) -> None:
        self._run = run
        self._definition = definition
        self._input = input
        self._instance_id = instance_id
        self._uuids = 0
        self._s3_source: s3_fanout.S3Source | None = None  # the last ctx.s3_items/s3_objects
        self._s3_runs = 0
        self.mailbox = run.mailbox()
        self.custom_status: Any = None

    @property
    def _scheduler(self) -> Scheduler:
        return self._run.scheduler

    def get_input(self) -> Any:
        return self._input

    @property
    def instance_id(self) -> str:
        return self._instance_id

    @property
    def current_utc_datetime(self) -> datetime:
        return self._scheduler.now

    def new_uuid(self) -> str:
        # Deterministic here; random (`$uuid()`) once compiled: see OrchestrationContext.new_uuid.
        self._uuids += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self._instance_id}/{self._uuids}"))

    def set_custom_status(self, value: Any) -> None:
        self.custom_status = self._run.json(value, "the custom status")

    def call_activity(
        self, activity: Any, input: Any = None, *, input_: Any = None, return_type: Any = None
    ) -> Task[Any]:
        return DirectTask(self._activity(activity, _one_input(input, input_), None))

    def call_activity_with_retry(
        self,
        activity: Any,
        retry_options: RetryOptions,
        input: Any = None,
        *,
        input_: Any = None,
        return_type: Any = None,
    ) -> Task[Any]:
        return DirectTask(self._activity(activity, _one_input(input, input_), retry_options))

    async def _activity(self, ref: Any, input: Any, retry: RetryOptions | None) -> Any:
        name, fn = self._run.activity(ref)
        payload = jsonvalues.dumps(self._run.json(input, f"the input of activity {name!r}"))
        check_size(
            payload,
            f"The state/task '{name}' has an input with a size exceeding the maximum number of bytes service limit.",
        )
        attempt = 1
        transient_retries = 0
        while True:
            # Let sibling branches reach their own calls first, as concurrent Map iterations do.
            await self._scheduler.checkpoint()
            self._run.activity_calls.append(ActivityCall(name, json.loads(payload)))
            event = json.loads(payload)
            context = LocalLambdaContext(function_name=name)
            try:
                with logs.outside():
                    result = invoke_activity(fn, event, context)
            except Exception as exc:
                error = lambda_error(exc, context.aws_request_id)
                mark(exc, error["errorType"], jsonvalues.dumps(error))
                if error["errorType"] in TRANSIENT_LAMBDA_RETRY.errors:
                    # The compiled Task's first retrier matches these errors; once it is
                    # exhausted the Task fails, the States.ALL retrier after it never sees them.
                    if transient_retries >= TRANSIENT_LAMBDA_RETRY.max_attempts:
                        raise
                    transient_retries += 1
                    await self._scheduler.sleep_until(
                        self._scheduler.now + _transient_delay(transient_retries)
                    )
                    continue
                if retry is None or attempt >= retry.max_number_of_attempts or not retry.retries(exc):
                    raise
                await self._scheduler.sleep_until(self._scheduler.now + _retry_delay(retry, attempt))
                attempt += 1
            else:
                value = self._run.json(result, f"the result of activity {name!r}")
                check_size(
                    jsonvalues.dumps(value),
                    f"The state/task '{name}' returned a result with a size exceeding the maximum number of bytes service limit.",
                )
                return typed_values.result_of(fn, value)

    def call_sub_orchestrator(
        self,
        orchestrator: Any,
        input: Any = None,
        instance_id: str | None = None,
        *,
        input_: Any = None,
        return_type: Any = None,
    ) -> Task[Any]:
        return DirectTask(self._sub_orchestrator(orchestrator, _one_input(input, input_), instance_id))

    def call_sub_orchestrator_with_retry(
        self,
        orchestrator: Any,
        retry_options: RetryOptions,
        input: Any = None,
        instance_id: str | None = None,
        *,
        input_: Any = None,
        return_type: Any = None,
    ) -> Task[Any]:
        return DirectTask(
            self._retried_sub_orchestrator(
                orchestrator, retry_options, _one_input(input, input_), instance_id
            )
        )

    async def _retried_sub_orchestrator(
        self, ref: Any, retry: RetryOptions, input: Any, instance_id: str | None
    ) -> Any:
        attempt = 1
        while True:
            try:
                return await self._sub_orchestrator(ref, input, instance_id)
            except Exception as exc:
                if attempt >= retry.max_number_of_attempts or not retry.retries(exc):
                    raise
            await self._scheduler.sleep_until(self._scheduler.now + _retry_delay(retry, attempt))
            attempt += 1

    async def _sub_orchestrator(self, ref: Any, input: Any, instance_id: str | None = None) -> Any:
        fn = self._run.orchestrator(ref)
        definition = require_orchestrator(fn)
        payload = self._run.json(input, f"the input of sub-orchestrator {definition.name!r}")
        await self._scheduler.checkpoint()
        child_name = self._run.child_name() if instance_id is None else instance_id
        child_arn = execution_arn(definition.name, child_name)
        self._run.start_child(child_name, child_arn)
        child = DirectContext(self._run, definition, payload, child_arn)
        try:
            # The child logs to its own history, not to this instance's.
            output = await logs.instance(None, run_body(fn, definition, child))
        except ContinueAsNew:
            # The child ended by starting a new execution; the parent sees that first one end.
            output = None
        except Exception as exc:
            # The child's own exception reaches the parent (as in Durable Functions); compiled, a
            # Catch takes the child's Error and Cause out of the States.TaskFailed record.
            error, cause = error_and_cause(exc)
            mark(exc, error, cause)
            raise
        return self._run.json(output, f"the output of sub-orchestrator {definition.name!r}")

    def call_entity(
        self,
        entity_id: EntityId,
        operation: str,
        input: Any = None,
        *,
        input_: Any = None,
        return_type: Any = None,
    ) -> Task[Any]:
        return DirectTask(self._entity(entity_id, operation, _one_input(input, input_)))

    async def _entity(self, entity_id: EntityId, operation: str, input: Any) -> Any:
        with logs.outside():  # opening the entity store logs its own records
            calls = self._run.entities(entity_id)
        payload = self._run.json(input, f"the input of entity operation {entity_id}.{operation}")
        await self._scheduler.checkpoint()
        try:
            with logs.outside():
                result = calls.call(entity_id, operation, payload)
        except Exception as exc:
            # The entity function's Lambda error, as the compiled Task sees it.
            error = lambda_error(exc, uuid.uuid4().hex)
            mark(exc, error["errorType"], jsonvalues.dumps(error))
            raise
        return self._run.json(result, f"the result of entity operation {entity_id}.{operation}")

    def signal_entity(
        self, entity_id: EntityId, operation: str, input: Any = None, *, input_: Any = None
    ) -> None:
        input = _one_input(input, input_)
        payload = self._run.json(input, f"the input of signal {entity_id}.{operation}")
        with logs.outside():  # the entity and its store log their own records, not this instance's
            self._run.entities(entity_id).signal(entity_id, operation, payload)

    def call_http(
        self,
        method: str,
        uri: str,
        content: Any = None,
        headers: dict[str, str] | None = None,
        token_source: Any = None,
    ) -> Task[DurableHttpResponse]:
        if token_source is not None:
            raise TypeError(
                "call_http cannot take a token_source: the HTTP Task's connection authenticates it"
            )
        return DirectTask(
            direct_http.call_http(self._scheduler, self._run.json, method, uri, content, headers)
        )

    def create_timer(self, fire_at: datetime | timedelta) -> Task[None]:
        if isinstance(fire_at, timedelta):
            when = self._scheduler.now + fire_at
        else:
            when = fire_at if fire_at.tzinfo is not None else fire_at.replace(tzinfo=UTC)
        return DirectTask(self._timer(when))

    async def _timer(self, when: datetime) -> None:
        await self._scheduler.checkpoint()
        if when > self._scheduler.now:
            await self._scheduler.sleep_until(when)

    def wait_for_external_event(
        self, name: str, timeout: timedelta | float | None = None, *, data_type: Any = None
    ) -> Task[Any]:
        delta = timedelta(seconds=timeout) if isinstance(timeout, int | float) else timeout
        return DirectTask(self._event(name, delta))

    async def _event(self, name: str, timeout: timedelta | None) -> Any:
        await self._scheduler.checkpoint()
        return await self.mailbox.receive(name, self._instance_id, timeout)

    def task_all(
        self,
        tasks: Iterable[Awaitable[T]],
        *,
        max_concurrency: int | None = None,
        distributed: bool = False,
        tolerated_failure_percentage: float | None = None,
        tolerated_failure_count: int | None = None,
        results_to: S3Location | None = None,
        label: str | None = None,
        express: bool | None = None,
    ) -> Awaitable[list[T]]:
        pending = list(tasks)
        source, self._s3_source = self._s3_source, None
        options = s3_fanout.Options(
            max_concurrency, tolerated_failure_percentage, tolerated_failure_count, results_to, label
        )
        if source is not None and len(source.inputs) == len(pending):
            self._s3_runs += 1
            arn = execution_arn(self._definition.name, self._instance_id)
            map_run_arn = map_run(arn, label or "task_all", f"direct/{self._s3_runs}")
            return s3_fanout.run(self._scheduler, pending, source, options, map_run_arn)
        if (tolerated_failure_percentage, tolerated_failure_count, results_to, label, express) != (None,) * 5:
            raise TypeError(
                "tolerated_failure_percentage, tolerated_failure_count, results_to, label and express "
                "apply to a fan-out over ctx.s3_items(...) or ctx.s3_objects(...)"
            )
        return self._task_all(pending, max_concurrency)

    def s3_items(
        self,
        bucket: str,
        key: str,
        format: str,
        *,
        batch_size: int | None = None,
        max_items: int | None = None,
        csv_delimiter: str | None = None,
        csv_headers: list[str] | None = None,
    ) -> Iterable[Any]:
        source = s3_fanout.s3_items_source(
            bucket, key, format, batch_size, max_items, csv_delimiter, csv_headers
        )
        self._s3_source = source
        return source

    def s3_objects(
        self, bucket: str, prefix: str = "", *, batch_size: int | None = None, max_items: int | None = None
    ) -> Iterable[Any]:
        source = s3_fanout.s3_objects_source(bucket, prefix, batch_size, max_items)
        self._s3_source = source
        return source

    async def _task_all(self, items: list[Awaitable[T]], max_concurrency: int | None) -> list[T]:
        # Branches started later (when one finishes) run in the context of this call, as the
        # first ones do: the same orchestrator instance.
        context = contextvars.copy_context()
        if not items:
            return []
        limit = len(items) if not max_concurrency or max_concurrency <= 0 else max_concurrency
        results: list[Any] = [None] * len(items)
        running: list[SchedulerTask[Any]] = []
        waiting = deque(enumerate(items))
        remaining = len(items)

        def stop_all() -> None:
            for task in running:
                task.cancel()
            while waiting:
                _, item = waiting.popleft()
                if isinstance(item, Coroutine):
                    item.close()  # never started: no "coroutine was never awaited" warning

        joined = self._scheduler.future("task_all", on_cancel=stop_all)

        def start_next() -> None:
            index, item = waiting.popleft()
            task = self._scheduler.spawn(_awaiting(item), context)
            running.append(task)
            task.add_done_callback(lambda done: finished(index, done))

        def finished(index: int, done: Future[Any]) -> None:
            nonlocal remaining
            if joined.done:
                return
            if done.exception is not None:
                error = done.exception
                stop_all()
                joined.set_exception(error)
                return
            results[index] = done.result()
            remaining -= 1
            if remaining == 0:
                joined.set_result(results)
            elif waiting:
                start_next()

        for _ in range(min(limit, len(items))):
            start_next()
        return await joined  # type: ignore[no-any-return]

    def task_any(self, tasks: Iterable[Task[Any]]) -> Awaitable[Task[Any]]:
        return direct_tasks.task_any(self._scheduler, list(tasks))

    def continue_as_new(self, input: Any) -> NoReturn:
        raise ContinueAsNew(self._run.json(input, "the input of continue_as_new"))


async def _awaiting(item: Awaitable[T]) -> T:
    return await item


def _retry_delay(retry: RetryOptions, attempt: int) -> timedelta:
    """Step Functions' Retry delay before retry number `attempt` (IntervalSeconds * BackoffRate^n)."""
    seconds = retry.first_retry_interval.total_seconds() * retry.backoff_coefficient ** (attempt - 1)
    if retry.max_retry_interval is not None:
        seconds = min(seconds, retry.max_retry_interval.total_seconds())
    return timedelta(seconds=seconds)


def _transient_delay(retry_number: int) -> timedelta:
    """The compiled transient-error retrier's delay (full jitter: uniform up to the backoff)."""
    r = TRANSIENT_LAMBDA_RETRY
    ceiling = r.interval_seconds * r.backoff_rate ** (retry_number - 1)
    return timedelta(seconds=random.uniform(0, ceiling) if r.jitter else ceiling)


def run_body(
    fn: Callable[..., Any], definition: OrchestratorDefinition, ctx: DirectContext
) -> Coroutine[Any, Any, Any]:
    if definition.input_parameter is not None:
        return fn(ctx, typed_values.input_of(fn, ctx.get_input()))  # type: ignore[no-any-return]
    return fn(ctx)  # type: ignore[no-any-return]
