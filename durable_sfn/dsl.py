"""The authoring API: decorators that record frozen definitions, and the orchestration context.

Decorators never change what the function does: `@activity` leaves a plain callable (the same
object becomes a Lambda handler through `durable_sfn.lambda_entry`), and `@orchestrator` leaves
the `async def` untouched; the compiler reads its source, it never runs it.
"""

from __future__ import annotations

import inspect
import re
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn, Protocol, TypeAlias, TypeVar, overload

from durable_sfn.errors import DefinitionError as DefinitionError
from durable_sfn.errors import OrchestrationError as OrchestrationError
from durable_sfn.errors import ToleratedFailureExceeded as ToleratedFailureExceeded

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

# A JSON value (dict, list, str, int, float, bool or None): what Step Functions passes between
# states, so what an orchestrator receives from and hands to activities, entities, events and
# sub-orchestrators. An activity may declare a pydantic model instead; `lambda_entry` parses the
# JSON into it and dumps a returned model back to JSON, so the orchestrator never sees the model.
# Typed as Any, as `json.loads` is: orchestrators index results (`validation["IsValid"]`) the way
# Durable Functions orchestrators do, which a recursive union would refuse without an isinstance
# check before every access.
JsonValue: TypeAlias = Any

_DEFINITION_ATTR = "__durable_sfn_definition__"
# Step Functions state names and Lambda function names share this safe subset (so do entity names).
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
# DynamoDB limits a partition key to 2048 bytes; an entity name and its separator take at most 65.
MAX_ENTITY_KEY_BYTES = 1900


@dataclass(frozen=True)
class ActivityDefinition:
    name: str
    function: Callable[..., Any]
    source_file: str
    line: int


@dataclass(frozen=True)
class OrchestratorDefinition:
    name: str
    function: Callable[..., Any]
    source_file: str
    line: int
    # Name of the optional second parameter that receives the orchestration input.
    input_parameter: str | None


def pascal_case(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def source_location(fn: Callable[..., Any]) -> tuple[str, int]:
    """(source file, first line) of a decorated function, for messages and definition records."""
    try:
        return inspect.getsourcefile(fn) or "<unknown>", inspect.getsourcelines(fn)[1]
    except (OSError, TypeError):
        return "<unknown>", 0


def _check_name(name: str, fn: Callable[..., Any], kind: str) -> None:
    if not NAME_RE.match(name):
        file, line = source_location(fn)
        raise DefinitionError(
            f"{file}:{line}: {kind} name {name!r} is not valid: use 1-64 letters, digits, '-' or '_', "
            "starting with a letter (it becomes a Lambda function or state machine name)"
        )


@overload
def activity(fn: F, *, name: str | None = None) -> F: ...
@overload
def activity(fn: None = None, *, name: str | None = None) -> Callable[[F], F]: ...
def activity(fn: F | None = None, *, name: str | None = None) -> F | Callable[[F], F]:
    """Mark a plain function as an activity; `name` defaults to the function name in PascalCase.

    >>> @activity(name="ValidateOrderActivity")
    ... def validate_order(order_id: str) -> dict: ...
    """

    def wrap(f: F) -> F:
        if inspect.iscoroutinefunction(f):
            file, line = source_location(f)
            raise DefinitionError(
                f"{file}:{line}: activity {f.__name__!r} must be a plain def, not async def"
            )
        activity_name = name or pascal_case(f.__name__)
        _check_name(activity_name, f, "activity")
        file, line = source_location(f)
        setattr(f, _DEFINITION_ATTR, ActivityDefinition(activity_name, f, file, line))
        return f

    return wrap(fn) if fn is not None else wrap


@overload
def orchestrator(fn: F, *, name: str | None = None) -> F: ...
@overload
def orchestrator(fn: None = None, *, name: str | None = None) -> Callable[[F], F]: ...
def orchestrator(fn: F | None = None, *, name: str | None = None) -> F | Callable[[F], F]:
    """Mark `async def f(ctx)` (or `async def f(ctx, input)`) as an orchestrator.

    The body is compiled to Amazon States Language; it is never executed by the compiler.
    """

    def wrap(f: F) -> F:
        file, line = source_location(f)
        if not inspect.iscoroutinefunction(f):
            raise DefinitionError(
                f"{file}:{line}: orchestrator {f.__name__!r} must be declared with 'async def'"
            )
        params = list(inspect.signature(f).parameters)
        if not 1 <= len(params) <= 2:
            raise DefinitionError(
                f"{file}:{line}: orchestrator {f.__name__!r} must take (ctx) or (ctx, input), not {len(params)} parameters"
            )
        orchestrator_name = name or pascal_case(f.__name__)
        _check_name(orchestrator_name, f, "orchestrator")
        input_parameter = params[1] if len(params) == 2 else None
        setattr(
            f, _DEFINITION_ATTR, OrchestratorDefinition(orchestrator_name, f, file, line, input_parameter)
        )
        return f

    return wrap(fn) if fn is not None else wrap


def activity_definition(obj: Any) -> ActivityDefinition | None:
    definition = getattr(obj, _DEFINITION_ATTR, None)
    return definition if isinstance(definition, ActivityDefinition) else None


def orchestrator_definition(obj: Any) -> OrchestratorDefinition | None:
    definition = getattr(obj, _DEFINITION_ATTR, None)
    return definition if isinstance(definition, OrchestratorDefinition) else None


@dataclass(frozen=True)
class RetryOptions:
    """Durable Functions retry options; `max_number_of_attempts` counts the first attempt too.

    Every error is retried, unless `retry_on` names the exception classes to retry (their
    subclasses too) or `handle` is Durable's predicate, written `lambda e: isinstance(e, (A, B))`
    (compiled to the Retry's ErrorEquals; any other predicate is a compile error).
    """

    first_retry_interval: timedelta
    max_number_of_attempts: int
    backoff_coefficient: float = 1.0
    max_retry_interval: timedelta | None = None
    retry_on: tuple[type[BaseException], ...] = ()
    handle: Callable[[BaseException], bool] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.first_retry_interval, timedelta):
            raise DefinitionError(
                "RetryOptions.first_retry_interval is a timedelta (Durable's milliseconds: "
                "timedelta(milliseconds=5000))"
            )
        if self.max_number_of_attempts < 1:
            raise DefinitionError("RetryOptions.max_number_of_attempts must be at least 1")
        if self.retry_on and self.handle is not None:
            raise DefinitionError("RetryOptions takes retry_on= or handle=, not both")
        if not all(isinstance(c, type) and issubclass(c, BaseException) for c in self.retry_on):
            raise DefinitionError("RetryOptions.retry_on is a tuple of exception classes")
        if self.first_retry_interval.total_seconds() < 1:
            raise DefinitionError(
                "RetryOptions.first_retry_interval must be at least 1 second (Step Functions' minimum)"
            )
        if self.backoff_coefficient < 1.0:
            raise DefinitionError("RetryOptions.backoff_coefficient must be at least 1.0")

    def retries(self, error: BaseException) -> bool:
        """Whether `error` is one these options retry."""
        if self.handle is not None:
            return bool(self.handle(error))
        return not self.retry_on or isinstance(error, self.retry_on)


@dataclass(frozen=True)
class S3Location:
    """Where a fan-out over S3 items writes its children's results (`task_all(results_to=...)`):
    Step Functions' ResultWriter layout under `prefix` (a manifest plus result files)."""

    bucket: str
    prefix: str = ""


@dataclass(frozen=True, order=True)
class EntityId:
    """The identity of one entity instance: the entity's name and a key chosen by the caller.

    Orchestrators write it in `ctx.call_entity` and `ctx.signal_entity`; `durable_sfn.entities`
    re-exports it beside `@entity`. Entity names become Lambda function names and `${Name}`
    placeholders, so they follow the activities' rule; '@' is excluded, which is what makes
    "name@key" unambiguous.

    >>> str(EntityId("Counter", "customer-42"))
    'Counter@customer-42'
    """

    name: str
    key: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not NAME_RE.match(self.name):
            raise ValueError(
                f"EntityId name {self.name!r} is not valid: use 1-64 letters, digits, '-' or '_', "
                "starting with a letter (it is the name given to @entity)"
            )
        if not isinstance(self.key, str) or not self.key:
            raise ValueError(f"EntityId key for {self.name!r} must be a non-empty string, got {self.key!r}")
        if len(self.key.encode()) > MAX_ENTITY_KEY_BYTES:
            raise ValueError(
                f"EntityId key for {self.name!r} is {len(self.key.encode())} bytes; keep it under "
                f"{MAX_ENTITY_KEY_BYTES} bytes (it is part of a DynamoDB partition key)"
            )

    def __str__(self) -> str:
        return f"{self.name}@{self.key}"

    @classmethod
    def parse(cls, text: str) -> EntityId:
        """Inverse of `str()`: "Counter@customer-42" -> EntityId("Counter", "customer-42")."""
        name, sep, key = text.partition("@")
        if not sep:
            raise ValueError(f"entity id {text!r} is not of the form 'Name@key'")
        return cls(name, key)


class Task(Protocol[T_co]):
    """What the ctx operations return: await it, pass it to `task_all`, or race it in `task_any`.

    After `winner = await ctx.task_any([approval, timer])`, compare the winner with the task
    variables (`winner == approval`) and read `.result` (or `.get_result()`) and `.is_completed`:
    the winner is completed with its result, the others are not completed (result None) because
    the race cancels them. `timer.cancel()` is accepted and does nothing more (the race already
    cancelled the losing timer).
    """

    @property
    def result(self) -> T_co:
        """The task's result once it completed; None before (and for a task that lost a race)."""

    def get_result(self) -> T_co:
        """Durable's spelling of `.result`."""

    @property
    def is_completed(self) -> bool:
        """Whether the task completed (the winner of a race; a task awaited before)."""

    def cancel(self) -> None:
        """Cancel the task (a losing timer of a race is already cancelled)."""

    def __await__(self) -> Generator[Any, None, T_co]: ...


class DurableHttpResponse(dict[str, Any]):
    """What `await ctx.call_http(...)` gives: Durable's response as the JSON object a compiled
    orchestrator holds, `{"status_code": 200, "headers": {"Content-Type": "..."}, "content": "..."}`.

    Read it as Durable code does (`response.status_code`, `.headers`, `.content`) or with
    subscripts (`response["status_code"]`); both compile. Header values are text (repeated
    headers joined with ", "), `content` is the body's text.
    """

    def __init__(self, status_code: Any, headers: dict[str, str], content: str | None) -> None:
        super().__init__(status_code=status_code, headers=headers, content=content)

    @property
    def status_code(self) -> int:
        return int(self["status_code"])

    @property
    def headers(self) -> dict[str, str]:
        return dict(self["headers"])

    @property
    def content(self) -> str | None:
        value = self["content"]
        return value if isinstance(value, str) else None


class OrchestrationContext(ABC):
    """What an orchestrator sees: the Durable Functions Python context, one signature per method.

    Values cross the boundary as JSON (`JsonValue`): an activity's parameter and return types
    (pydantic models included) are its own business, the orchestrator passes and receives their
    JSON form, as it does on Step Functions.

    The compiler reads calls on this object from source and turns them into states; the direct
    runner (`durable_sfn.testing.run_direct`) provides an implementation that executes them as
    ordinary Python on a virtual clock. Every method returning an awaitable must be awaited (or
    passed to `task_all`), exactly as in Durable Functions.

    >>> @orchestrator(name="HelloSequence")
    ... async def hello(ctx: OrchestrationContext) -> list[str]:
    ...     first = await ctx.call_activity(say_hello, "Tokyo")
    ...     second = await ctx.call_activity("SayHello", "London")
    ...     return [first, second]
    """

    @abstractmethod
    def get_input(self) -> JsonValue:
        """The orchestration input (the execution input on Step Functions)."""

    @property
    @abstractmethod
    def instance_id(self) -> str:
        """The instance id (the execution ARN on Step Functions)."""

    @property
    def is_replaying(self) -> bool:
        """Durable Functions' replay flag, always False: nothing replays here (a compiled
        orchestrator runs each statement once, and so does the direct run), so
        `if not ctx.is_replaying: logger.info(...)` logs once, as in Durable Functions."""
        return False

    @property
    @abstractmethod
    def current_utc_datetime(self) -> datetime:
        """Deterministic current time: use it instead of `datetime.now()`."""

    @abstractmethod
    def new_uuid(self) -> str:
        """A new UUID string: use it instead of `uuid.uuid4()`.

        Compiled, it is JSONata's `$uuid()`, a random version-4 UUID on Step Functions and on
        the local engine alike. The direct run returns version-5 UUIDs derived from the instance
        id and a counter instead, so a direct run is reproducible. The values therefore differ
        between a direct and a compiled run (an inherent difference: Step Functions offers no
        seeded UUID); compare their shape or their uniqueness in tests, never their value.
        """

    @abstractmethod
    def set_custom_status(self, value: JsonValue) -> None:
        """Publish a JSON-serialisable progress value that clients can read while the instance runs."""

    @abstractmethod
    def call_activity(
        self,
        activity: Callable[..., object] | str,
        input: JsonValue = None,
        *,
        input_: JsonValue = None,
        return_type: Any = None,
    ) -> Task[JsonValue]:
        """Call an `@activity` function (or an activity by name) with JSON and await its JSON result.

        An activity whose parameter is a pydantic model receives `input` parsed into it; a model it
        returns arrives here as its JSON dump (a dict). Without `input` the activity receives None.
        `input_=` is Durable's spelling of `input` (here and in the other calls that take one).
        `return_type` (Durable's deserialisation hint) is accepted and ignored, on every call.
        """

    @abstractmethod
    def call_activity_with_retry(
        self,
        activity: Callable[..., object] | str,
        retry_options: RetryOptions,
        input: JsonValue = None,
        *,
        input_: JsonValue = None,
        return_type: Any = None,
    ) -> Task[JsonValue]:
        """Like `call_activity`, retrying any failure per `retry_options` (attempts count the first call)."""

    @abstractmethod
    def call_sub_orchestrator(
        self,
        orchestrator: Callable[..., Coroutine[Any, Any, object]] | str,
        input: JsonValue = None,
        instance_id: str | None = None,
        *,
        input_: JsonValue = None,
        return_type: Any = None,
    ) -> Task[JsonValue]:
        """Run another `@orchestrator` as a child instance and await its (JSON) output.

        `instance_id` names the child execution (Step Functions' execution name: 1-80
        characters, no whitespace or special characters, never reused within a state machine);
        by default Step Functions names it with a UUID.
        """

    @abstractmethod
    def call_sub_orchestrator_with_retry(
        self,
        orchestrator: Callable[..., Coroutine[Any, Any, object]] | str,
        retry_options: RetryOptions,
        input: JsonValue = None,
        instance_id: str | None = None,
        *,
        input_: JsonValue = None,
        return_type: Any = None,
    ) -> Task[JsonValue]:
        """Like `call_sub_orchestrator`, starting a new child per attempt when one fails, per
        `retry_options` (attempts count the first). A retried child has no `instance_id`: each
        attempt is a new execution, and Step Functions never reuses an execution name."""

    @abstractmethod
    def call_entity(
        self,
        entity_id: EntityId,
        operation: str,
        input: JsonValue = None,
        *,
        input_: JsonValue = None,
        return_type: Any = None,
    ) -> Task[JsonValue]:
        """Run `operation` on a durable entity and await its result (`ctx.set_result`).

        Operations on one entity run one at a time and each call is applied exactly once, even
        when it is retried. The entity name and the operation are literals:
        `await ctx.call_entity(EntityId("Counter", customer_id), "add", 1)`. Errors the entity
        raises (including `UnknownOperationError`) are caught by their class name, like activities'.
        """

    @abstractmethod
    def call_http(
        self,
        method: str,
        uri: str,
        content: JsonValue = None,
        headers: dict[str, str] | None = None,
        token_source: Any = None,
    ) -> Task[DurableHttpResponse]:
        """Make an HTTP request durably (a Step Functions HTTP Task) and await the response.

        `method` is a literal (`"GET"`, `"POST"`, ...); a str `content` is sent as it is, any other
        value as JSON. As in Durable, a `202 Accepted` with a `Location` header is polled (GET,
        every `Retry-After` seconds or 30) until another answer comes. Unlike Durable, a status
        outside 200-299 raises (Step Functions fails the Task): `except Exception as e` catches it,
        `e.error` is `"States.Http.StatusCode.404"` and `e.cause` the body. Credentials come from
        the EventBridge connection of the deployed state machine, so `token_source` is refused.
        """

    @abstractmethod
    def signal_entity(
        self, entity_id: EntityId, operation: str, input: JsonValue = None, *, input_: JsonValue = None
    ) -> None:
        """Send `operation` to a durable entity (one-way: not awaited, no result).

        One orchestration's signals and calls to one entity are applied in the order it issued
        them: a `call_entity` after a signal sees the signal applied. An error the entity raises
        on a signal is logged and dropped.
        """

    @abstractmethod
    def create_timer(self, fire_at: datetime | timedelta) -> Task[None]:
        """Sleep until `fire_at` (an aware UTC datetime) or for a `timedelta`, durably."""

    @abstractmethod
    def wait_for_external_event(
        self, name: str, timeout: timedelta | float | None = None, *, data_type: Any = None
    ) -> Task[JsonValue]:
        """Wait for an event raised by a client and return its data (`data_type`, Durable's
        deserialisation hint, is accepted and ignored).

        With `timeout` (a `timedelta` or seconds) the wait raises `TimeoutError` (error
        `States.Timeout`) when no event arrives in time.
        """

    @abstractmethod
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
        """Run tasks concurrently and return their results in order.

        Fails as soon as one task fails (the others are cancelled), as Step Functions' Map and
        Parallel do. `max_concurrency` bounds the concurrent branches of a Map; `distributed`
        asks for a distributed Map (child executions) instead of an inline one.

        Over `ctx.s3_items(...)` or `ctx.s3_objects(...)` (a Distributed Map reading S3), the
        other options apply: up to `tolerated_failure_percentage` / `tolerated_failure_count`
        children may fail (their results are `{"Error": ..., "Cause": ...}`); beyond that the call
        raises `ToleratedFailureExceeded` (States.ExceedToleratedFailureThreshold), and without
        them any failure does. `results_to=S3Location(bucket, prefix)` writes the results to S3
        and returns `{"MapRunArn": ..., "ResultWriterDetails": {"Bucket": ..., "Key": <manifest>}}`
        instead of the list. `label` names the Map Run; `express=False` keeps the children
        Standard executions where their body would allow Express ones.
        """

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
        """The items of one S3 object, to fan out over in a `task_all` comprehension.

        `format` is "json" (an array), "jsonl" (one value a line), "csv" (one object a row, keyed
        by the header row or by `csv_headers`, every value a string) or "manifest" (an S3
        Inventory manifest.json: one object a listed S3 object). With `batch_size` each element
        is a list of up to that many items; `max_items` reads only the first ones.
        """
        raise NotImplementedError("s3_items is iterated by a task_all comprehension")

    def s3_objects(
        self, bucket: str, prefix: str = "", *, batch_size: int | None = None, max_items: int | None = None
    ) -> Iterable[Any]:
        """The objects under `prefix` (`{"Etag", "Key", "LastModified", "Size", "StorageClass"}`
        each), to fan out over in a `task_all` comprehension; `batch_size` as for `s3_items`."""
        raise NotImplementedError("s3_objects is iterated by a task_all comprehension")

    def task_any(self, tasks: Iterable[Task[Any]]) -> Awaitable[Task[Any]]:
        """Race tasks: return the first task to finish (its `.result` holds the result).

        The tasks that lose are cancelled (a pending timer stops, an event is no longer awaited),
        as the branches of the Parallel the compiler makes of the race are. A task that fails
        first fails the race with its error. Ties (tasks finishing at the same instant) go to the
        first in the list in the direct run, to the first branch Step Functions sees finish once
        compiled: race tasks that finish at different times.

        >>> approval = ctx.wait_for_external_event("Approval")
        >>> timer = ctx.create_timer(timedelta(hours=1))
        >>> winner = await ctx.task_any([approval, timer])
        >>> if winner == approval:
        ...     timer.cancel()
        """
        raise NotImplementedError("task_any runs in the direct run and compiled")

    def when_any(self, tasks: Iterable[Task[Any]]) -> Awaitable[Task[Any]]:
        """Durable Functions' spelling of `task_any`."""
        return self.task_any(tasks)

    @abstractmethod
    def continue_as_new(self, input: JsonValue) -> NoReturn:
        """End this instance and start it again with `input` (eternal orchestrations)."""
