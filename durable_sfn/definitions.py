"""Find the `@activity`, `@entity` and `@orchestrator` definitions among live Python values.

The one answer to "which definitions does this code see?", shared by the test runners, the local
runtime, the CLI, the server and the CDK construct. It looks at values that already exist: the
caller imports the modules (the compiler, which never imports user code, reads source instead:
`durable_sfn.compiler.discovery`).

A definition is read from a value by the decorator's reader (`activity_definition`,
`orchestrator_definition` from `durable_sfn.dsl`, `entity_definition` from
`durable_sfn.entities`); a scope is a module, a mapping of names, or plain values:

    find_definitions(activity_definition, module)                      # defined in or imported into it
    find_definitions(entity_definition, visible_names(orchestrator))   # what its body can name
    find_definitions(activity_definition, *modules, duplicates="error")
    find_definitions(orchestrator_definition, names, through_modules=True)  # and `module.attr` names

The result maps each definition's name to its definition, in the order first seen. The same
function seen twice (imported into several modules) is one definition; two different functions
under one name keep the first, or raise `DuplicateDefinitionError` with `duplicates="error"`.
"""

from __future__ import annotations

import contextlib
import inspect
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Literal, Protocol, TypeVar

from durable_sfn.errors import DefinitionError


class Definition(Protocol):
    """What every decorator records: the deployed name, the function and where it is written."""

    @property
    def name(self) -> str: ...
    @property
    def function(self) -> Callable[..., Any]: ...
    @property
    def source_file(self) -> str: ...
    @property
    def line(self) -> int: ...


D = TypeVar("D", bound=Definition)
Scope = types.ModuleType | Mapping[str, Any] | Iterable[Any]


class DuplicateDefinitionError(DefinitionError):
    """Two different functions carry the same definition name in the scopes searched."""

    def __init__(self, first: Definition, second: Definition) -> None:
        super().__init__(
            f"two definitions are named {first.name!r}: {first.source_file}:{first.line} and "
            f"{second.source_file}:{second.line}; rename one"
        )
        self.first = first
        self.second = second


def visible_names(fn: Callable[..., Any]) -> dict[str, Any]:
    """The names a function's body can refer to: its module's globals and its closure variables."""
    names: dict[str, Any] = dict(getattr(fn, "__globals__", {}))
    with contextlib.suppress(TypeError, ValueError):
        names.update(inspect.getclosurevars(fn).nonlocals)
    return names


def find_definitions(
    read: Callable[[Any], D | None],
    *scopes: Scope,
    through_modules: bool = False,
    duplicates: Literal["first", "error"] = "first",
) -> dict[str, D]:
    """Name -> definition for every value in `scopes` that `read` recognises.

    `through_modules` also looks at the attributes of modules found in a scope (one level deep),
    as `module.function` references resolve. See the module docstring for examples.
    """
    found: dict[str, D] = {}
    for value in _values(scopes, through_modules):
        definition = read(value)
        if definition is None:
            continue
        existing = found.get(definition.name)
        if existing is None:
            found[definition.name] = definition
        elif existing.function is not definition.function and duplicates == "error":
            raise DuplicateDefinitionError(existing, definition)
    return found


def _values(scopes: Iterable[Scope], through_modules: bool) -> Iterator[Any]:
    for scope in scopes:
        if isinstance(scope, types.ModuleType):
            values: Iterable[Any] = list(vars(scope).values())
        elif isinstance(scope, Mapping):
            values = list(scope.values())
        else:
            values = scope
        for value in values:
            yield value
            if through_modules and isinstance(value, types.ModuleType):
                yield from list(vars(value).values())
