"""Which entities an orchestration needs on AWS, and where they are hosted.

An orchestration that calls or signals entities needs their functions, the entities table and the
signal queue. When none are passed (`entities=`), one `EntityResources` per stack is provisioned on
first use and shared: the signal queue has a single dispatcher that must understand every entity's
messages, so one stack-wide queue serves all orchestrations. Its code and dependency layer are the
activities' (same bundle, same layer), so entities add no packaging work to synthesis.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_

from durable_sfn.cdk.analysis import ENTITY_QUEUE
from durable_sfn.cdk.bundling import CodeSource, find_requirements
from durable_sfn.cdk.entities import EntityResources, entity_entry_point
from durable_sfn.cdk.errors import OrchestrationConfigError
from durable_sfn.cdk.runtime import ActivityFunctions
from durable_sfn.entities.model import EntityDefinition, entity_definition

if TYPE_CHECKING:
    from durable_sfn.cdk.orchestration import Orchestration

_SHARED_ID = "DurableSfnEntities"


def entities_of(orchestrator: Callable[..., Any]) -> dict[str, EntityDefinition]:
    """The @entity functions visible from the orchestrator's module, by entity name.

    The compiler resolves entity names in `EntityId("Name", key)` against the same module, so an
    orchestration hosts what its module imports (the reference app imports `loyalty_balance`)."""
    namespace: dict[str, Any] = dict(getattr(orchestrator, "__globals__", {}))
    if inspect.isfunction(orchestrator):
        namespace.update(inspect.getclosurevars(orchestrator).nonlocals)
    found: dict[str, EntityDefinition] = {}
    for value in namespace.values():
        definition = entity_definition(value)
        if definition is not None:
            found.setdefault(definition.name, definition)
    return found


def shared_entity_resources(scope: Any) -> EntityResources | None:
    """The stack-wide `EntityResources` provisioned by orchestrations, if any was."""
    existing = Stack.of(scope).node.try_find_child(_SHARED_ID)
    return existing if isinstance(existing, EntityResources) else None


def entity_substitutions(
    orchestration: Orchestration,
    entities: EntityResources | None,
    *,
    code_path: Path | None,
    layer: lambda_.ILayerVersion | None,
) -> dict[str, str]:
    """The `${...}` values of the definition's entity states; grants the role exactly those."""
    requirements = orchestration.requirements
    calls, signals = requirements.entity_calls, requirements.entity_signals
    if not calls and not signals:
        orchestration.entities = entities
        return {}
    if entities is None:
        entities = _provision(orchestration, calls, code_path, layer)
    missing = sorted(set(calls) - set(entities.functions))
    if missing:
        raise OrchestrationConfigError(
            f"{orchestration.where}: orchestrator {orchestration.orchestrator.name!r} calls entities "
            f"{', '.join(missing)} that entities= does not host (it hosts "
            f"{', '.join(sorted(entities.functions))}); add them to EntityResources(entities=[...])"
        )
    orchestration.entities = entities
    # Invoke on exactly the called entity functions, SendMessage on the signal queue if it signals.
    entities.grant_for_definition(orchestration.role, orchestration.definition)
    values = entities.definition_substitutions()
    needed = set(calls) | ({ENTITY_QUEUE} if signals else set())
    return {name: value for name, value in values.items() if name in needed}


def _provision(
    orchestration: Orchestration,
    calls: frozenset[str],
    code_path: Path | None,
    layer: lambda_.ILayerVersion | None,
) -> EntityResources:
    orch = orchestration.orchestrator
    visible = entities_of(orch.function)
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
    runtime = ActivityFunctions.of(orchestration)
    shared = shared_entity_resources(orchestration)
    if shared is None:
        first = definitions[0]
        sources = _sources(runtime, first, code_path)
        shared = EntityResources(
            Stack.of(orchestration),
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
    module = entity_entry_point(definition).split(":")[0]
    return runtime.code_sources(module, code_path)


def _requirements(definition: EntityDefinition, package: Path) -> Path:
    found = find_requirements(Path(definition.source_file), package)
    if found is None:
        raise OrchestrationConfigError(
            f"{definition.source_file}:{definition.line}: entity {definition.name!r} has no "
            "requirements.txt in its folder or any parent folder up to its top-level package, so its "
            "Lambda function would have no dependency layer; add one (pinning pydantic) or pass layer="
        )
    return found
