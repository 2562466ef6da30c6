"""The intrinsic functions themselves, each checking its arguments like AWS.

Every failure is a StatesError named States.IntrinsicFailure whose cause quotes the call and
says what was wrong with the arguments, so a user can fix the definition without guessing.
States.Format lives with the evaluator, because it needs the template's raw escapes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import random
import re
import uuid
from collections.abc import Callable
from typing import Any

from durable_sfn.asl.intrinsics import Call
from durable_sfn.engine.bounds import BoundExceeded, load_json
from durable_sfn.engine.errors import INTRINSIC_FAILURE, StatesError
from durable_sfn.engine.json_types import json_type_name as type_name
from durable_sfn.engine.jsonpath import to_json_text

__all__ = ["FUNCTIONS", "MAX_RANGE", "MAX_STRING", "fail", "java_text", "json_equal", "type_name"]

MAX_STRING = 10_000
MAX_RANGE = 1_000
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def fail(call: Call, reason: str) -> StatesError:
    return StatesError(INTRINSIC_FAILURE, f"Invalid arguments in {call.text}: {reason}")


def _arity(call: Call, args: list[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not (low <= len(args) <= high):
        want = str(low) if low == high else f"{low} to {high}"
        raise fail(call, f"{call.name} takes {want} argument(s) but got {len(args)}")


def _want(call: Call, value: Any, kind: str, position: str) -> None:
    if type_name(value) != kind:
        raise fail(
            call,
            f"the {position} argument must be a {kind}, but was {type_name(value)} {to_json_text(value)}",
        )


def _want_int(call: Call, value: Any, position: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(
            call,
            f"the {position} argument must be an integer, but was {type_name(value)} {to_json_text(value)}",
        )
    if isinstance(value, float):
        if not value.is_integer():
            raise fail(call, f"the {position} argument must be an integer, but was {value}")
        return int(value)
    return value


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: `true` is not `1`, `1` equals `1.0`, objects compare by keys and values."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(v, b[k]) for k, v in a.items())
    return type(a) is type(b) and a == b


def java_text(value: Any) -> str:
    """How States.Format prints a value: strings raw, containers the way Java's toString does."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return to_json_text(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(java_text(v) for v in value) + "]"
    return "{" + ", ".join(f"{k}={java_text(v)}" for k, v in value.items()) + "}"


def _string_to_json(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    _want(call, args[0], "string", "first")
    text = args[0].strip()
    if not text:
        return None
    try:
        value = load_json(text)
    except BoundExceeded as exc:
        raise fail(call, exc.message) from None
    except json.JSONDecodeError as exc:
        raise fail(call, f"the string is not valid JSON ({exc.msg} at character {exc.pos + 1})") from None
    return _normalise_number(value)


def _normalise_number(value: Any) -> Any:
    # JSON parsing keeps -0.0 and ints as written; AWS prints -0 as 0.
    if isinstance(value, float) and value == 0:
        return 0 if math.copysign(1, value) < 0 else value
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return 0
    return value


def _json_to_string(call: Call, args: list[Any]) -> str:
    _arity(call, args, 1)
    return to_json_text(args[0])


def _array(call: Call, args: list[Any]) -> list[Any]:
    return list(args)


def _array_partition(call: Call, args: list[Any]) -> list[list[Any]]:
    _arity(call, args, 2)
    _want(call, args[0], "array", "first")
    size = _want_int(call, args[1], "second")
    if size <= 0:
        raise fail(call, f"the chunk size must be greater than 0, but was {size}")
    arr: list[Any] = args[0]
    return [arr[i : i + size] for i in range(0, len(arr), size)]


def _array_contains(call: Call, args: list[Any]) -> bool:
    _arity(call, args, 2)
    _want(call, args[0], "array", "first")
    return any(json_equal(item, args[1]) for item in args[0])


def _array_range(call: Call, args: list[Any]) -> list[int]:
    _arity(call, args, 3)
    start = _want_int(call, args[0], "first")
    end = _want_int(call, args[1], "second")
    step = _want_int(call, args[2], "third")
    if step == 0:
        raise fail(call, "the step must not be 0")
    span = range(start, end + (1 if step > 0 else -1), step)
    if len(span) > MAX_RANGE:  # counted before anything is built
        raise fail(call, f"the range has {len(span)} elements; at most {MAX_RANGE} are allowed")
    return list(span)


def _array_get_item(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 2)
    _want(call, args[0], "array", "first")
    index = _want_int(call, args[1], "second")
    arr: list[Any] = args[0]
    if not (0 <= index < len(arr)):
        raise fail(call, f"index {index} is out of bounds for an array of length {len(arr)}")
    return arr[index]


def _array_length(call: Call, args: list[Any]) -> int:
    _arity(call, args, 1)
    _want(call, args[0], "array", "first")
    return len(args[0])


def _array_unique(call: Call, args: list[Any]) -> list[Any]:
    _arity(call, args, 1)
    _want(call, args[0], "array", "first")
    out: list[Any] = []
    for item in args[0]:
        if not any(json_equal(item, seen) for seen in out):
            out.append(item)
    return out


def _checked_string(call: Call, value: Any) -> str:
    _want(call, value, "string", "first")
    if len(value) > MAX_STRING:
        raise fail(call, f"the string has {len(value)} characters; at most {MAX_STRING} are allowed")
    return str(value)


def _base64_encode(call: Call, args: list[Any]) -> str:
    _arity(call, args, 1)
    return base64.b64encode(_checked_string(call, args[0]).encode()).decode()


def _base64_decode(call: Call, args: list[Any]) -> str:
    _arity(call, args, 1)
    text = _checked_string(call, args[0])
    try:
        return base64.b64decode(text.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise fail(call, f"the string is not valid base64 ({exc})") from None


_HASHES: dict[str, Callable[[bytes], Any]] = {
    "MD5": hashlib.md5,
    "SHA-1": hashlib.sha1,
    "SHA-256": hashlib.sha256,
    "SHA-384": hashlib.sha384,
    "SHA-512": hashlib.sha512,
}


def _hash(call: Call, args: list[Any]) -> str:
    _arity(call, args, 2)
    data = args[0] if isinstance(args[0], str) else to_json_text(args[0])
    if len(data) > MAX_STRING:
        raise fail(call, f"the data has {len(data)} characters; at most {MAX_STRING} are allowed")
    algorithm = args[1]
    if algorithm not in _HASHES:
        raise fail(call, f"unknown hash algorithm {to_json_text(algorithm)}; use one of {', '.join(_HASHES)}")
    return str(_HASHES[algorithm](data.encode()).hexdigest())


def _json_merge(call: Call, args: list[Any]) -> dict[str, Any]:
    _arity(call, args, 3)
    _want(call, args[0], "object", "first")
    _want(call, args[1], "object", "second")
    if not isinstance(args[2], bool):
        raise fail(call, "the third argument (deep merge) must be a boolean")
    if args[2]:
        raise fail(call, "deep merge is not supported; pass false for a shallow merge")
    return {**args[0], **args[1]}


def _math_random(call: Call, args: list[Any]) -> int:
    _arity(call, args, 2, 3)
    for pos, value in zip(("first", "second"), args[:2], strict=False):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail(call, f"the {pos} argument must be a number, but was {to_json_text(value)}")
    start, end = int(args[0]), int(args[1])
    if start >= end:
        raise fail(call, f"the start ({start}) must be less than the end ({end})")
    rng = random.Random(_want_int(call, args[2], "third")) if len(args) == 3 else random.SystemRandom()
    return rng.randrange(start, end)


def _java_round(value: float) -> int:
    return math.floor(value + 0.5)


def _math_add(call: Call, args: list[Any]) -> int:
    _arity(call, args, 2)
    total = 0
    for pos, value in zip(("first", "second"), args, strict=True):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail(call, f"the {pos} argument must be a number, but was {to_json_text(value)}")
        rounded = _java_round(value) if isinstance(value, float) else value
        if not (INT_MIN <= rounded <= INT_MAX):
            raise fail(call, f"the {pos} argument {value} is outside the 32-bit integer range")
        total += rounded
    return total


def _string_split(call: Call, args: list[Any]) -> list[str]:
    _arity(call, args, 2)
    _want(call, args[0], "string", "first")
    _want(call, args[1], "string", "second")
    delimiters: str = args[1]
    if not delimiters:
        return [args[0]] if args[0] else []
    pattern = "[" + "".join(re.escape(c) for c in delimiters) + "]"
    return [part for part in re.split(pattern, args[0]) if part]


def _uuid(call: Call, args: list[Any]) -> str:
    _arity(call, args, 0)
    return str(uuid.uuid4())


FUNCTIONS: dict[str, Callable[[Call, list[Any]], Any]] = {
    "StringToJson": _string_to_json,
    "JsonToString": _json_to_string,
    "Array": _array,
    "ArrayPartition": _array_partition,
    "ArrayContains": _array_contains,
    "ArrayRange": _array_range,
    "ArrayGetItem": _array_get_item,
    "ArrayLength": _array_length,
    "ArrayUnique": _array_unique,
    "Base64Encode": _base64_encode,
    "Base64Decode": _base64_decode,
    "Hash": _hash,
    "JsonMerge": _json_merge,
    "MathRandom": _math_random,
    "MathAdd": _math_add,
    "StringSplit": _string_split,
    "UUID": _uuid,
}
