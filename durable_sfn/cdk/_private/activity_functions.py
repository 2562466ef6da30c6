"""The Lambda side of a stack's orchestrations: one function per activity, shared code and layers.

Activities are shared across the orchestrations of a stack (two workflows calling
`ValidateOrderActivity` use one function), so functions, the code asset and the dependency layers
live in one construct per stack, created on first use. Each function gets its own role holding only
its log group, X-Ray, and the grants passed for that activity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aws_cdk import AssetHashType, BundlingOptions, DockerImage, Duration, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from durable_sfn import lambda_entry
from durable_sfn.cdk._private.bundling import (
    LIBRARY_EXCLUDED_FROM_CODE,
    LIBRARY_SOURCE,
    CodeBundler,
    CodeSource,
    LayerBundler,
    find_requirements,
    layer_cache_key,
    module_source,
    requirements_candidates,
)
from durable_sfn.cdk._private.errors import OrchestrationConfigError
from durable_sfn.cdk._private.functions import RUNTIME, entry_point, handler_path, python_function
from durable_sfn.cdk._private.grants import ActivityGrant
from durable_sfn.client.events import durable_event_waiter
from durable_sfn.dsl import ActivityDefinition, activity_definition

# Every activity runs behind the one entry point, which imports the function DURABLE_SFN_ACTIVITY names.
HANDLER = handler_path(lambda_entry.handler)
_RUNTIME_ID = "DurableSfnActivities"


@dataclass(frozen=True)
class ActivityOptions:
    """Sizing of one activity's Lambda function."""

    memory_size: int = 256
    timeout: Duration | timedelta = timedelta(seconds=60)
    reserved_concurrent_executions: int | None = None

    def duration(self) -> Duration:
        if isinstance(self.timeout, timedelta):
            return Duration.seconds(int(self.timeout.total_seconds()))
        return self.timeout


def event_waiter_definition() -> ActivityDefinition:
    """The built-in activity that stores task tokens for `wait_for_external_event`."""
    definition = activity_definition(durable_event_waiter)
    assert definition is not None, "durable_event_waiter is registered with @activity where it is defined"
    return definition


@dataclass
class _ActivityFunction:
    function: lambda_.Function
    entry: str
    definition: ActivityDefinition
    grants: list[ActivityGrant]
    environment: dict[str, str]

    def add_environment(self, values: Mapping[str, str]) -> None:
        for key, value in values.items():
            if key in self.environment and self.environment[key] != value:
                raise OrchestrationConfigError(
                    f"activity {self.definition.name!r}: environment variable {key} is set twice with "
                    f"different values ({self.environment[key]!r} and {value!r}); give the grants "
                    "distinct env= names"
                )
            if key not in self.environment:
                self.function.add_environment(key, value)
                self.environment[key] = value


class ActivityFunctions(Construct):
    """Per-stack home of activity functions, their code asset and dependency layers."""

    @classmethod
    def of(cls, scope: Construct) -> ActivityFunctions:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(_RUNTIME_ID)
        if isinstance(existing, ActivityFunctions):
            return existing
        return cls(stack, _RUNTIME_ID)

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self._functions: dict[str, _ActivityFunction] = {}
        self._code: dict[tuple[CodeSource, ...], lambda_.Code] = {}
        self._layers: dict[Path, lambda_.ILayerVersion] = {}
        # Built-in activities (the event waiter) ship in the same asset as the user's activities.
        self._first_sources: tuple[CodeSource, ...] | None = None

    @property
    def functions(self) -> Mapping[str, lambda_.Function]:
        return {name: item.function for name, item in self._functions.items()}

    def code_sources(self, activity_module: str, code_path: Path | None) -> tuple[CodeSource, ...]:
        own = module_source(activity_module, code_path)
        if own.destination == LIBRARY_SOURCE.destination:
            return self._first_sources or (LIBRARY_SOURCE,)
        sources = (LIBRARY_SOURCE, own)
        self._first_sources = self._first_sources or sources
        return sources

    def code(self, sources: tuple[CodeSource, ...]) -> lambda_.Code:
        if sources not in self._code:
            bundler = CodeBundler(sources, excluded=LIBRARY_EXCLUDED_FROM_CODE)
            self._code[sources] = lambda_.Code.from_asset(
                str(sources[0].path),
                # A custom hash (of exactly the files shipped) keeps CDK from fingerprinting the
                # source folder and lets it skip bundling when nothing changed.
                asset_hash=bundler.fingerprint(),
                asset_hash_type=AssetHashType.CUSTOM,
                bundling=BundlingOptions(image=DockerImage.from_registry("scratch"), local=bundler),
            )
        return self._code[sources]

    def layer(self, requirements: Path) -> lambda_.ILayerVersion:
        requirements = requirements.resolve()
        if requirements not in self._layers:
            index = len(self._layers)
            self._layers[requirements] = lambda_.LayerVersion(
                self,
                "DependencyLayer" if index == 0 else f"DependencyLayer{index + 1}",
                code=lambda_.Code.from_asset(
                    str(requirements.parent),
                    asset_hash=layer_cache_key(requirements),
                    asset_hash_type=AssetHashType.CUSTOM,
                    bundling=BundlingOptions(
                        image=DockerImage.from_registry("scratch"), local=LayerBundler(requirements)
                    ),
                ),
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[lambda_.Architecture.X86_64],
                description=f"Dependencies from {requirements.name} for CPython 3.12 on x86_64",
            )
        return self._layers[requirements]

    def default_requirements(self, definition: ActivityDefinition, code_path: Path | None) -> Path | None:
        source = module_source(entry_point(definition).split(":")[0], code_path)
        return find_requirements(Path(definition.source_file), source.path)

    def requirements_candidates(self, definition: ActivityDefinition, code_path: Path | None) -> list[Path]:
        """Where `default_requirements` looks, nearest first."""
        source = module_source(entry_point(definition).split(":")[0], code_path)
        return requirements_candidates(Path(definition.source_file), source.path)

    def function(
        self,
        definition: ActivityDefinition,
        *,
        code_path: Path | None,
        layer: lambda_.ILayerVersion | None,
        options: ActivityOptions,
        environment: Mapping[str, str],
        service_name: str,
    ) -> lambda_.Function:
        """The function for an activity, created on first use and shared afterwards."""
        entry = entry_point(definition)
        existing = self._functions.get(definition.name)
        if existing is not None:
            if existing.entry != entry:
                old = existing.definition
                raise OrchestrationConfigError(
                    f"{definition.source_file}:{definition.line}: activity name {definition.name!r} is "
                    f"already used by {existing.entry} ({old.source_file}:{old.line}) in stack "
                    f"{Stack.of(self).stack_name}; activity names must be unique: rename one with "
                    "@activity(name=...)"
                )
            existing.add_environment(environment)
            return existing.function
        name = definition.name
        base_environment = {
            "DURABLE_SFN_ACTIVITY": entry,
            "POWERTOOLS_SERVICE_NAME": service_name,
            "POWERTOOLS_METRICS_NAMESPACE": service_name,
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
        function = python_function(
            self,
            name,
            handler=HANDLER,
            code=self.code(self.code_sources(entry.split(":")[0], code_path)),
            layer=layer,
            memory_size=options.memory_size,
            timeout=options.duration(),
            reserved_concurrent_executions=options.reserved_concurrent_executions,
            description=f"durable_sfn activity {name} ({entry})",
            role_description=f"Role of activity {name}: its log group, X-Ray, and the grants passed for it",
            environment=base_environment,
            runtime_reason="Python 3.12 is pinned on purpose: the dependency layer holds cp312 wheels built for this "
            "runtime, so every compiled dependency matches the interpreter that loads it",
        )
        item = _ActivityFunction(function, entry, definition, [], dict(base_environment))
        item.add_environment(environment)
        self._functions[name] = item
        return function

    def grant(self, name: str, grants: Iterable[ActivityGrant]) -> None:
        item = self._functions[name]
        for grant in grants:
            if any(grant is done for done in item.grants):
                continue
            grant.apply(item.function)
            item.add_environment(grant.environment)
            item.grants.append(grant)
