"""What a compiled definition needs from AWS: the facts IAM, Lambda and Express checks are built from.

The construct never guesses permissions: it reads them off the definition that will be deployed.
Every Task state is classified by its `Resource`, so a placeholder that is not a Lambda function, a
nested state machine or the external-event waiter is a programmer error caught at construction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from durable_sfn._aws import (
    ENTITIES_QUEUE_URL,
    EVENT_WAITER,
    HTTP_CONNECTION,
    HTTP_INVOKE,
    LAMBDA_INVOKE,
    PLACEHOLDER,
    SQS_SEND_MESSAGE,
    START_EXECUTION,
    placeholder,
    placeholder_name,
)
from durable_sfn.cdk._private.errors import OrchestrationConfigError
from durable_sfn.deploy_values import is_deploy_value


@dataclass(frozen=True)
class DefinitionRequirements:
    """The integrations a definition uses, each with the state names that use it (for messages)."""

    activities: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sub_orchestrations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Sub-orchestrations started with `.sync`: the role must also describe/stop their executions.
    sync_sub_orchestrations: frozenset[str] = frozenset()
    # `continue_as_new` may start its own state machine by context reference instead of by name.
    starts_itself: bool = False
    # Durable entities (durable_sfn.entities.contract): functions called, and whether signals are sent.
    entity_calls: frozenset[str] = frozenset()
    entity_signals: bool = False
    # States using `.sync` / `.waitForTaskToken`: neither is available to Express workflows.
    sync_states: tuple[str, ...] = ()
    task_token_states: tuple[str, ...] = ()
    event_waiter_states: tuple[str, ...] = ()
    placeholders: frozenset[str] = frozenset()

    @property
    def waits_for_events(self) -> bool:
        return bool(self.event_waiter_states)


def iter_states(definition: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every state of a definition, nested Parallel branches and Map processors included."""
    for name, state in (definition.get("States") or {}).items():
        if not isinstance(state, Mapping):
            continue
        yield name, state
        for branch in state.get("Branches") or ():
            if isinstance(branch, Mapping):
                yield from iter_states(branch)
        for key in ("ItemProcessor", "Iterator"):
            processor = state.get(key)
            if isinstance(processor, Mapping):
                yield from iter_states(processor)


def _placeholders_in(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(PLACEHOLDER.findall(value))
    if isinstance(value, Mapping):
        found: set[str] = set()
        for key, item in value.items():
            found |= _placeholders_in(key) | _placeholders_in(item)
        return found
    if isinstance(value, list):
        found = set()
        for item in value:
            found |= _placeholders_in(item)
        return found
    return set()


def _single_placeholder(state_name: str, value: Any, what: str) -> str:
    name = placeholder_name(value)
    if name is None:
        raise OrchestrationConfigError(
            f"state {state_name!r}: {what} is {value!r}, expected a '${{Name}}' placeholder; "
            "deploy definitions produced by durable_sfn.compiler.compile_orchestrator"
        )
    return name


def analyse(definition: Mapping[str, Any]) -> DefinitionRequirements:
    """Classify every placeholder of a compiled definition by the integration that uses it."""
    activities: dict[str, list[str]] = {}
    subs: dict[str, list[str]] = {}
    sync_subs: set[str] = set()
    starts_itself = False
    entity_calls: set[str] = set()
    entity_signals = False
    sync_states: list[str] = []
    token_states: list[str] = []
    waiter_states: list[str] = []
    classified: set[str] = set()
    for name, state in iter_states(definition):
        if state.get("Type") != "Task":
            continue
        resource = str(state.get("Resource", ""))
        arguments = state.get("Arguments") or state.get("Parameters") or {}
        if resource.endswith(".waitForTaskToken"):
            token_states.append(name)
        elif ".sync" in resource:
            sync_states.append(name)
        payload = arguments.get("Payload") if isinstance(arguments, Mapping) else None
        if (
            resource == LAMBDA_INVOKE
            and isinstance(payload, Mapping)
            and payload.get("kind") in ("call", "signal")
        ):
            # An entity call (or an orchestration's signal, invoked in order): the function is the
            # entity's, provided by EntityResources.
            target = _single_placeholder(
                name, arguments.get("FunctionName"), "Arguments.FunctionName of an entity call"
            )
            entity_calls.add(target)
            classified.add(target)
        elif resource == SQS_SEND_MESSAGE and arguments.get("QueueUrl") == placeholder(ENTITIES_QUEUE_URL):
            entity_signals = True
            classified.add(ENTITIES_QUEUE_URL)
        elif resource.startswith(LAMBDA_INVOKE):
            target = _single_placeholder(
                name, arguments.get("FunctionName"), "Arguments.FunctionName of a Lambda task"
            )
            if target == EVENT_WAITER:
                waiter_states.append(name)
            else:
                activities.setdefault(target, []).append(name)
            classified.add(target)
        elif resource == HTTP_INVOKE:
            auth = arguments.get("Authentication") if isinstance(arguments, Mapping) else None
            if isinstance(auth, Mapping) and auth.get("ConnectionArn") == placeholder(HTTP_CONNECTION):
                classified.add(HTTP_CONNECTION)  # filled with the connection (`_private/http_calls`)
        elif resource.startswith(START_EXECUTION):
            arn = arguments.get("StateMachineArn")
            if isinstance(arn, str) and "$states.context.StateMachine.Id" in arn:
                starts_itself = True
                continue
            target = _single_placeholder(
                name, arguments.get("StateMachineArn"), "Arguments.StateMachineArn of a nested execution"
            )
            subs.setdefault(target, []).append(name)
            if ".sync" in resource:
                sync_subs.add(target)
            classified.add(target)
    placeholders = _placeholders_in(dict(definition))
    # Deploy-time values (os.environ reads) are filled in at synth or by CloudFormation: not resources.
    unknown = sorted(p for p in placeholders - classified if not is_deploy_value(p))
    if unknown:
        raise OrchestrationConfigError(
            f"the definition uses placeholder(s) {', '.join('${' + u + '}' for u in unknown)} outside "
            "a Lambda or nested-execution task; only activity, sub-orchestration and event-waiter "
            "placeholders can be deployed"
        )
    return DefinitionRequirements(
        activities={k: tuple(v) for k, v in activities.items()},
        sub_orchestrations={k: tuple(v) for k, v in subs.items()},
        sync_sub_orchestrations=frozenset(sync_subs),
        starts_itself=starts_itself,
        entity_calls=frozenset(entity_calls),
        entity_signals=entity_signals,
        sync_states=tuple(sync_states),
        task_token_states=tuple(token_states),
        event_waiter_states=tuple(waiter_states),
        placeholders=frozenset(placeholders),
    )
