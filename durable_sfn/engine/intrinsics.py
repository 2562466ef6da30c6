"""Intrinsic functions of JSONPath-mode states (`"x.$": "States.Format('{}', $.name)"`).

A call is parsed once into a tiny tree (calls, literals, paths) and cached, then evaluated
against the state's data. Arguments follow the ASL rules: single-quoted strings in which
`'`, `{`, `}` and `\\` are escaped with a backslash, numbers, `null`, `true`, `false`, paths
(`$.x`, `$$.x`, `$var.x`) and nested calls.

Every failure is a StatesError named States.IntrinsicFailure whose cause names the function
and what was wrong with the arguments, so a user can fix the definition without guessing.
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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import INTRINSIC_FAILURE, StatesError
from durable_sfn.engine.jsonpath import select, to_json_text

__all__ = [
    "IntrinsicSyntaxError",
    "evaluate_intrinsic",
    "is_intrinsic",
    "json_equal",
    "parse_intrinsic",
]

MAX_STRING = 10_000
MAX_RANGE = 1_000
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class IntrinsicSyntaxError(StatesError):
    """The text of an intrinsic call does not parse."""

    def __init__(self, text: str, pos: int, reason: str) -> None:
        super().__init__(
            INTRINSIC_FAILURE,
            f"Invalid intrinsic function call '{text}' at character {pos + 1}: {reason}",
        )
        self.text = text
        self.pos = pos


# ---- the tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class StringLit:
    """A string literal; `raw` keeps escapes so States.Format can tell `\\{` from `{`."""

    value: str
    raw: str


@dataclass(frozen=True)
class PathArg:
    path: str


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]
    text: str


Node = Literal | StringLit | PathArg | Call


def is_intrinsic(text: str) -> bool:
    return text.lstrip().startswith("States.")


# ---- the parser -----------------------------------------------------------------------------

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_FUNC_NAME = re.compile(r"States\.([A-Za-z0-9]+)")
_WORD = re.compile(r"[A-Za-z]+")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, reason: str) -> IntrinsicSyntaxError:
        return IntrinsicSyntaxError(self.text, self.pos, reason)

    def ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def parse(self) -> Call:
        self.ws()
        node = self.call()
        self.ws()
        if self.pos != len(self.text):
            raise self.fail("unexpected text after the closing parenthesis")
        return node

    def call(self) -> Call:
        start = self.pos
        m = _FUNC_NAME.match(self.text, self.pos)
        if m is None:
            raise self.fail("expected a function name such as States.Format")
        name = m.group(0)
        if name[len("States.") :] not in _FUNCTIONS:
            raise self.fail(f"unknown intrinsic function '{name}'")
        self.pos = m.end()
        self.ws()
        if self.peek() != "(":
            raise self.fail(f"expected '(' after {name}")
        self.pos += 1
        args: list[Node] = []
        self.ws()
        if self.peek() == ")":
            self.pos += 1
            return Call(name, (), self.text[start : self.pos])
        while True:
            self.ws()
            args.append(self.arg())
            self.ws()
            ch = self.peek()
            if ch == ",":
                self.pos += 1
                continue
            if ch == ")":
                self.pos += 1
                return Call(name, tuple(args), self.text[start : self.pos])
            raise self.fail("expected ',' or ')' after an argument")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def arg(self) -> Node:
        ch = self.peek()
        if ch == "'":
            return self.string()
        if ch == "$":
            return self.path()
        if self.text.startswith("States.", self.pos):
            return self.call()
        m = _NUMBER.match(self.text, self.pos)
        if m:
            self.pos = m.end()
            lit = m.group(0)
            return Literal(float(lit) if any(c in lit for c in ".eE") else int(lit))
        w = _WORD.match(self.text, self.pos)
        if w and w.group(0) in ("null", "true", "false"):
            self.pos = w.end()
            return Literal({"null": None, "true": True, "false": False}[w.group(0)])
        if not ch:
            raise self.fail("the call is not closed with ')'")
        raise self.fail(
            f"unexpected character {ch!r}; arguments are 'strings', numbers, null, true, false, paths or calls"
        )

    def string(self) -> StringLit:
        start = self.pos
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                nxt = self.text[self.pos + 1]
                out.append(nxt if nxt in "'{}\\" else "\\" + nxt)
                self.pos += 2
                continue
            if ch == "'":
                raw = self.text[start + 1 : self.pos]
                self.pos += 1
                return StringLit("".join(out), raw)
            out.append(ch)
            self.pos += 1
        self.pos = start
        raise self.fail("unterminated string literal")

    def path(self) -> PathArg:
        start = self.pos
        depth = 0
        quote = ""
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if quote:
                if ch == "\\":
                    self.pos += 1
                elif ch == quote:
                    quote = ""
            elif ch in "'\"" and depth > 0:
                quote = ch
            elif ch in "[(":
                depth += 1
            elif ch in "])":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                break
            self.pos += 1
        return PathArg(self.text[start : self.pos].rstrip())


@lru_cache(maxsize=2048)
def parse_intrinsic(text: str) -> Call:
    """Parse an intrinsic call (cached: definitions evaluate the same text many times)."""
    return _Parser(text).parse()


# ---- evaluation -----------------------------------------------------------------------------


def evaluate_intrinsic(text: str, data: Any, env: EvalEnv | None = None) -> Any:
    """Evaluate an intrinsic call; paths inside it read `data` ($), the context ($$) or variables."""
    return _eval_call(parse_intrinsic(text), data, env)


def _eval(node: Node, data: Any, env: EvalEnv | None) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, StringLit):
        return node.value
    if isinstance(node, PathArg):
        return select(data, node.path, env)
    return _eval_call(node, data, env)


def _eval_call(call: Call, data: Any, env: EvalEnv | None) -> Any:
    short = call.name[len("States.") :]
    if short == "Format":
        return _format(call, data, env)
    args = [_eval(a, data, env) for a in call.args]
    return _FUNCTIONS[short](call, args)


def _fail(call: Call, reason: str) -> StatesError:
    return StatesError(INTRINSIC_FAILURE, f"Invalid arguments in {call.text}: {reason}")


def _arity(call: Call, args: list[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not (low <= len(args) <= high):
        want = str(low) if low == high else f"{low} to {high}"
        raise _fail(call, f"{call.name} takes {want} argument(s) but got {len(args)}")


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _want(call: Call, value: Any, kind: str, position: str) -> None:
    if _type_name(value) != kind:
        raise _fail(
            call,
            f"the {position} argument must be a {kind}, but was {_type_name(value)} {to_json_text(value)}",
        )


def _want_int(call: Call, value: Any, position: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(
            call,
            f"the {position} argument must be an integer, but was {_type_name(value)} {to_json_text(value)}",
        )
    if isinstance(value, float):
        if not value.is_integer():
            raise _fail(call, f"the {position} argument must be an integer, but was {value}")
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


def _java_text(value: Any) -> str:
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
        return "[" + ", ".join(_java_text(v) for v in value) + "]"
    return "{" + ", ".join(f"{k}={_java_text(v)}" for k, v in value.items()) + "}"


def _format(call: Call, data: Any, env: EvalEnv | None) -> str:
    if not call.args:
        raise _fail(call, "States.Format needs a template string as its first argument")
    first = call.args[0]
    if isinstance(first, StringLit):
        pieces = _template_pieces(first.raw, True)
    else:
        # A template read from a path or a nested call is plain text: no escape processing.
        value = _eval(first, data, env)
        if not isinstance(value, str):
            raise _fail(call, f"the template (first argument) must be a string, but was {_type_name(value)}")
        pieces = _template_pieces(value, False)
    values = [_eval(a, data, env) for a in call.args[1:]]
    if len(pieces) - 1 != len(values):
        raise _fail(
            call,
            f"the template has {len(pieces) - 1} '{{}}' placeholder(s) but {len(values)} value(s) were given",
        )
    out = [pieces[0]]
    for value, piece in zip(values, pieces[1:], strict=True):
        out.append(_java_text(value))
        out.append(piece)
    return "".join(out)


@lru_cache(maxsize=2048)
def _template_pieces(template: str, escapes: bool) -> tuple[str, ...]:
    """The literal text around each `{}` of a States.Format template (escapes resolved)."""
    pieces: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if escapes and ch == "\\" and i + 1 < len(template):
            nxt = template[i + 1]
            current.append(nxt if nxt in "'{}\\" else "\\" + nxt)
            i += 2
            continue
        if ch == "{" and template.startswith("{}", i):
            pieces.append("".join(current))
            current = []
            i += 2
            continue
        current.append(ch)
        i += 1
    pieces.append("".join(current))
    return tuple(pieces)


def _string_to_json(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    _want(call, args[0], "string", "first")
    text = args[0].strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(call, f"the string is not valid JSON ({exc.msg} at character {exc.pos + 1})") from None
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
        raise _fail(call, f"the chunk size must be greater than 0, but was {size}")
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
        raise _fail(call, "the step must not be 0")
    out = list(range(start, end + (1 if step > 0 else -1), step))
    if len(out) > MAX_RANGE:
        raise _fail(call, f"the range has {len(out)} elements; at most {MAX_RANGE} are allowed")
    return out


def _array_get_item(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 2)
    _want(call, args[0], "array", "first")
    index = _want_int(call, args[1], "second")
    arr: list[Any] = args[0]
    if not (0 <= index < len(arr)):
        raise _fail(call, f"index {index} is out of bounds for an array of length {len(arr)}")
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
        raise _fail(call, f"the string has {len(value)} characters; at most {MAX_STRING} are allowed")
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
        raise _fail(call, f"the string is not valid base64 ({exc})") from None


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
        raise _fail(call, f"the data has {len(data)} characters; at most {MAX_STRING} are allowed")
    algorithm = args[1]
    if algorithm not in _HASHES:
        raise _fail(
            call, f"unknown hash algorithm {to_json_text(algorithm)}; use one of {', '.join(_HASHES)}"
        )
    return str(_HASHES[algorithm](data.encode()).hexdigest())


def _json_merge(call: Call, args: list[Any]) -> dict[str, Any]:
    _arity(call, args, 3)
    _want(call, args[0], "object", "first")
    _want(call, args[1], "object", "second")
    if not isinstance(args[2], bool):
        raise _fail(call, "the third argument (deep merge) must be a boolean")
    if args[2]:
        raise _fail(call, "deep merge is not supported; pass false for a shallow merge")
    return {**args[0], **args[1]}


def _math_random(call: Call, args: list[Any]) -> int:
    _arity(call, args, 2, 3)
    for pos, value in zip(("first", "second"), args[:2], strict=False):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(call, f"the {pos} argument must be a number, but was {to_json_text(value)}")
    start, end = int(args[0]), int(args[1])
    if start >= end:
        raise _fail(call, f"the start ({start}) must be less than the end ({end})")
    rng = random.Random(_want_int(call, args[2], "third")) if len(args) == 3 else random.SystemRandom()
    return rng.randrange(start, end)


def _java_round(value: float) -> int:
    return math.floor(value + 0.5)


def _math_add(call: Call, args: list[Any]) -> int:
    _arity(call, args, 2)
    total = 0
    for pos, value in zip(("first", "second"), args, strict=True):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(call, f"the {pos} argument must be a number, but was {to_json_text(value)}")
        rounded = _java_round(value) if isinstance(value, float) else value
        if not (INT_MIN <= rounded <= INT_MAX):
            raise _fail(call, f"the {pos} argument {value} is outside the 32-bit integer range")
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


_FUNCTIONS: dict[str, Callable[[Call, list[Any]], Any]] = {
    "Format": lambda call, args: None,  # evaluated by _format, which needs the raw template
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
