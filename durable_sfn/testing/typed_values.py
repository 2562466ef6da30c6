"""Typed values in the direct run: what the compiler's typed data (`compiler/frontend/typed_data`)
promises the orchestrator.

The orchestrator's input parameter annotated with a dataclass or a pydantic model, and the result
of an activity whose return annotation is one, reach the orchestrator as a `TypedJson`: the JSON
object itself (a dict: indexing, equality and every JSON boundary see exactly what the compiled
definition holds) whose declared fields can also be read as attributes, typed in turn
(`order.customer.name`, `order.lines[0].sku`). A missing field reads its default, as the compiled
`x["f"] if "f" in x else default` does, and a missing field without one raises KeyError.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

_NO_DEFAULT = object()


def _is_typed(cls: Any) -> bool:
    return inspect.isclass(cls) and (dataclasses.is_dataclass(cls) or issubclass(cls, BaseModel))


def _fields(cls: Any) -> dict[str, tuple[Any, Any]]:
    """Field name -> (annotation, default or _NO_DEFAULT)."""
    if issubclass(cls, BaseModel):
        return {
            name: (
                info.annotation,
                _NO_DEFAULT if info.is_required() else info.get_default(call_default_factory=True),
            )
            for name, info in cls.model_fields.items()
        }
    hints = typing.get_type_hints(cls)
    return {f.name: (hints.get(f.name, Any), _dataclass_default(f)) for f in dataclasses.fields(cls)}


def _dataclass_default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()  # a new empty list or dict each time, as the class would make
    return _NO_DEFAULT


class TypedJson(dict[str, Any]):
    """A JSON object read through the fields of the class that describes it."""

    def __init__(self, cls: type, value: dict[str, Any]) -> None:
        super().__init__(value)
        self.__dict__["_typed_class"] = cls

    def __getattribute__(self, name: str) -> Any:
        # A declared field wins over dict's own attributes: `order.items`, `cart.values` or
        # `entry.get` read the field, as on the dataclass, not the dict method of that name.
        if not name.startswith("_"):
            cls = dict.__getattribute__(self, "__dict__").get("_typed_class")
            if cls is not None and name in _fields(cls):
                return dict.__getattribute__(self, "_field")(cls, name)
        return dict.__getattribute__(self, name)

    def __getattr__(self, name: str) -> Any:
        cls = self.__dict__.get("_typed_class")
        if cls is None or name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"{cls.__name__} declares no field {name!r}")

    def _field(self, cls: type, name: str) -> Any:
        annotation, default = _fields(cls)[name]
        if name in self:
            return view(annotation, self[name])
        if default is _NO_DEFAULT:
            raise KeyError(name)
        return default


def view(annotation: Any, value: Any) -> Any:
    """`value` (JSON) seen as `annotation` says: a TypedJson, a list of them, or as it is."""
    if typing.get_origin(annotation) is list and isinstance(value, list):
        (item,) = typing.get_args(annotation) or (Any,)
        return [view(item, v) for v in value] if _is_typed(item) else value
    if _is_typed(annotation) and isinstance(value, dict):
        return TypedJson(annotation, value)
    return value


def input_of(fn: Callable[..., Any], value: Any) -> Any:
    """The orchestrator's input as its parameter's annotation declares it."""
    params = list(inspect.signature(fn).parameters.values())
    if len(params) < 2:
        return value
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # an annotation that does not resolve: the value stays JSON
        return value
    return view(hints.get(params[1].name, Any), value)


def result_of(fn: Callable[..., Any], value: Any) -> Any:
    """An activity's JSON result as its return annotation declares it."""
    try:
        hints = typing.get_type_hints(fn)
    except Exception:
        return value
    return view(hints.get("return", Any), value)
