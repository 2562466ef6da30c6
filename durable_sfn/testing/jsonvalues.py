"""Values cross every activity and orchestrator boundary as JSON, in the direct run too.

A compiled orchestrator only ever holds JSON; the direct run passes values through the same
round trip so that tuples become lists, dict keys become strings and mutations made by an
activity never leak back into the orchestrator, exactly as on Step Functions.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from durable_sfn.lambda_entry import to_json_value


class NotJsonError(TypeError):
    """A value that must cross a JSON boundary cannot be represented as JSON."""


def iso_timestamp(value: datetime) -> str:
    """Step Functions' timestamp text: UTC, milliseconds, trailing Z."""
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_timestamp(value)
    converted = to_json_value(value)
    if converted is not value:
        return converted
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default)


# Step Functions reads a JSON number as a double: one number type. An integral number within
# 2**53 arrives as an int (2.0 arrives as 2), and an integer beyond it as the double nearest it.
EXACT_INT_LIMIT = 2**53 - 1


def _number_from_int(text: str) -> int | float:
    value = int(text)
    return value if abs(value) <= EXACT_INT_LIMIT else float(value)


def _number_from_float(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and abs(value) <= EXACT_INT_LIMIT else value


def loads(text: str) -> Any:
    """JSON text as Step Functions reads it (see `EXACT_INT_LIMIT`)."""
    return json.loads(text, parse_int=_number_from_int, parse_float=_number_from_float)


def roundtrip(value: Any, what: str) -> Any:
    """`value` as it arrives on the other side of a JSON boundary; `what` names the boundary."""
    try:
        return loads(dumps(value))
    except (TypeError, ValueError) as exc:
        raise NotJsonError(
            f"{what} is not JSON: {exc}; pass dicts, lists, strings, numbers, booleans or None"
        ) from None


def input_json(value: Any) -> str:
    """The orchestration input as the JSON text StartExecution sends; both runners check it so.

    Pydantic models are dumped as activities' results are; anything else JSON cannot hold (a
    datetime, a set, NaN) raises `NotJsonError` naming its type, as boto3 could not send it.
    """
    try:
        return json.dumps(to_json_value(value), allow_nan=False)
    except (TypeError, ValueError) as exc:
        hint = " (a datetime: pass value.isoformat())" if "datetime" in str(exc) else ""
        raise NotJsonError(
            f"the orchestration input is not JSON: {exc}{hint}; pass dicts, lists, strings, "
            "numbers, booleans or None"
        ) from None
