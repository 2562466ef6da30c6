"""One local Step Functions world: the engine, moto-backed AWS services, events and activities.

`durable-sfn run` and `durable-sfn serve` both need the same setup: a `LocalStepFunctions`,
moto active for the process (it hosts the external-event table, the entities' table and signal
queue, and whatever AWS services the activities reach through boto3), the `DurableEventWaiter`
registered, the user's activities and entities registered, and state machines created from
loaded definitions with placeholders filled.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from durable_sfn._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, ENTITIES_QUEUE_URL, role_arn
from durable_sfn.client.events import (
    WAITER_NAME,
    EventStore,
    SerializedClient,
    create_events_table,
    make_event_waiter,
)
from durable_sfn.client.orchestration_client import OrchestrationClient
from durable_sfn.definitions import find_definitions
from durable_sfn.deploy_values import deploy_value_fills
from durable_sfn.dsl import activity_definition
from durable_sfn.engine.api.client import LocalStepFunctions
from durable_sfn.engine.clock import RealClock, VirtualClock
from durable_sfn.engine.integrations.aws_clients import MotoClients
from durable_sfn.entities.contract import entity_usage
from durable_sfn.entities.in_process import (
    DEFAULT_QUEUE,
    DEFAULT_TABLE,
    LocalEntityHost,
    create_signal_queue,
)
from durable_sfn.entities.model import entity_definition
from durable_sfn.entities.signals import DrainReport
from durable_sfn.entities.store import create_entities_table
from durable_sfn.local.activities import add_import_root, find_activities, find_entities, register_activities
from durable_sfn.local.definitions import LoadedDefinition, local_arns, substitute
from durable_sfn.local.outbound import OutboundLog, keep_in_process, moto_config

ROLE_ARN = role_arn("durable-sfn-local")
_log = logging.getLogger("durable_sfn.local")


class LocalRuntime:
    """Start with `LocalRuntime(...)`, stop with `close()` (or use it as a context manager)."""

    def __init__(
        self,
        *,
        real_time: bool,
        activity_modules: Iterable[str] = (),
        modules: Iterable[Any] = (),
        setup: Iterable[str] = (),
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT,
        real_services: Iterable[str] = (),
        mock_config: str | dict[str, Any] | None = None,
        real_http: bool = False,
        http_allow: Iterable[str] | None = None,
    ) -> None:
        """`real_services`: AWS services (boto3 names) served by real AWS instead of moto.
        `real_http`: HTTP Tasks (`ctx.call_http`) may call any host, not only loopback ones.
        `http_allow`: HTTP Tasks may call only these `host:port` addresses (None: loopback ones).
        `mock_config`: a Step Functions Local mock config (file or dict) for the engine; a test
        case is chosen by starting `"<state machine ARN>#<TestCase>"`."""
        import boto3
        from moto import mock_aws

        self.region = region
        self.account_id = account_id
        self.real_services = tuple(sorted(set(real_services)))
        self._mock = mock_aws(config=moto_config(self.real_services))  # type: ignore[call-overload]
        self._mock.start()
        # Nothing moto does leaves the process: non-AWS HTTP requests are recorded here.
        self.outbound = OutboundLog()
        keep_in_process(self.outbound)
        try:
            clock = RealClock() if real_time else VirtualClock()
            self.engine: Any = LocalStepFunctions(
                clock=clock,
                region=region,
                account_id=account_id,
                mock_config=mock_config,
                # moto's services (and real AWS for `real_services`, moto's passthrough).
                aws_client_factory=MotoClients(region),
                http_outbound=real_http,
                http_allow=http_allow,
            )
            # Serialized: moto's conditional writes are not atomic across threads (see durable_sfn.client.events).
            self.dynamodb = SerializedClient(boto3.client("dynamodb", region_name=region))
            create_events_table(self.dynamodb)
            # `--setup lambdas...:fn` and `--activities lambdas` name packages of the project the
            # orchestrator file belongs to, wherever the command runs.
            modules = list(modules)
            for module in modules:
                if getattr(module, "__file__", None):
                    add_import_root(Path(module.__file__))
            for hook in setup:
                run_setup_hook(hook)
            self.event_store = EventStore(self.engine, self.dynamodb)
            self.engine.register_lambda(WAITER_NAME, make_event_waiter(self.event_store))
            found = find_activities(activity_modules)
            found.update(find_definitions(activity_definition, *modules))
            self.activities = register_activities(self.engine, found.values())
            # Entities: the table and FIFO queue always exist, so the client can signal and read
            # them; the functions come from the same modules as activities (and definitions).
            self.sqs = boto3.client("sqs", region_name=region)
            create_entities_table(self.dynamodb, DEFAULT_TABLE, exist_ok=True)
            self.entities_queue_url = create_signal_queue(self.sqs, DEFAULT_QUEUE)
            self.entity_host: LocalEntityHost | None = None
            self._entity_functions: dict[str, Any] = {}
            self.host_entities(find_entities(activity_modules))
            self.host_entities(entities_in(*modules))
            self.client = OrchestrationClient(
                self.engine,
                dynamodb=self.dynamodb,
                sqs=self.sqs,
                entities_table=DEFAULT_TABLE,
                entities_queue_url=self.entities_queue_url,
            )
            self._delivery: tuple[threading.Thread, threading.Event] | None = None
        except BaseException:
            self._mock.stop()
            raise

    def __enter__(self) -> LocalRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._delivery is not None:
            thread, stop = self._delivery
            stop.set()
            thread.join(timeout=5)
        self._mock.stop()

    # -- entities ---------------------------------------------------------------------------

    def host_entities(self, functions: Iterable[Any]) -> list[str]:
        """Host these `@entity` functions too (re-registering every handler); return all names."""
        new = {}
        for fn in functions:
            definition = entity_definition(fn)
            if definition is not None and definition.name not in self._entity_functions:
                new[definition.name] = fn
        if new:
            self._entity_functions.update(new)
            # One host for all: the queue hands each signal to whichever consumer reads it.
            self.entity_host = LocalEntityHost(
                self._entity_functions.values(),
                dynamodb_client=self.dynamodb,
                sqs_client=self.sqs,
                table_name=DEFAULT_TABLE,
                queue_name=DEFAULT_QUEUE,
                create=False,
            )
            self.entity_host.register(self.engine)
        return sorted(self._entity_functions)

    @property
    def entities(self) -> list[str]:
        """The names of the entities this runtime hosts."""
        return sorted(self._entity_functions)

    def deliver_signals(self) -> DrainReport:
        """Apply every queued entity signal now, as the queue's Lambda consumer would."""
        if self.entity_host is None:
            return DrainReport()
        return self.entity_host.drain()

    def deliver_signals_continuously(self, interval: float = 0.1) -> None:
        """Keep delivering signals in the background (for `serve`), until `close()`."""
        if self._delivery is not None:
            return
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(interval):
                try:
                    self.deliver_signals()
                except Exception:  # a failed round is retried on the next tick, as SQS would
                    _log.exception("delivering entity signals failed")

        thread = threading.Thread(target=loop, name="entity-signals", daemon=True)
        self._delivery = (thread, stop)
        thread.start()

    def _machine_arns(self) -> dict[str, str]:
        """Every state machine of the engine, name -> ARN (ListStateMachines pages by 100)."""
        found: dict[str, str] = {}
        kwargs: dict[str, Any] = {"maxResults": 1000}
        while True:
            page = self.engine.list_state_machines(**kwargs)
            found.update({m["name"]: m["stateMachineArn"] for m in page["stateMachines"]})
            if not page.get("nextToken"):
                return found
            kwargs["nextToken"] = page["nextToken"]

    def create_machines(self, definitions: Iterable[LoadedDefinition]) -> dict[str, str]:
        """Create (or update) a state machine per definition; return name -> ARN."""
        items = list(definitions)
        names = {item.name for item in items}
        arns: dict[str, str] = {}
        existing = self._machine_arns()
        for item in items:
            if item.module is not None:
                self.host_entities(entities_in(item.module))
        for item in items:
            self._check_entities(item)
            arns = local_arns(item.definition, names, self.region, self.account_id)
            if ENTITIES_QUEUE_URL in arns:
                arns[ENTITIES_QUEUE_URL] = self.entities_queue_url
            # What the orchestrator reads from os.environ: this process's environment, read when
            # the machine is created, as a deployment reads it at synth.
            values = deploy_value_fills(
                item.definition, os.environ, machine=item.name, where="before starting"
            )
            definition = substitute(item.definition, {**arns, **values})
            text = json.dumps(definition)
            if item.name in existing:
                self.engine.update_state_machine(stateMachineArn=existing[item.name], definition=text)
                arns[item.name] = existing[item.name]
                continue
            response = self.engine.create_state_machine(name=item.name, definition=text, roleArn=ROLE_ARN)
            arns[item.name] = response["stateMachineArn"]
        return arns

    def _check_entities(self, item: LoadedDefinition) -> None:
        usage = entity_usage(item.definition)
        missing = sorted(usage.called - set(self._entity_functions))
        if missing:
            raise EntityHostingError(
                f"{item.source} calls entities {', '.join(missing)}, but no @entity function with "
                "that name was found: pass the module or package that defines it with --activities"
            )
        if usage.signals and not self._entity_functions:
            raise EntityHostingError(
                f"{item.source} signals entities, but no @entity function was found: pass the module "
                "or package that defines them with --activities"
            )


class EntityHostingError(RuntimeError):
    """A definition calls or signals entities that no loaded module defines."""


def entities_in(*modules: Any) -> list[Any]:
    """The `@entity` functions defined in (or imported into) already-imported modules."""
    return [d.function for d in find_definitions(entity_definition, *modules).values()]


class SetupHookError(RuntimeError):
    """A `--setup module:function` hook could not be found or failed."""


def run_setup_hook(spec: str) -> None:
    """Call `module:function()` with moto active, e.g. to create and seed tables and buckets."""
    module_name, sep, function_name = spec.partition(":")
    if not sep or not module_name or not function_name:
        raise SetupHookError(
            f"--setup {spec!r}: write module:function, e.g. lambdas.common.resources:create_and_seed"
        )
    add_import_root()
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as exc:
        raise SetupHookError(f"--setup {spec!r}: {type(exc).__name__}: {exc}") from None
    try:
        function()
    except Exception as exc:
        raise SetupHookError(f"--setup {spec!r} failed: {type(exc).__name__}: {exc}") from None
