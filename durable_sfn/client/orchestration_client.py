"""OrchestrationClient: start, watch, signal and stop orchestrations, Durable Functions style.

The client speaks only boto3's `stepfunctions` API, so the same code drives AWS (boto3's
client, with or without `endpoint_url`), `durable-sfn serve`, and the in-process
`LocalStepFunctions`. Raised events go through the DynamoDB event store
(`durable_sfn.client.events`), which is what `wait_for_external_event` waits on.

Instance ids are execution ARNs: they are globally unique, need no lookup and are what
Step Functions, the console and the AWS CLI show. Every method also accepts a bare execution
name (what you passed as `instance_id` to `start_new`); it is resolved once per client by
trying each state machine (one DescribeExecution per state machine until found), then cached.

>>> client = OrchestrationClient(boto3.client("stepfunctions"), dynamodb=boto3.client("dynamodb"))
>>> instance_id = client.start_new("OrderProcessingOrchestration", "order-42")
>>> client.raise_event(instance_id, "ApprovalEvent", {"approved": True})
>>> client.wait_for_completion(instance_id, timeout=60).output

Entities are signalled and read through the same client (`signal_entity`, `read_entity_state`):
signals go to the entities' SQS FIFO queue, state is read from their DynamoDB table.

Operating: `redrive` (`rewind`, Durable's name) resumes a failed instance from its failed step;
`list_instances(page_size=...)` pages with a continuation token and `iter_instances` walks every
page; `purge_instance_history` deletes what durable_sfn keeps about an ended instance (its events;
for an entity, its state). Step Functions keeps an execution's own history for its retention
period (90 days after it ends) whatever the client does.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from durable_sfn.client.entities import EntityAccess
from durable_sfn.client.events import Delivery, EventStore, events_table_name
from durable_sfn.client.instances import InstanceLister, InstancePage, PurgeHistoryResult
from durable_sfn.client.status import (
    InstanceAlreadyExistsError,
    InstanceNotFoundError,
    InstanceNotRedrivableError,
    InstanceNotRunningError,
    OrchestrationClientError,
    OrchestrationStatus,
    OrchestratorNotFoundError,
    custom_status_from_history,
    error_code,
    status_filter,
    status_from_description,
)
from durable_sfn.dsl import EntityId, orchestrator_definition
from durable_sfn.entities.store import EntityState

# get_status reads history newest-first: a small first page finds a recent set_custom_status
# in one call; later pages are large so that a history without any custom status costs
# ceil(N / 1000) more calls rather than N / 100.
_FIRST_HISTORY_PAGE = 100
_NEXT_HISTORY_PAGES = 1000


class OrchestrationClient:
    """Durable Functions' orchestration client over any boto3-shaped Step Functions client.

    `sfn`: boto3's `stepfunctions` client or `LocalStepFunctions`. `dynamodb`: a boto3 DynamoDB
    client for raised events (defaults to one in the Step Functions client's region and
    endpoint when `sfn` is a boto3 client). `name_to_arn`: how orchestrator names become state
    machine ARNs (a mapping or a function); by default ListStateMachines finds them by name. A
    mapping also limits `list_instances` and bare-name lookups to those state machines. An ARN
    there may name an alias or a version (`...:stateMachine:Orders:live`): `start_new` starts
    through it, while listing and lookups use the state machine itself.

    Entities: `entities_table` (default `$DURABLE_SFN_ENTITIES_TABLE`) and `entities_queue_url`
    (default `$DURABLE_SFN_ENTITIES_QUEUE_URL`), with `dynamodb` and `sqs` clients (derived from
    the Step Functions client's region when it is a boto3 client). Read only when an entity
    method is called, so clients that never touch entities need none of it.

    On a `LocalStepFunctions` with its default virtual clock, time jumps whenever every
    execution is blocked, so an instance waiting for an event times out at once unless the
    caller takes part in virtual time: start and raise inside `with sfn.clock.participating():`,
    or schedule the raise with `sfn.clock.call_at(when, ...)`.
    """

    def __init__(
        self,
        sfn: Any,
        *,
        dynamodb: Any = None,
        events_table: str | None = None,
        name_to_arn: Mapping[str, str] | Callable[[str], str] | None = None,
        sqs: Any = None,
        entities_table: str | None = None,
        entities_queue_url: str | None = None,
    ) -> None:
        self.sfn = sfn
        self._dynamodb = dynamodb
        self._sqs = sqs
        self._entities = EntityAccess(
            table=entities_table,
            queue_url=entities_queue_url,
            dynamodb=lambda: self._dynamodb_client("read_entity_state"),
            sqs=self._sqs_client,
        )
        self.events_table = events_table or events_table_name()
        self._name_to_arn = name_to_arn
        self._machine_arns: dict[str, str] = {}
        self._instance_arns: dict[str, str] = {}
        self._lock = threading.Lock()
        self._event_store: EventStore | None = None

    # -- starting -------------------------------------------------------------------------

    def start_new(self, orchestrator: Any, input: Any = None, instance_id: str | None = None) -> str:
        """Start an orchestration; return its instance id (the execution ARN).

        `orchestrator` is an `@orchestrator` function, an orchestrator (state machine) name or
        a state machine ARN. `instance_id` names the execution (default: a random UUID). As on
        Step Functions, repeating a start of a running instance with the same input returns the
        same instance; a different input, or an ended instance, is an error.
        """
        machine_arn = self.state_machine_arn(orchestrator)
        name = instance_id or uuid.uuid4().hex
        try:
            response = self.sfn.start_execution(
                stateMachineArn=machine_arn, name=name, input=json.dumps(input)
            )
        except Exception as exc:
            code = error_code(exc)
            if code == "ExecutionAlreadyExists":
                raise InstanceAlreadyExistsError(
                    f"an instance named {name!r} already exists for {machine_arn}: choose another "
                    "instance_id (execution names are unique per state machine for 90 days)"
                ) from None
            if code == "StateMachineDoesNotExist":
                raise OrchestratorNotFoundError(
                    f"state machine {machine_arn} does not exist: deploy it or create it first"
                ) from None
            raise
        arn = str(response["executionArn"])
        with self._lock:
            self._instance_arns[name] = arn
        return arn

    def state_machine_arn(self, orchestrator: Any) -> str:
        """Resolve an `@orchestrator` function, a name or an ARN to a state machine ARN."""
        definition = orchestrator_definition(orchestrator)
        name = definition.name if definition is not None else orchestrator
        if not isinstance(name, str) or not name:
            raise OrchestrationClientError(
                f"expected an @orchestrator function, an orchestrator name or a state machine ARN, got {orchestrator!r}"
            )
        if name.startswith("arn:"):
            return name
        if self._name_to_arn is not None:
            if callable(self._name_to_arn):
                return self._name_to_arn(name)
            if name in self._name_to_arn:
                return self._name_to_arn[name]
        with self._lock:
            cached = self._machine_arns.get(name)
        if cached is not None:
            return cached
        for machine in self._state_machines():
            with self._lock:
                self._machine_arns[str(machine["name"])] = str(machine["stateMachineArn"])
        with self._lock:
            found = self._machine_arns.get(name)
        if found is None:
            raise OrchestratorNotFoundError(
                f"no state machine named {name!r}: deploy the orchestrator (or create the state machine), "
                "or pass name_to_arn= to OrchestrationClient"
            )
        return found

    # -- reading --------------------------------------------------------------------------

    def get_status(
        self, instance_id: str, *, show_input: bool = True, show_custom_status: bool = True
    ) -> OrchestrationStatus:
        """Runtime status, custom status, input, output, times and error of one instance.

        Cost: 1 DescribeExecution, plus GetExecutionHistory pages read newest-first
        (reverseOrder=True) until the latest `customStatus` assignment: 1 page of 100 events when
        the status was set within the last 100 events (the usual case), else 1 + ceil((N-100) /
        1000) pages for an N-event history (at most 26 for the 25,000-event limit). Measured by
        `benchmarks/client_get_status.py`. `show_custom_status=False` skips the history.
        """
        arn = self.resolve(instance_id)
        description = self._describe(arn)
        if not show_custom_status:  # one DescribeExecution, no history
            return status_from_description(description, show_input=show_input)
        custom_status, has_custom, last_event = self._latest_custom_status(arn)
        return status_from_description(
            description,
            custom_status=custom_status if has_custom else None,
            last_event_time=last_event,
            show_input=show_input,
        )

    def get_history(self, instance_id: str) -> list[dict[str, Any]]:
        """Every history event, oldest first, as boto3 returns them."""
        arn = self.resolve(instance_id)
        return list(self._history(arn, reverse=False, first_page=_NEXT_HISTORY_PAGES))

    def list_instances(
        self,
        *,
        status: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        orchestrator: Any = None,
        page_size: int | None = None,
        continuation_token: str | None = None,
    ) -> InstancePage:
        """Instances of every (or one) orchestrator, newest first, without custom status.

        `status` is a Step Functions status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED) or a
        Durable one (Running, Completed, Failed, Terminated); `created_from` / `created_to` bound
        the start time. Without `page_size`, every instance; with it, at most that many and the
        page's `continuation_token` (None on the last page), which the next call passes back
        with the same filters. One ListExecutions call per state machine per page (and per 100
        executions read); no history is read. `iter_instances` walks all pages lazily.

        >>> page = client.list_instances(status="Failed", page_size=50)  # doctest: +SKIP
        >>> more = client.list_instances(status="Failed", page_size=50, continuation_token=page.continuation_token)
        """
        if page_size is not None and page_size < 1:
            raise OrchestrationClientError(f"page_size must be at least 1, got {page_size}")
        lister = self._lister(status, created_from, created_to, orchestrator, continuation_token)
        return lister.take(page_size)

    def iter_instances(
        self,
        *,
        status: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        orchestrator: Any = None,
    ) -> Iterator[OrchestrationStatus]:
        """Every instance matching the filters, newest first, read a page at a time as you go."""
        return iter(self._lister(status, created_from, created_to, orchestrator, None))

    def _lister(
        self,
        status: str | None,
        created_from: datetime | None,
        created_to: datetime | None,
        orchestrator: Any,
        continuation_token: str | None,
    ) -> InstanceLister:
        machines = (
            [unqualified(self.state_machine_arn(orchestrator))]
            if orchestrator is not None
            else [str(m["stateMachineArn"]) for m in self._state_machines()]
        )
        return InstanceLister(
            self.sfn.list_executions,
            machines,
            status_filter=status_filter(status),
            created_from=created_from,
            created_to=created_to,
            continuation_token=continuation_token,
        )

    def wait_for_completion(
        self, instance_id: str, timeout: float = 60.0, *, poll_interval: float = 0.05
    ) -> OrchestrationStatus:
        """Block until the instance ends or `timeout` seconds pass; return its status either way.

        On `LocalStepFunctions` this uses the engine's own wait (virtual time, no polling);
        elsewhere it polls DescribeExecution every tenth of the instance's age (at least
        `poll_interval`, at most 5 seconds apart), so it returns within about 10% of the end.
        """
        arn = self.resolve(instance_id)
        local_wait = getattr(self.sfn, "wait_for_execution", None)
        if callable(local_wait):
            with contextlib.suppress(TimeoutError):
                local_wait(arn, timeout=timeout)
            return self.get_status(arn)
        began = time.monotonic()
        deadline = began + timeout
        while True:
            description = self._describe(arn)
            now = time.monotonic()
            if description["status"] != "RUNNING" or now >= deadline:
                return self.get_status(arn)
            age = now - began  # a lower bound of the instance's age: no clock skew to trust
            started = description.get("startDate")
            if isinstance(started, datetime) and started.tzinfo is not None:
                age = max(age, (datetime.now(UTC) - started).total_seconds())
            delay = min(max(poll_interval, age / 10), 5.0)
            time.sleep(max(0.0, min(delay, deadline - now)))

    # -- acting ---------------------------------------------------------------------------

    def raise_event(self, instance_id: str, event_name: str, data: Any = None) -> Delivery:
        """Send an external event; returns "delivered" (a wait was completed) or "buffered".

        An event raised before the orchestrator waits for it is kept and delivered when the
        wait starts, as in Durable Functions. Raising to an instance that is not running is an
        error (`InstanceNotRunningError`), not a silent drop.
        """
        arn = self.resolve(instance_id)
        description = self._describe(arn)
        if description["status"] != "RUNNING":
            raise InstanceNotRunningError(
                f"instance {arn} is {description['status']}, not RUNNING: event {event_name!r} cannot be delivered"
            )
        return self.event_store().raise_event(arn, event_name, data)

    def redrive(self, instance_id: str) -> datetime:
        """Resume a failed, timed-out or terminated instance from its unsuccessful step (RedriveExecution).

        Steps that completed are not run again; inside a fan-out (Parallel, Map) only the
        branches that did not complete run again. The instance keeps its id, input and the
        definition it started with; returns the redrive date. Step Functions allows it within 14
        days of the end, for Standard state machines only; otherwise `InstanceNotRedrivableError`
        says why.
        """
        arn = self.resolve(instance_id)
        try:
            response = self.sfn.redrive_execution(executionArn=arn)
        except Exception as exc:
            code = error_code(exc)
            if code == "ExecutionDoesNotExist":
                raise InstanceNotFoundError(f"no instance {arn}") from None
            if code == "ExecutionNotRedrivable":
                reason = self._describe(arn).get("redriveStatusReason") or str(exc)
                raise InstanceNotRedrivableError(f"instance {arn} cannot be redriven: {reason}") from None
            raise
        return response["redriveDate"]  # type: ignore[no-any-return]

    def rewind(self, instance_id: str, reason: str = "") -> None:
        """Durable's rewind: run a failed instance again from where it failed (see `redrive`).

        `reason` is accepted for Durable compatibility; Step Functions has no place to record it
        (its history shows an ExecutionRedriven event instead).
        """
        self.redrive(instance_id)

    def purge_instance_history(self, instance_id: str | EntityId) -> PurgeHistoryResult:
        """Delete what durable_sfn keeps about an ended instance, Durable's purge.

        For an orchestration: its external-event items (waiting tokens, buffered events). Step
        Functions keeps the execution and its history for its retention period (90 days after the
        end); no API deletes them, so `get_status` still finds the instance. For an entity (an
        `EntityId`, or Durable's "@name@key"): its state and log of applied operations. A running
        instance is refused: terminate it first.
        """
        entity = _entity_instance(instance_id)
        if entity is not None:
            return PurgeHistoryResult(1 if self._entities.purge(entity) else 0)
        assert isinstance(instance_id, str)
        arn = self.resolve(instance_id)
        description = self._describe(arn)
        if description["status"] == "RUNNING":
            raise OrchestrationClientError(f"instance {arn} is RUNNING: terminate it before purging it")
        self.event_store().purge(arn)
        return PurgeHistoryResult(1)

    def purge_instance_history_by(
        self,
        created_time_from: datetime | None = None,
        created_time_to: datetime | None = None,
        runtime_status: Iterable[str] | None = None,
    ) -> PurgeHistoryResult:
        """Purge every ended instance created in the window with one of the statuses (default: any ended)."""
        statuses = [status_filter(s) for s in runtime_status] if runtime_status is not None else [None]
        deleted = 0
        for wanted in dict.fromkeys(statuses):
            for instance in self.iter_instances(
                status=wanted, created_from=created_time_from, created_to=created_time_to
            ):
                if instance.status == "RUNNING":
                    continue
                self.event_store().purge(instance.instance_id)
                deleted += 1
        return PurgeHistoryResult(deleted)

    def terminate(self, instance_id: str, reason: str = "") -> None:
        """Stop a running instance (StopExecution; its status becomes ABORTED / Terminated)."""
        arn = self.resolve(instance_id)
        try:
            self.sfn.stop_execution(executionArn=arn, error="Terminated", cause=reason)
        except Exception as exc:
            if error_code(exc) == "ExecutionDoesNotExist":
                raise InstanceNotFoundError(f"no instance {arn}") from None
            raise

    # -- entities -------------------------------------------------------------------------

    def signal_entity(
        self,
        entity_id: EntityId | str,
        operation: str,
        input: Any = None,
        *,
        operation_id: str | None = None,
    ) -> str:
        """Send a one-way operation to an entity; return its operation id.

        The signal is queued (SQS FIFO, one message group per entity) and applied later by the
        entity dispatcher, in the order this client sent its signals to that entity. Pass a
        stable `operation_id` to make sending the same signal twice harmless. `entity_id` is an
        `EntityId` or its text form "Name@key".

        >>> client.signal_entity(EntityId("Counter", "customer-42"), "add", 5)  # doctest: +SKIP
        """
        return self._entities.signal(entity_id, operation, input, operation_id)

    def read_entity_state(self, entity_id: EntityId | str) -> EntityState:
        """The committed state of an entity: `EntityState(entity_id, exists, state, version)`.

        An entity that was never written (or was destructed) has `exists=False, state=None`.
        Signals still queued are not reflected yet: like Durable's `read_entity_state`, the
        state may lag. Cost: one consistent GetItem.
        """
        return self._entities.read(entity_id)

    def _sqs_client(self) -> Any:
        with self._lock:
            if self._sqs is None:
                self._sqs = self._derived_client("sqs", "signal_entity")
            return self._sqs

    def event_store(self) -> EventStore:
        """The event store raise_event writes to (created on first use)."""
        with self._lock:
            if self._event_store is None:
                self._event_store = EventStore(
                    self.sfn, self._dynamodb_client("raise_event", locked=True), self.events_table
                )
            return self._event_store

    # -- instance ids ---------------------------------------------------------------------

    def resolve(self, instance_id: str) -> str:
        """The execution ARN of an instance id (an ARN already, or an execution name)."""
        if instance_id.startswith("arn:"):
            if ":execution:" not in instance_id and ":express:" not in instance_id:
                raise OrchestrationClientError(
                    f"{instance_id!r} is not an execution ARN (arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME)"
                )
            return instance_id
        with self._lock:
            cached = self._instance_arns.get(instance_id)
        if cached is not None:
            return cached
        for machine in self._state_machines():
            candidate = (
                unqualified(str(machine["stateMachineArn"])).replace(":stateMachine:", ":execution:", 1)
                + ":"
                + instance_id
            )
            try:
                self.sfn.describe_execution(executionArn=candidate)
            except Exception as exc:
                if error_code(exc) in ("ExecutionDoesNotExist", "InvalidArn"):
                    continue
                raise
            with self._lock:
                self._instance_arns[instance_id] = candidate
            return candidate
        raise InstanceNotFoundError(f"no instance named {instance_id!r} in any state machine")

    # -- plumbing -------------------------------------------------------------------------

    def _describe(self, arn: str) -> dict[str, Any]:
        try:
            return dict(self.sfn.describe_execution(executionArn=arn))
        except Exception as exc:
            if error_code(exc) == "ExecutionDoesNotExist":
                raise InstanceNotFoundError(f"no instance {arn}") from None
            raise

    def _latest_custom_status(self, arn: str) -> tuple[Any, bool, datetime | None]:
        last_event: datetime | None = None
        for event in self._history(arn, reverse=True, first_page=_FIRST_HISTORY_PAGE):
            if last_event is None:
                last_event = event.get("timestamp")
            found, value = custom_status_from_history(event)
            if found:
                return value, True, last_event
        return None, False, last_event

    def _history(self, arn: str, *, reverse: bool, first_page: int) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {"executionArn": arn, "reverseOrder": reverse, "maxResults": first_page}
        while True:
            try:
                page = self.sfn.get_execution_history(**kwargs)
            except Exception as exc:
                if error_code(exc) == "ExecutionDoesNotExist":
                    raise InstanceNotFoundError(f"no instance {arn}") from None
                raise
            yield from page.get("events", [])
            token = page.get("nextToken")
            if not token:
                return
            kwargs = {**kwargs, "nextToken": token, "maxResults": _NEXT_HISTORY_PAGES}

    def _state_machines(self) -> Iterator[dict[str, Any]]:
        """Every state machine (unqualified ARNs: a mapping's alias ARN stands for its machine)."""
        if isinstance(self._name_to_arn, Mapping):
            # A fixed set of orchestrators (e.g. the management Lambda's): no ListStateMachines,
            # so the caller needs no account-wide permission.
            for name, arn in self._name_to_arn.items():
                yield {"name": name, "stateMachineArn": unqualified(arn)}
            return
        kwargs: dict[str, Any] = {}
        while True:
            page = self.sfn.list_state_machines(**kwargs)
            yield from page.get("stateMachines", [])
            token = page.get("nextToken")
            if not token:
                return
            kwargs = {"nextToken": token}

    def _dynamodb_client(self, purpose: str, *, locked: bool = False) -> Any:
        """The DynamoDB client (events, entities); `locked` when the caller holds `_lock`."""
        with contextlib.nullcontext() if locked else self._lock:
            if self._dynamodb is None:
                self._dynamodb = self._derived_client("dynamodb", purpose)
            return self._dynamodb

    def _derived_client(self, service: str, purpose: str) -> Any:
        """A boto3 client in the Step Functions client's region and credentials' default chain."""
        meta = getattr(self.sfn, "meta", None)
        if meta is None:
            raise OrchestrationClientError(
                f"{purpose} needs a {_SERVICE_NAMES[service]} client: pass "
                f"OrchestrationClient(sfn, {service}=boto3.client('{service}'))"
            )
        import boto3

        return boto3.client(service, region_name=meta.region_name)


_SERVICE_NAMES = {"dynamodb": "DynamoDB", "sqs": "SQS"}


def unqualified(state_machine_arn: str) -> str:
    """A state machine ARN without a version or alias suffix (`...:stateMachine:NAME`)."""
    parts = state_machine_arn.split(":")
    return ":".join(parts[:7]) if len(parts) > 7 and parts[5] == "stateMachine" else state_machine_arn


def _entity_instance(instance_id: str | EntityId) -> EntityId | None:
    """The entity an instance id names: an EntityId, or Durable's "@name@key" form."""
    if isinstance(instance_id, EntityId):
        return instance_id
    if instance_id.startswith("@") and instance_id.count("@") >= 2:
        name, _sep, key = instance_id[1:].partition("@")
        return EntityId(name, key)
    return None
