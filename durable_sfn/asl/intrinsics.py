"""The grammar of intrinsic function calls: text -> a small frozen tree, cached per text.

Arguments follow the ASL rules: single-quoted strings in which `'`, `{`, `}` and `\\` are escaped
with a backslash, numbers, `null`, `true`, `false`, paths (`$.x`, `$$.x`, `$var.x`) and nested
calls. A syntax error names the character where parsing stopped.

One parser for both users: validation reports a call that does not parse as a schema error, and
the engine (`engine/intrinsics`) evaluates the tree, failing with States.IntrinsicFailure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = [
    "FUNCTION_NAMES",
    "Call",
    "IntrinsicSyntaxError",
    "Literal",
    "Node",
    "PathArg",
    "StringLit",
    "is_intrinsic",
    "parse_intrinsic",
]

FUNCTION_NAMES = frozenset(
    {
        "Format", "StringToJson", "JsonToString", "Array", "ArrayPartition", "ArrayContains", "ArrayRange",
        "ArrayGetItem", "ArrayLength", "ArrayUnique", "Base64Encode", "Base64Decode", "Hash", "JsonMerge",
        "MathRandom", "MathAdd", "StringSplit", "UUID",
    }
)  # fmt: skip
"""Every intrinsic function AWS defines (without the `States.` prefix)."""


class IntrinsicSyntaxError(ValueError):
    """The text of an intrinsic call does not parse; the message names the character and why."""

    def __init__(self, text: str, pos: int, reason: str) -> None:
        super().__init__(f"Invalid intrinsic function call '{text}' at character {pos + 1}: {reason}")
        self.text = text
        self.pos = pos
        self.reason = reason


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
        if name[len("States.") :] not in FUNCTION_NAMES:
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
