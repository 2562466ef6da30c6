"""find_definitions: the one way to find @activity, @entity and @orchestrator definitions in live code."""

from __future__ import annotations

import types
from typing import Any

import pytest

from durable_sfn.definitions import DuplicateDefinitionError, find_definitions, visible_names
from durable_sfn.dsl import (
    OrchestrationContext,
    activity,
    activity_definition,
    orchestrator,
    orchestrator_definition,
)
from durable_sfn.entities import EntityContext, entity, entity_definition


@activity(name="Shared")
def shared(x: Any) -> Any:
    return x


@entity(name="Counter")
def counter(ctx: EntityContext) -> None:
    ctx.set_result(0)


def module_with(**values: Any) -> types.ModuleType:
    module = types.ModuleType("scope_under_test")
    vars(module).update(values)
    return module


def test_each_decorator_is_found_by_its_reader_and_nothing_else_is() -> None:
    module = module_with(shared=shared, counter=counter, plain=len, number=3)
    assert find_definitions(activity_definition, module) == {"Shared": activity_definition(shared)}
    assert find_definitions(entity_definition, module) == {"Counter": entity_definition(counter)}
    assert find_definitions(orchestrator_definition, module) == {}


def test_scopes_are_modules_mappings_or_values_and_one_function_seen_twice_is_one_definition() -> None:
    found = find_definitions(activity_definition, module_with(a=shared), {"b": shared}, [shared])
    assert list(found) == ["Shared"]


def test_two_functions_under_one_name_keep_the_first_or_raise_with_both_locations() -> None:
    @activity(name="Shared")
    def impostor(x: Any) -> Any:
        return x

    assert find_definitions(activity_definition, [shared, impostor])["Shared"].function is shared
    with pytest.raises(
        DuplicateDefinitionError, match=r"two definitions are named 'Shared': .*test_definitions.py:\d+ and"
    ):
        find_definitions(activity_definition, [shared, impostor], duplicates="error")


def test_through_modules_also_sees_attributes_of_imported_modules() -> None:
    names = {"lib": module_with(shared=shared)}
    assert find_definitions(activity_definition, names) == {}
    assert list(find_definitions(activity_definition, names, through_modules=True)) == ["Shared"]


def test_visible_names_are_the_module_globals_and_the_closure() -> None:
    @activity(name="Local")
    def local_activity(x: Any) -> Any:
        return x

    @orchestrator(name="UsesBoth")
    async def uses_both(ctx: OrchestrationContext) -> Any:
        return [await ctx.call_activity(shared, 1), await ctx.call_activity(local_activity, 2)]

    names = visible_names(uses_both)
    assert names["shared"] is shared and names["local_activity"] is local_activity
    assert set(find_definitions(activity_definition, names)) == {"Shared", "Local"}
