"""The `@entity` decorator and the context an operation runs in.

An entity is a plain function `def counter(ctx: EntityContext) -> None` that runs one operation
at a time against the entity's state: it reads `ctx.operation_name` and `ctx.get_input()`,
changes the state with `ctx.set_state`, answers with `ctx.set_result`. The decorator only records
a frozen definition; the runtime (`runtime.py`) decides when the function runs and what is kept.

Operations are declared in one of two ways:
- `@entity(name="Counter", operations=("add", "reset", "get"))`: the runtime refuses any other
  operation with `UnknownOperationError` before the function runs;
- no `operations`: the function dispatches on `ctx.operation_name` and ends its dispatch with
  `raise ctx.unknown_operation()`.

`EntityId`, the identity orchestrators name entities by, lives in `durable_sfn.dsl` beside the
orchestration context that takes it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast, overload

from durable_sfn.dsl import NAME_RE, EntityId, pascal_case, source_location
from durable_sfn.errors import DefinitionError, UnknownOperationError

F = TypeVar("F", bound=Callable[..., Any])

_DEFINITION_ATTR = "__durable_sfn_entity__"
_OPERATION_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class EntityDefinition:
    name: str
    function: Callable[[EntityContext], Any]
    source_file: str
    line: int
    # None: the function dispatches itself and raises UnknownOperationError for the rest.
    operations: frozenset[str] | None


@overload
def entity(fn: F, *, name: str | None = None, operations: Iterable[str] | None = None) -> F: ...
@overload
def entity(
    fn: None = None, *, name: str | None = None, operations: Iterable[str] | None = None
) -> Callable[[F], F]: ...
def entity(
    fn: F | None = None, *, name: str | None = None, operations: Iterable[str] | None = None
) -> F | Callable[[F], F]:
    """Mark `def f(ctx: EntityContext)` as an entity; `name` defaults to the function name in PascalCase.

    >>> @entity(name="Counter", operations=("add", "get"))
    ... def counter(ctx: EntityContext) -> None:
    ...     value = ctx.get_state(lambda: 0)
    ...     if ctx.operation_name == "add":
    ...         ctx.set_state(value + ctx.get_input())
    ...     ctx.set_result(ctx.get_state(lambda: 0))
    """

    def wrap(f: F) -> F:
        file, line = source_location(f)
        where = f"{file}:{line}"
        if inspect.iscoroutinefunction(f):
            raise DefinitionError(f"{where}: entity {f.__name__!r} must be a plain def, not async def")
        params = list(inspect.signature(f).parameters)
        if len(params) != 1:
            raise DefinitionError(
                f"{where}: entity {f.__name__!r} must take exactly one parameter (ctx: EntityContext), "
                f"not {len(params)}"
            )
        entity_name = name or pascal_case(f.__name__)
        if not NAME_RE.match(entity_name):
            raise DefinitionError(
                f"{where}: entity name {entity_name!r} is not valid: use 1-64 letters, digits, '-' or '_', "
                "starting with a letter (it becomes a Lambda function name)"
            )
        declared: frozenset[str] | None = None
        if operations is not None:
            if isinstance(operations, str):
                raise DefinitionError(
                    f"{where}: entity {entity_name!r}: operations must be a list of names, not one string"
                )
            declared = frozenset(operations)
            bad = sorted(op for op in declared if not _OPERATION_RE.match(op))
            if bad or not declared:
                raise DefinitionError(
                    f"{where}: entity {entity_name!r}: operation names {bad or '[]'} are not valid; "
                    "declare at least one, each 1-64 letters, digits, '_', '.' or '-'"
                )
        setattr(f, _DEFINITION_ATTR, EntityDefinition(entity_name, f, file, line, declared))
        return f

    return wrap(fn) if fn is not None else wrap


def entity_definition(obj: Any) -> EntityDefinition | None:
    """The definition recorded by `@entity`, or None for anything else."""
    definition = getattr(obj, _DEFINITION_ATTR, None)
    return definition if isinstance(definition, EntityDefinition) else None


# Marks "this entity has no state" (None is a legitimate state).
NO_STATE: Any = object()


class EntityContext:
    """What one operation sees: identity, operation, input and the entity's current state.

    The context is created fresh for every attempt of an operation; state changes become visible
    to others only when the runtime commits them, and are dropped if the function raises.
    """

    def __init__(
        self,
        entity_id: EntityId,
        operation_name: str,
        operation_input: Any,
        operation_id: str,
        *,
        state: Any = NO_STATE,
        declared_operations: frozenset[str] | None = None,
    ) -> None:
        self._entity_id = entity_id
        self._operation_name = operation_name
        self._input = operation_input
        self._operation_id = operation_id
        self._state = state
        self._declared = declared_operations
        self._result: Any = None
        self._destruct = False

    @property
    def entity_id(self) -> EntityId:
        return self._entity_id

    @property
    def entity_name(self) -> str:
        return self._entity_id.name

    @property
    def entity_key(self) -> str:
        return self._entity_id.key

    @property
    def operation_name(self) -> str:
        return self._operation_name

    @property
    def operation_id(self) -> str:
        """The caller-derived id that makes this operation apply exactly once."""
        return self._operation_id

    def get_input(self) -> Any:
        return self._input

    def has_state(self) -> bool:
        return self._state is not NO_STATE

    def get_state(self, initializer: Callable[[], Any] | None = None) -> Any:
        """The current state; for an entity without state, `initializer()` (or None without one).

        The initial value is not stored until the operation calls `set_state`.
        """
        if self._state is NO_STATE:
            return initializer() if initializer is not None else None
        return self._state

    def set_state(self, value: Any) -> None:
        """Replace the state (JSON-serialisable; a pydantic model is stored as its JSON dump)."""
        dump = getattr(value, "model_dump", None)
        self._state = cast(Any, dump(mode="json")) if callable(dump) else value

    def set_result(self, value: Any) -> None:
        """The value returned to `call_entity` (ignored for signals)."""
        dump = getattr(value, "model_dump", None)
        self._result = dump(mode="json") if callable(dump) else value

    def destruct_on_exit(self) -> None:
        """Delete the entity's state once this operation completes successfully."""
        self._destruct = True

    def unknown_operation(self) -> UnknownOperationError:
        """The error to raise from the fall-through branch of an entity's dispatch."""
        return unknown_operation_error(self._entity_id, self._operation_name, self._declared)

    # Read by the runtime after the function returns.
    @property
    def result(self) -> Any:
        return self._result

    @property
    def destructing(self) -> bool:
        return self._destruct

    @property
    def state_or_unset(self) -> Any:
        return self._state


def unknown_operation_error(
    entity_id: EntityId, operation: str, declared: frozenset[str] | None
) -> UnknownOperationError:
    known = f"; it handles {', '.join(sorted(declared))}" if declared else ""
    return UnknownOperationError(
        f"entity {entity_id.name!r} (key {entity_id.key!r}) has no operation {operation!r}{known}. "
        "Check the operation name at the call site, or add it to the entity's dispatch."
    )
