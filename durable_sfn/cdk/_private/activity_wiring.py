"""The Lambda side of one orchestration: which activity functions it needs, and how they are made.

`Orchestration` asks for the activities its compiled definition calls; this module finds their
@activity definitions, keys the per-activity options and grants by activity name, chooses each
function's dependency layer, and adds the built-in event waiter when the definition waits for
external events. The functions themselves live in the stack-wide `ActivityFunctions`, shared by
every orchestration that calls the same activity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from durable_sfn.cdk._private.activity_functions import (
    ActivityFunctions,
    ActivityOptions,
    event_waiter_definition,
)
from durable_sfn.cdk._private.bundling import looked_in
from durable_sfn.cdk._private.errors import OrchestrationConfigError
from durable_sfn.cdk._private.facts import OrchestrationFacts
from durable_sfn.cdk._private.grants import ActivityGrant
from durable_sfn.cdk.events_table import EventsTable
from durable_sfn.client.events import EVENTS_TABLE_ENV
from durable_sfn.definitions import find_definitions, visible_names
from durable_sfn.dsl import ActivityDefinition, activity_definition

GrantSpec = ActivityGrant | Iterable[ActivityGrant]


def provision_activities(
    scope: Construct,
    orchestration: OrchestrationFacts,
    *,
    activities: Iterable[Callable[..., Any]] | None,
    activity_grants: Mapping[str | Callable[..., Any], GrantSpec] | None,
    activity_options: Mapping[str | Callable[..., Any], ActivityOptions] | None,
    default_activity_options: ActivityOptions | None,
    environment: Mapping[str, str] | None,
    events_table: dynamodb.ITable | None,
    code_path: Path | None,
    layer: lambda_.ILayerVersion | None,
    requirements: str | Path | None,
    service: str,
) -> tuple[dict[str, lambda_.Function], lambda_.Function | None]:
    """The activity functions the definition calls, by name, and the event waiter if it waits."""
    runtime = ActivityFunctions.of(scope)
    definitions = _activity_definitions(orchestration, activities)
    grants = _keyed(orchestration, activity_grants, "activity_grants", definitions)
    options = _keyed(orchestration, activity_options, "activity_options", definitions)
    default_options = default_activity_options or ActivityOptions()
    functions: dict[str, lambda_.Function] = {}
    layers: dict[str, lambda_.ILayerVersion | None] = {}
    for name, definition in sorted(definitions.items()):
        layers[name] = _layer(runtime, definition, layer, requirements, code_path)
        functions[name] = runtime.function(
            definition,
            code_path=code_path,
            layer=layers[name],
            options=options.get(name, default_options),
            environment=dict(environment or {}),
            service_name=service,
        )
        runtime.grant(name, _as_grants(grants.get(name)))
    waiter = None
    if orchestration.requirements.waits_for_events:
        waiter = _event_waiter(
            orchestration,
            runtime,
            events_table if events_table is not None else EventsTable.of(scope).table,
            _waiter_layer(orchestration, runtime, layer, requirements, layers),
            environment,
            service,
        )
    return functions, waiter


def _as_grants(spec: GrantSpec | None) -> list[ActivityGrant]:
    if spec is None:
        return []
    if isinstance(spec, ActivityGrant):
        return [spec]
    return list(spec)


def _activity_definitions(
    orchestration: OrchestrationFacts, activities: Iterable[Callable[..., Any]] | None
) -> dict[str, ActivityDefinition]:
    needed = orchestration.requirements.activities
    if activities is None:
        available = find_definitions(activity_definition, visible_names(orchestration.orchestrator.function))
    else:
        available = {}
        for fn in activities:
            definition = activity_definition(fn)
            if definition is None:
                raise OrchestrationConfigError(
                    f"Orchestration {orchestration.construct_id!r}: {fn!r} in activities= is not an @activity function"
                )
            if definition.name not in needed:
                raise OrchestrationConfigError(
                    f"Orchestration {orchestration.construct_id!r}: activity {definition.name!r} was passed in "
                    f"activities= but orchestrator {orchestration.orchestrator.name!r} never calls it "
                    f"(it calls: {', '.join(sorted(needed)) or 'no activities'})"
                )
            available[definition.name] = definition
    missing = sorted(set(needed) - set(available))
    if missing:
        calls = "; ".join(f"{m!r} (state {needed[m][0]!r})" for m in missing)
        raise OrchestrationConfigError(
            f"{orchestration.where}: orchestrator {orchestration.orchestrator.name!r} calls {calls}, but no @activity "
            f"with that name is {'in activities=' if activities is not None else 'visible in its module'}; "
            "import the activity function into the orchestrator's module or pass activities=[...]"
        )
    return {name: available[name] for name in needed}


def _keyed(
    orchestration: OrchestrationFacts,
    values: Mapping[Any, Any] | None,
    option: str,
    definitions: Mapping[str, ActivityDefinition],
) -> dict[str, Any]:
    keyed: dict[str, Any] = {}
    for key, value in (values or {}).items():
        name = key if isinstance(key, str) else getattr(activity_definition(key), "name", None)
        if name is None or name not in definitions:
            raise OrchestrationConfigError(
                f"Orchestration {orchestration.construct_id!r}: {option} names {key!r}, which orchestrator "
                f"{orchestration.orchestrator.name!r} does not call; its activities are: "
                f"{', '.join(sorted(definitions)) or 'none'}"
            )
        keyed[name] = value
    return keyed


def _layer(
    runtime: ActivityFunctions,
    definition: ActivityDefinition,
    layer: lambda_.ILayerVersion | None,
    requirements: str | Path | None,
    code_path: Path | None,
) -> lambda_.ILayerVersion | None:
    if layer is not None:
        return layer
    if requirements is not None:
        return runtime.layer(Path(requirements))
    found = runtime.default_requirements(definition, code_path)
    if found is None:
        raise OrchestrationConfigError(
            f"{definition.source_file}:{definition.line}: activity {definition.name!r} has no "
            "requirements.txt in its folder or any parent folder up to its top-level package, so "
            "its Lambda function would have no dependency layer; durable_sfn's entry point needs "
            "pydantic there: add a requirements.txt (pinning pydantic and your activity's "
            "dependencies) or pass requirements= or layer= ("
            + looked_in(runtime.requirements_candidates(definition, code_path))
            + ")"
        )
    return runtime.layer(found)


def _waiter_layer(
    orchestration: OrchestrationFacts,
    runtime: ActivityFunctions,
    layer: lambda_.ILayerVersion | None,
    requirements: str | Path | None,
    layers: Mapping[str, lambda_.ILayerVersion | None],
) -> lambda_.ILayerVersion:
    """The built-in waiter shares the activities' layer (it needs pydantic, like every entry point)."""
    if layer is not None:
        return layer
    if requirements is not None:
        return runtime.layer(Path(requirements))
    for found in layers.values():
        if found is not None:
            return found
    raise OrchestrationConfigError(
        f"{orchestration.where}: orchestrator {orchestration.orchestrator.name!r} waits for external events but calls "
        "no activity whose dependency layer the event waiter could share; pass requirements= (a "
        "requirements.txt pinning pydantic) or layer="
    )


def _event_waiter(
    orchestration: OrchestrationFacts,
    runtime: ActivityFunctions,
    events_table: dynamodb.ITable,
    layer: lambda_.ILayerVersion,
    environment: Mapping[str, str] | None,
    service: str,
) -> lambda_.Function:
    definition = event_waiter_definition()
    fn = runtime.function(
        definition,
        code_path=None,
        layer=layer,
        options=ActivityOptions(memory_size=256, timeout=timedelta(seconds=30)),
        environment=dict(environment or {}),
        service_name=service,
    )
    runtime.grant(definition.name, [ActivityGrant.read_write_table(events_table, env=EVENTS_TABLE_ENV)])
    # An event raised before the orchestrator waited is buffered; the waiter then completes the
    # task token at once, which needs SendTask* on this state machine only.
    fn.add_to_role_policy(
        iam.PolicyStatement(
            actions=["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
            resources=[orchestration.state_machine_arn],
        )
    )
    return fn
