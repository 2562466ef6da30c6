"""Find the activities and sub-orchestrators an orchestrator refers to, without running it.

`run_direct` and `run_local` default their `activities` to what the orchestrator's source names
in `ctx.call_activity(...)`, `ctx.call_activity_with_retry(...)` and
`ctx.call_sub_orchestrator(...)`: a function reference is looked up in the orchestrator's module
globals (or closure), a string name among the `@activity` / `@orchestrator` functions reachable
from those globals (directly or as attributes of imported modules).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from durable_sfn.definitions import find_definitions, visible_names
from durable_sfn.dsl import (
    DefinitionError,
    OrchestratorDefinition,
    activity_definition,
    orchestrator_definition,
    pascal_case,
)

ACTIVITY_METHODS = frozenset({"call_activity", "call_activity_with_retry"})
ORCHESTRATOR_METHODS = frozenset({"call_sub_orchestrator", "call_sub_orchestrator_with_retry"})

ActivityOverrides = Mapping[str, Callable[..., Any]] | Iterable[Callable[..., Any]] | None


class ActivityNotFoundError(LookupError):
    """An orchestrator calls an activity (or sub-orchestrator) that cannot be found."""


@dataclass
class References:
    """What one orchestrator's source calls: resolved functions and unresolved string names."""

    activities: dict[str, Callable[..., Any]] = field(default_factory=dict)
    orchestrators: dict[str, Callable[..., Any]] = field(default_factory=dict)
    unresolved_activities: set[str] = field(default_factory=set)
    unresolved_orchestrators: set[str] = field(default_factory=set)


def require_orchestrator(orch: Any) -> OrchestratorDefinition:
    definition = orchestrator_definition(orch)
    if definition is None:
        raise DefinitionError(
            f"{getattr(orch, '__qualname__', orch)!r} is not an orchestrator: decorate it with "
            "@orchestrator (from durable_sfn import orchestrator)"
        )
    return definition


def _evaluate_reference(node: ast.expr, names: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _evaluate_reference(node.value, names)
        return getattr(base, node.attr, None) if base is not None else None
    return None


def _by_name(name: str, names: Mapping[str, Any], kind: str) -> Callable[..., Any] | None:
    read = activity_definition if kind == "activity" else orchestrator_definition
    definition = find_definitions(read, names, through_modules=True).get(name)
    return definition.function if definition is not None else None


def _calls(orch: Callable[..., Any], names: Mapping[str, Any]) -> list[ast.AST]:
    """Every node of the orchestrator's source and of the module's helper functions it calls
    (which the compiler compiles in place), transitively."""
    nodes: list[ast.AST] = []
    seen: set[Any] = set()
    pending: list[Any] = [orch]
    while pending:
        fn = pending.pop()
        if fn in seen:
            continue
        seen.add(fn)
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
        except (OSError, TypeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            nodes.append(node)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                helper = names.get(node.func.id)
                if (
                    inspect.isfunction(helper)
                    and helper.__module__ == getattr(orch, "__module__", None)
                    and activity_definition(helper) is None
                    and orchestrator_definition(helper) is None
                ):
                    pending.append(helper)
    return nodes


def references(orch: Callable[..., Any]) -> References:
    """The activities and sub-orchestrators `orch` calls, found by reading its source."""
    found = References()
    names = visible_names(orch)
    nodes = _calls(orch, names)
    for node in nodes:
        # A dispatch table the orchestrator reads (`STAGES[i]`, `for stage in STAGES`): a list,
        # tuple or dict of activities, any of which it may call.
        table = _evaluate_reference(node, names) if isinstance(node, ast.Name | ast.Attribute) else None
        if isinstance(table, Mapping | list | tuple):
            for item in table.values() if isinstance(table, Mapping) else table:
                definition = activity_definition(item)
                if definition is not None:
                    found.activities[definition.name] = item
    for node in nodes:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        if method not in ACTIVITY_METHODS | ORCHESTRATOR_METHODS:
            continue
        keyword = "activity" if method in ACTIVITY_METHODS else "orchestrator"
        target = (
            node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == keyword), None)
        )
        if target is None:
            continue
        if keyword == "activity" and isinstance(target, ast.Subscript):
            # `ctx.call_activity(COMPENSATIONS[step], ...)`: a dispatch table, any of its activities
            table = _evaluate_reference(target.value, names)
            items = (
                table.values()
                if isinstance(table, Mapping)
                else table
                if isinstance(table, list | tuple)
                else ()
            )
            for item in items:
                definition = activity_definition(item)
                if definition is not None:
                    found.activities[definition.name] = item
            continue
        value = _evaluate_reference(target, names)
        if isinstance(value, str):
            resolved = _by_name(value, names, keyword)
            if resolved is None:
                (
                    found.unresolved_activities if keyword == "activity" else found.unresolved_orchestrators
                ).add(value)
                continue
            value = resolved
        if keyword == "activity" and value is not None and activity_definition(value) is not None:
            found.activities[activity_definition(value).name] = value  # type: ignore[union-attr]
        elif keyword == "orchestrator" and value is not None and orchestrator_definition(value) is not None:
            found.orchestrators[orchestrator_definition(value).name] = value  # type: ignore[union-attr]
    return found


def activity_name(ref: Any) -> str:
    """The activity name a `call_activity` first argument stands for."""
    if isinstance(ref, str):
        return ref
    definition = activity_definition(ref)
    if definition is not None:
        return definition.name
    return pascal_case(getattr(ref, "__name__", repr(ref)))


def normalise_overrides(activities: ActivityOverrides) -> dict[str, Callable[..., Any]]:
    """`activities=` as a dict {name: fn}: a list of @activity functions is keyed by their names."""
    if activities is None:
        return {}
    if isinstance(activities, Mapping):
        return dict(activities)
    table: dict[str, Callable[..., Any]] = {}
    for fn in activities:
        definition = activity_definition(fn)
        if definition is None:
            raise DefinitionError(
                f"{getattr(fn, '__qualname__', fn)!r} in activities=[...] is not an @activity: "
                "decorate it, or pass a dict {activity_name: function}"
            )
        table[definition.name] = fn
    return table


@dataclass
class Workflow:
    """Every orchestrator reachable from the top one and the activities they call, by name."""

    orchestrators: dict[str, Callable[..., Any]]
    activities: dict[str, Callable[..., Any]]
    # Activity names called by string that no @activity in scope defines (unless overridden).
    missing_activities: set[str]


def collect(orch: Callable[..., Any], overrides: ActivityOverrides = None) -> Workflow:
    """Walk sub-orchestrators transitively; overrides replace discovered activities by name."""
    top = require_orchestrator(orch)
    orchestrators: dict[str, Callable[..., Any]] = {top.name: orch}
    activities: dict[str, Callable[..., Any]] = {}
    missing: set[str] = set()
    pending = [orch]
    while pending:
        current = pending.pop()
        refs = references(current)
        activities.update(refs.activities)
        missing |= refs.unresolved_activities
        for name in refs.unresolved_orchestrators:
            if name not in orchestrators:
                raise ActivityNotFoundError(
                    f"orchestrator {require_orchestrator(current).name!r} calls sub-orchestrator "
                    f"{name!r}, but no @orchestrator with that name is in scope of its module: import it"
                )
        for name, fn in refs.orchestrators.items():
            if name not in orchestrators:
                orchestrators[name] = fn
                pending.append(fn)
    activities.update(normalise_overrides(overrides))
    return Workflow(orchestrators, activities, missing - set(activities))
