"""Which entities an orchestration needs on AWS, and where they are hosted.

An orchestration that calls or signals entities needs their functions, the entities table and the
signal queue. When none are passed (`entities=`), one `EntityResources` per stack is provisioned on
first use and shared: the signal queue has a single dispatcher that must understand every entity's
messages, so one stack-wide queue serves all orchestrations. Its code and dependency layer are the
activities' (same bundle, same layer), so entities add no packaging work to synthesis.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from durable_sfn._aws import ENTITIES_QUEUE_URL
from durable_sfn.cdk._private.activity_functions import ActivityFunctions
from durable_sfn.cdk._private.bundling import (
    CodeSource,
    find_requirements,
    looked_in,
    requirements_candidates,
)
from durable_sfn.cdk._private.errors import OrchestrationConfigError
from durable_sfn.cdk._private.facts import OrchestrationFacts
from durable_sfn.cdk._private.functions import entry_point
from durable_sfn.cdk.entities import EntityResources
from durable_sfn.definitions import find_definitions, visible_names
from durable_sfn.entities.model import EntityDefinition, entity_definition

_SHARED_ID = "DurableSfnEntities"


def shared_entity_resources(scope: Construct) -> EntityResources | None:
    """The stack-wide `EntityResources` provisioned by orchestrations, if any was."""
    existing = Stack.of(scope).node.try_find_child(_SHARED_ID)
    return existing if isinstance(existing, EntityResources) else None


def host_entities(
    scope: Construct,
    orchestration: OrchestrationFacts,
    entities: EntityResources | None,
    *,
    role: iam.IGrantable,
    definition: Mapping[str, Any],
    code_path: Path | None,
    layer: lambda_.ILayerVersion | None,
) -> tuple[EntityResources | None, dict[str, str]]:
    """The entities hosting this orchestration's entity states, and the `${...}` values of those
    states; grants `role` exactly what the definition uses."""
    requirements = orchestration.requirements
    calls, signals = requirements.entity_calls, requirements.entity_signals
    if not calls and not signals:
        return entities, {}
    if entities is None:
        entities = _provision(scope, orchestration, calls, code_path, layer)
    missing = sorted(set(calls) - set(entities.functions))
    if missing:
        raise OrchestrationConfigError(
            f"{orchestration.where}: orchestrator {orchestration.orchestrator.name!r} calls entities "
            f"{', '.join(missing)} that entities= does not host (it hosts "
            f"{', '.join(sorted(entities.functions))}); add them to EntityResources(entities=[...])"
        )
    # Invoke on exactly the called entity functions, SendMessage on the signal queue if it signals.
    entities.grant_for_definition(role, definition)
    values = entities.definition_substitutions()
    needed = set(calls) | ({ENTITIES_QUEUE_URL} if signals else set())
    return entities, {name: value for name, value in values.items() if name in needed}


def _provision(
    scope: Construct,
    orchestration: OrchestrationFacts,
    calls: frozenset[str],
    code_path: Path | None,
    layer: lambda_.ILayerVersion | None,
) -> EntityResources:
    orch = orchestration.orchestrator
    visible = find_definitions(entity_definition, visible_names(orch.function))
    missing = sorted(set(calls) - set(visible))
    if missing or not visible:
        what = (
            f"uses entities {', '.join(missing)}, but no @entity with that name is"
            if missing
            else "signals entities, but no @entity function is"
        )
        raise OrchestrationConfigError(
            f"{orchestration.where}: orchestrator {orch.name!r} {what} visible in its module; import "
            "the entity function into the orchestrator's module or pass entities=EntityResources(...)"
        )
    definitions = [visible[name] for name in sorted(visible)]
    runtime = ActivityFunctions.of(scope)
    shared = shared_entity_resources(scope)
    if shared is None:
        first = definitions[0]
        sources = _sources(runtime, first, code_path)
        shared = EntityResources(
            Stack.of(scope),
            _SHARED_ID,
            entities=definitions,
            code=runtime.code(sources),
            layer=layer or runtime.layer(_requirements(first, sources[-1].path)),
        )
        shared.code_sources = sources
        return shared
    for definition in definitions:
        if definition.name in shared.functions:
            continue
        if _sources(runtime, definition, code_path) != shared.code_sources:
            raise OrchestrationConfigError(
                f"{definition.source_file}:{definition.line}: entity {definition.name!r} lives outside "
                "the package of the stack's other entities, and one dispatcher hosts them all; pass "
                "entities=EntityResources(..., code=...) with code holding every entity's package"
            )
    shared.add_entities(definitions)
    return shared


def _sources(
    runtime: ActivityFunctions, definition: EntityDefinition, code_path: Path | None
) -> tuple[CodeSource, ...]:
    module = entry_point(definition).split(":")[0]
    return runtime.code_sources(module, code_path)


def _requirements(definition: EntityDefinition, package: Path) -> Path:
    found = find_requirements(Path(definition.source_file), package)
    if found is None:
        searched = looked_in(requirements_candidates(Path(definition.source_file), package))
        raise OrchestrationConfigError(
            f"{definition.source_file}:{definition.line}: entity {definition.name!r} has no "
            "requirements.txt in its folder or any parent folder up to its top-level package, so its "
            f"Lambda function would have no dependency layer; add one (pinning pydantic) or pass layer= ({searched})"
        )
    return found
