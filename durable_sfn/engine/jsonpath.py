"""JSONPath as the Amazon States Language uses it: InputPath, ResultPath, OutputPath and `.$` fields.

AWS evaluates paths with Jayway JsonPath semantics: a *definite* path (names and single indexes
only) yields the one value it points at, an *indefinite* path (`[*]`, slices, filters, `..`,
unions) yields a list of every match, possibly empty. A definite path that points at nothing is
an error. Paths may start at the state input (`$`), the context object (`$$`) or a variable
(`$name`).

Most paths in real definitions are simple (`$.order.items[0]`), so those are resolved by a small
hand-written walker; everything else goes to `jsonpath-ng`, with parsed expressions cached.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from jsonpath_ng import JSONPath
from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext.parser import parse as _ng_parse

from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import RESULT_PATH_MATCH_FAILURE, RUNTIME, StatesError

__all__ = [
    "InvalidJsonPath",
    "JsonPathNotFound",
    "UndefinedVariable",
    "apply_input_path",
    "apply_output_path",
    "apply_result_path",
    "compile_path",
    "is_path",
    "select",
    "to_json_text",
]

_NAME = r"[A-Za-z_][A-Za-z0-9_\-]*"
_SEGMENT = re.compile(rf"\.({_NAME})|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\[\"((?:[^\"\\]|\\.)*)\"\]")
_VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_INDEFINITE = re.compile(r"\.\.|\[\s*\*\s*\]|\.\*|\[[^\]'\"]*[:,?][^\]]*\]")


def to_json_text(value: Any) -> str:
    """Compact JSON as AWS prints values inside cause texts."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class JsonPathNotFound(StatesError):
    """A definite path points at nothing. Callers reword the cause for the field they evaluate."""

    def __init__(self, path: str, data: Any) -> None:
        super().__init__(
            RUNTIME, f"The JSONPath '{path}' could not be found in the input '{to_json_text(data)}'"
        )
        self.path = path
        self.data = data


class UndefinedVariable(StatesError):
    """A `$name` path names a variable that no earlier state assigned (or that is out of scope)."""

    def __init__(self, path: str, name: str) -> None:
        super().__init__(
            RUNTIME,
            f"The JSONPath '{path}' references the variable '{name}', which is not defined: assign it "
            "with Assign in an earlier state (variables of a Map or Parallel branch are not visible outside it)",
        )
        self.path = path
        self.name = name


class InvalidJsonPath(StatesError):
    """The text is not a JSONPath the engine can parse."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(RUNTIME, f"The JSONPath '{path}' is invalid: {reason}")
        self.path = path


def is_path(text: str) -> bool:
    """Whether a string is a path expression (`$`, `$.x`, `$$.x`, `$var...`)."""
    return text.startswith("$")


def select(data: Any, path: str, env: EvalEnv | None = None) -> Any:
    """Evaluate `path` against `data` (or the context object / a variable, per its root).

    Raises JsonPathNotFound (States.Runtime) when a definite path matches nothing; the cause
    quotes the path as written and the document it was looked up in.
    """
    return compile_path(path)(data, env)


Selector = Callable[[Any, "EvalEnv | None"], Any]


@lru_cache(maxsize=8192)
def compile_path(path: str) -> Selector:
    """A function (data, env) -> value for one path, built once per distinct path text.

    Definitions evaluate the same few paths over and over, so the root, the segments and the
    definite/indefinite decision are worked out here and not on every call.
    """
    if path.startswith("$$"):
        rel = "$" + path[2:]
        walk = _walker(path, rel)

        def from_context(data: Any, env: EvalEnv | None) -> Any:
            return walk(env.context if env is not None else {})

        return from_context
    m = _VARIABLE.match(path)
    if m:
        name = m.group(1)
        walk = _walker(path, "$" + path[m.end() :])

        def from_variable(data: Any, env: EvalEnv | None) -> Any:
            variables = env.variables if env is not None else {}
            if name not in variables:
                raise UndefinedVariable(path, name)
            return walk(variables[name])

        return from_variable
    walk = _walker(path, path)
    return lambda data, env: walk(data)


def _walker(path: str, rel: str) -> Callable[[Any], Any]:
    """Select `rel` (a path rooted at `$`) from a root value; errors quote the original `path`."""
    if rel == "$":
        return lambda root: root
    segments = _simple_segments(rel)
    if segments is not None:

        def walk_simple(root: Any) -> Any:
            value = root
            for seg in segments:
                if isinstance(seg, int):
                    if isinstance(value, list) and -len(value) <= seg < len(value):
                        value = value[seg]
                        continue
                elif isinstance(value, dict) and seg in value:
                    value = value[seg]
                    continue
                raise JsonPathNotFound(path, root)
            return value

        return walk_simple
    expr = _compiled(rel)
    indefinite = _INDEFINITE.search(rel) is not None

    def walk_general(root: Any) -> Any:
        try:
            matches = [m.value for m in expr.find(root)]
        except Exception as exc:  # jsonpath-ng raises assorted errors on type mismatches in filters
            raise InvalidJsonPath(path, str(exc)) from None
        if indefinite:
            return matches
        if not matches:
            raise JsonPathNotFound(path, root)
        return matches[0]

    return walk_general


@lru_cache(maxsize=4096)
def _simple_segments(path: str) -> tuple[str | int, ...] | None:
    """Split a path made only of names and non-negative indexes; None when it is anything else."""
    if not path.startswith("$"):
        return None
    pos = 1
    out: list[str | int] = []
    while pos < len(path):
        m = _SEGMENT.match(path, pos)
        if m is None:
            return None
        name, index, single, double = m.groups()
        if name is not None:
            out.append(name)
        elif index is not None:
            out.append(int(index))
        else:
            # Inside quotes only the quote character itself is escaped; other backslashes
            # are literal (Jayway's behaviour, which AWS follows).
            if single is not None:
                out.append(single.replace("\\'", "'"))
            else:
                out.append(double.replace('\\"', '"'))
        pos = m.end()
    return tuple(out)


@lru_cache(maxsize=1024)
def _compiled(path: str) -> JSONPath:
    try:
        return _ng_parse(path)
    except (JsonPathLexerError, JsonPathParserError, Exception) as exc:
        raise InvalidJsonPath(path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


def _invalid_path_cause(path: str) -> str:
    """AWS's wording for a missing InputPath/OutputPath, with the path in Jayway's bracket form."""
    segments = _simple_segments(path)
    if segments is None:
        normalised = f"$['{path[2:]}']"
    else:
        normalised = "$" + "".join(f"[{s}]" if isinstance(s, int) else f"['{s}']" for s in segments)
    return f"Invalid path '{path}' : No results for path: {normalised}"


def apply_input_path(state_input: Any, input_path: str | None, env: EvalEnv | None = None) -> Any:
    """InputPath: `None` (JSON null) passes `{}`, a missing path fails with States.Runtime."""
    if input_path is None:
        return {}
    if input_path == "$":
        return state_input
    try:
        return select(state_input, input_path, env)
    except JsonPathNotFound:
        raise StatesError(RUNTIME, _invalid_path_cause(input_path)) from None


def apply_output_path(output: Any, output_path: str | None, env: EvalEnv | None = None) -> Any:
    """OutputPath: `None` (JSON null) outputs `{}`, a missing path fails with States.Runtime."""
    if output_path is None:
        return {}
    if output_path == "$":
        return output
    try:
        return select(output, output_path, env)
    except JsonPathNotFound:
        raise StatesError(RUNTIME, _invalid_path_cause(output_path)) from None


def apply_result_path(state_input: Any, result: Any, result_path: str | None) -> Any:
    """ResultPath: place `result` into (a copy of) the state input.

    `None` discards the result and passes the input through; `$` replaces the input; any other
    reference path creates the intermediate objects it needs. Only objects can be extended:
    a path through a scalar or array fails with States.ResultPathMatchFailure, as on AWS.
    The input is never mutated; containers along the path are copied.
    """
    if result_path is None:
        return state_input
    if result_path == "$":
        return result
    segments = _simple_segments(result_path)
    if segments is None or not segments:
        raise StatesError(
            RESULT_PATH_MATCH_FAILURE,
            f"The ResultPath '{result_path}' is not a valid reference path: use only field names "
            "and array indexes, such as '$.result' or '$.items[0]'",
        )
    return _set_in(state_input, segments, result, result_path, state_input)


def _set_in(node: Any, segments: tuple[str | int, ...], result: Any, path: str, whole: Any) -> Any:
    seg, rest = segments[0], segments[1:]
    if isinstance(seg, int):
        if not isinstance(node, list) or not (-len(node) <= seg < len(node)):
            raise _match_failure(path, whole)
        copy_list = list(node)
        copy_list[seg] = result if not rest else _set_in(node[seg], rest, result, path, whole)
        return copy_list
    if not isinstance(node, dict):
        raise _match_failure(path, whole)
    copy_dict = dict(node)
    if rest:
        child = node.get(seg, {})
        copy_dict[seg] = _set_in(child, rest, result, path, whole)
    else:
        copy_dict[seg] = result
    return copy_dict


def _match_failure(path: str, data: Any) -> StatesError:
    return StatesError(
        RESULT_PATH_MATCH_FAILURE,
        f"Unable to apply ResultPath '{path}' to input '{to_json_text(data)}'",
    )
