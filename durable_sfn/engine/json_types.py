"""The JSON type names Step Functions uses in its error causes ("number", "array", ...)."""

from __future__ import annotations

from typing import Any


def json_type_name(value: Any) -> str:
    """Name a JSON value's type as AWS's cause texts do; anything not a JSON scalar or array is an object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
