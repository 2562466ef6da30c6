"""Accepted means valid: what the compiler accepts is a definition Step Functions accepts, and
whatever the source, the compiler raises nothing but CompileError.

Before parsing, `check_nesting` estimates from the tokens how deeply each statement's expression
nests and refuses absurd nesting (DSF031) at its line, so that neither Python's parser nor the
compiler's recursive passes run out of stack. `headroom` gives the compiler the recursion depth
that bounded nesting needs, whatever the process's recursion limit (a program may lower it, and
importing jsonata raises it).

After rendering, `check_definition` applies the checks CreateStateMachine applies
(`durable_sfn.asl.validate_definition`: state and variable names, Retry and Catch ranges, ...),
the 1 MiB limit on the definition text as it will be deployed (each `${Name}` placeholder
replaced by the longest ARN it can become), the nesting of each JSONata expression, and number
literals JSONata can hold, and reports each problem at the source line of the state (DSF032).
JSONata syntax itself is checked by the tests and the fuzz (parsing every expression here would
cost more than the rest of the compile).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import sys
import tokenize
from collections.abc import Iterator
from typing import Any

from durable_sfn._aws import PLACEHOLDER as PLACEHOLDER_RE
from durable_sfn.compiler.diagnostics import DiagnosticSink

# Nesting of one statement's expression, estimated from its tokens (an upper bound of the AST's
# depth): real orchestrators stay far below; beyond it parsers and compilers recurse too deep.
MAX_NESTING = 200
# Nesting of brackets in one rendered JSONata expression.
MAX_JSONATA_NESTING = 300
# What a `${Name}` placeholder may become at deployment: an ARN, at most this many bytes.
MAX_ARN_BYTES = 256
# Recursion the compiler may need beyond the caller's depth for `MAX_NESTING`.
RECURSION_HEADROOM = 10_000

_OPERATORS = {
    "+", "-", "*", "/", "//", "%", "**", "@", "<<", ">>", "&", "|", "^", "~",
    "<", ">", "<=", ">=", "==", "!=", ".", "(", "[", "{", ":=",
}  # fmt: skip
_KEYWORDS = {"and", "or", "not", "in", "is", "if", "else", "lambda", "await", "for"}
_RESET = {",", ":", ";"}


def nesting(source: str) -> tuple[int, int, int] | None:
    """(estimate, line, col) of the most deeply nested point of the source, or None when the
    source does not tokenize (the parser reports that)."""
    worst = (0, 1, 0)
    stack = [0]  # per open bracket: operators and trailers seen since it opened (or the last comma)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.NEWLINE:
                stack = [0]
                continue
            if tok.type == tokenize.STRING:
                # an f-string's expressions come out of the string itself: count what may nest
                inner = (
                    sum(tok.string.count(c) for c in "+-*/%@&|^~<>=.([{")
                    if "f" in tok.string[:3].lower()
                    else 0
                )
                depth = sum(stack) + len(stack) + inner
            elif tok.type == tokenize.OP and tok.string in ("(", "[", "{"):
                stack[-1] += 1  # a call, subscript or display adds a level where it stands
                stack.append(0)
                depth = sum(stack) + len(stack)
            elif tok.type == tokenize.OP and tok.string in (")", "]", "}"):
                if len(stack) > 1:
                    stack.pop()
                continue
            elif (tok.type == tokenize.OP and tok.string in _OPERATORS) or (
                tok.type == tokenize.NAME and tok.string in _KEYWORDS
            ):
                stack[-1] += 1
                depth = sum(stack) + len(stack)
            elif tok.type == tokenize.OP and tok.string in _RESET:
                stack[-1] = 0
                continue
            else:
                continue
            if depth > worst[0]:
                worst = (depth, tok.start[0], tok.start[1])
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return worst


def check_nesting(source: str, file: str) -> None:
    """Refuse a source whose expressions nest beyond MAX_NESTING (DSF031), before parsing it."""
    found = nesting(source)
    if found is not None and found[0] > MAX_NESTING:
        sink = DiagnosticSink(file, source)
        sink.report(
            "DSF031",
            f"this expression nests too deeply to compile (about {found[0]} levels; at most {MAX_NESTING})",
            found[1],
            found[2],
            "split it into several statements with intermediate variables",
        )
        sink.raise_if_any()


@contextlib.contextmanager
def headroom() -> Iterator[None]:
    """The recursion the compiler needs for bounded nesting, whatever the process's limit."""
    old = sys.getrecursionlimit()
    depth = 0
    frame = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    wanted = depth + RECURSION_HEADROOM
    if wanted > old:
        sys.setrecursionlimit(wanted)
    try:
        yield
    finally:
        if sys.getrecursionlimit() == wanted and wanted > old:
            sys.setrecursionlimit(old)


# -- the rendered definition ----------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w$.])(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)")
_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")


def deployed_size(text: str) -> int:
    """The bytes of the definition once each `${Name}` is replaced by the longest ARN it can be."""
    grown = sum(max(0, MAX_ARN_BYTES - len(m.group(0).encode())) for m in PLACEHOLDER_RE.finditer(text))
    return len(text.encode()) + grown


def expression_problem(body: str) -> str | None:
    """What makes a JSONata expression unusable although it parses: nesting beyond
    MAX_JSONATA_NESTING, or a number literal beyond what a double holds."""
    code = _STRING.sub('""', body)
    depth = deepest = 0
    for ch in code:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    if deepest > MAX_JSONATA_NESTING:
        return f"an expression nests {deepest} levels deep (at most {MAX_JSONATA_NESTING})"
    for m in _NUMBER.finditer(code):
        if math.isinf(float(m.group(1))):
            return f"the number {m.group(1)[:20]}... is beyond what JSONata can hold"
    return None


def _values(value: Any, pointer: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    stack: list[tuple[tuple[str | int, ...], Any]] = [(pointer, value)]
    while stack:
        where, item = stack.pop()
        yield where, item
        if isinstance(item, dict):
            stack.extend(((*where, k), v) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend(((*where, i), v) for i, v in enumerate(item))


def _state_line(definition: dict[str, Any], where: tuple[str | int, ...], default: int) -> int:
    """The source line of the innermost state on the path `where` (from its Comment)."""
    node: Any = definition
    line = default
    for i, part in enumerate(where):
        if not isinstance(node, dict | list):
            break
        try:
            node = node[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            break
        if i > 0 and where[i - 1] == "States" and isinstance(node, dict):
            m = re.match(r"[^:\n]*:(\d+):", str(node.get("Comment", "")))
            if m:
                line = int(m.group(1))
    return line


def _parts(location: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for raw in location.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(token) if token.isdigit() else token)
    return tuple(parts)


def _holds(value: int | float) -> bool:
    """Whether a double holds the number (what JSON numbers are on Step Functions)."""
    if isinstance(value, float):
        return math.isfinite(value)
    return abs(value) <= sys.float_info.max


def check_definition(definition: dict[str, Any], text: str, sink: DiagnosticSink, line: int) -> None:
    """Report (DSF032) everything that would make Step Functions refuse the definition `text`
    (rendered from `definition`), at the source line of the state concerned."""
    # Imported here: durable_sfn's package imports the compiler, and an activity's Lambda bundle
    # (which never compiles) has no JSONata parser for the validator to import.
    from durable_sfn.asl.validate import MAX_DEFINITION_BYTES, validate_definition

    reported: set[tuple[int, str]] = set()

    def report(where: tuple[str | int, ...], message: str) -> None:
        at = _state_line(definition, where, line)
        if (at, message) not in reported:
            reported.add((at, message))
            sink.report(
                "DSF032",
                f"Step Functions would refuse this definition: {message}",
                at,
                0,
                "simplify the code at this line (see the message), or report the case",
            )

    size = deployed_size(text)
    if size > MAX_DEFINITION_BYTES:
        report((), f"it may be {size:,} bytes once deployed, over the {MAX_DEFINITION_BYTES:,}-byte limit")
    expressions: dict[tuple[str | int, ...], str] = {}
    for where, value in _values(definition, ()):
        if isinstance(value, str) and value.startswith("{%") and value.endswith("%}"):
            expressions[where] = value
            problem = expression_problem(value[2:-2])
            if problem is not None:
                report(where, problem)
        elif isinstance(value, int | float) and not isinstance(value, bool) and not _holds(value):
            report(where, "a number beyond what JSON numbers hold")
    # The structural checks, with every expression replaced by one that parses (the tests check
    # that the compiler's expressions parse; parsing them all here would dominate compile time).
    stand_in = json.loads(text)
    for where in expressions:
        node = stand_in
        for part in where[:-1]:
            node = node[part]
        node[where[-1]] = "{% 0 %}"
    for diagnostic in validate_definition(stand_in):
        if diagnostic.severity == "ERROR":
            report(_parts(diagnostic.location), diagnostic.message)
