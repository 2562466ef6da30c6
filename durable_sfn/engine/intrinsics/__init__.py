"""Intrinsic functions of JSONPath-mode states (`"x.$": "States.Format('{}', $.name)"`).

A call is parsed once into a tiny tree (the grammar is `durable_sfn/asl/intrinsics.py`, shared
with validation) and cached, then evaluated here against the state's data; the functions
themselves are in `functions.py`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from durable_sfn.asl.intrinsics import (
    Call,
    IntrinsicSyntaxError,
    Literal,
    Node,
    PathArg,
    StringLit,
    is_intrinsic,
    parse_intrinsic,
)
from durable_sfn.engine.bounds import BoundExceeded, json_extent, too_large
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import INTRINSIC_FAILURE, StatesError
from durable_sfn.engine.intrinsics.functions import FUNCTIONS, fail, java_text, json_equal, type_name
from durable_sfn.engine.jsonpath import select
from durable_sfn.engine.limits import MAX_PAYLOAD_BYTES

__all__ = ["evaluate_intrinsic", "is_intrinsic", "json_equal"]


def evaluate_intrinsic(text: str, data: Any, env: EvalEnv | None = None) -> Any:
    """Evaluate an intrinsic call; paths inside it read `data` ($), the context ($$) or variables."""
    try:
        call = parse_intrinsic(text)
    except IntrinsicSyntaxError as exc:
        raise StatesError(INTRINSIC_FAILURE, str(exc)) from None
    return _eval_call(call, data, env)


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
    return _bounded(call, FUNCTIONS[short](call, args))


def _bounded(call: Call, result: Any) -> Any:
    """No call may produce more than a payload: nested calls cannot grow a value step by step."""
    try:
        json_extent(result, max_chars=MAX_PAYLOAD_BYTES)
    except BoundExceeded as exc:
        raise fail(call, exc.message) from None
    return result


def _format(call: Call, data: Any, env: EvalEnv | None) -> str:
    if not call.args:
        raise fail(call, "States.Format needs a template string as its first argument")
    first = call.args[0]
    if isinstance(first, StringLit):
        pieces = _template_pieces(first.raw, True)
    else:
        # A template read from a path or a nested call is plain text: no escape processing.
        value = _eval(first, data, env)
        if not isinstance(value, str):
            raise fail(call, f"the template (first argument) must be a string, but was {type_name(value)}")
        pieces = _template_pieces(value, False)
    values = [_eval(a, data, env) for a in call.args[1:]]
    if len(pieces) - 1 != len(values):
        raise fail(
            call,
            f"the template has {len(pieces) - 1} '{{}}' placeholder(s) but {len(values)} value(s) were given",
        )
    out = [pieces[0]]
    size = len(pieces[0])
    for value, piece in zip(values, pieces[1:], strict=True):
        text = java_text(value)
        size += len(text) + len(piece)
        if size > MAX_PAYLOAD_BYTES:  # checked before the pieces are joined
            raise fail(call, too_large("the formatted string", size, "characters").message)
        out.append(text)
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
