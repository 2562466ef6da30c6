"""One local Step Functions world: the engine, moto-backed AWS services, events and activities.

`durable-sfn run` and `durable-sfn serve` both need the same setup: a `LocalStepFunctions`,
moto active for the process (it hosts the external-event table and whatever AWS services the
activities reach through boto3), the `DurableEventWaiter` registered, the user's activities
registered, and state machines created from loaded definitions with placeholders filled.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from durable_sfn.activity_loader import add_import_root, find_activities, register_activities
from durable_sfn.cli_support import ACCOUNT, REGION, LoadedDefinition, local_arns, substitute
from durable_sfn.client import OrchestrationClient
from durable_sfn.events import (
    WAITER_NAME,
    EventStore,
    SerializedClient,
    create_events_table,
    make_event_waiter,
)

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/durable-sfn-local"


class LocalRuntime:
    """Start with `LocalRuntime(...)`, stop with `close()` (or use it as a context manager)."""

    def __init__(
        self,
        *,
        real_time: bool,
        activity_modules: Iterable[str] = (),
        modules: Iterable[Any] = (),
        setup: Iterable[str] = (),
        region: str = REGION,
        account_id: str = ACCOUNT,
    ) -> None:
        import boto3
        from moto import mock_aws

        from durable_sfn.engine.client import LocalStepFunctions
        from durable_sfn.engine.clock import RealClock, VirtualClock

        self.region = region
        self.account_id = account_id
        self._mock = mock_aws()
        self._mock.start()
        try:
            clock = RealClock() if real_time else VirtualClock()
            self.engine: Any = LocalStepFunctions(clock=clock, region=region, account_id=account_id)
            # Serialized: moto's conditional writes are not atomic across threads (see events.py).
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
            for module in modules:
                found.update(find_activities_in_module(module))
            self.activities = register_activities(self.engine, found.values())
            self.client = OrchestrationClient(self.engine, dynamodb=self.dynamodb)
        except BaseException:
            self._mock.stop()
            raise

    def __enter__(self) -> LocalRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._mock.stop()

    def create_machines(self, definitions: Iterable[LoadedDefinition]) -> dict[str, str]:
        """Create (or update) a state machine per definition; return name -> ARN."""
        items = list(definitions)
        names = {item.name for item in items}
        arns: dict[str, str] = {}
        existing = {
            m["name"]: m["stateMachineArn"] for m in self.engine.list_state_machines()["stateMachines"]
        }
        for item in items:
            definition = substitute(
                item.definition, local_arns(item.definition, names, self.region, self.account_id)
            )
            text = json.dumps(definition)
            if item.name in existing:
                self.engine.update_state_machine(stateMachineArn=existing[item.name], definition=text)
                arns[item.name] = existing[item.name]
                continue
            response = self.engine.create_state_machine(name=item.name, definition=text, roleArn=ROLE_ARN)
            arns[item.name] = response["stateMachineArn"]
        return arns


def find_activities_in_module(module: Any) -> dict[str, Any]:
    """The activities defined in (or imported into) an already-imported module."""
    from durable_sfn.dsl import activity_definition

    found = {}
    for value in vars(module).values():
        definition = activity_definition(value)
        if definition is not None:
            found[definition.name] = definition
    return found


class SetupHookError(RuntimeError):
    """A `--setup module:function` hook could not be found or failed."""


def run_setup_hook(spec: str) -> None:
    """Call `module:function()` with moto active, e.g. to create and seed tables and buckets."""
    import importlib

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
