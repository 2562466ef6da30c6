"""JSONata evaluation for JSONata-mode states: `{% %}` expressions, `$states`, variables.

Why one module: every field that accepts JSONata (Arguments, Output, Assign, Items, Seconds,
Condition, TimeoutSeconds, ...) must produce the same bindings and the same AWS error texts,
so the field name travels with each evaluation and errors read like AWS's
`States.QueryEvaluationError` causes. The Step Functions extras (`$partition`, `$range`,
`$hash`, `$random`, `$uuid`, `$parse`) are registered here as native functions.

Every evaluation runs under a `bounds.Guard` (time, depth, size of what each step builds, stop
of the execution); this module adapts jsonata-python to it: the guard's step callbacks, RE2 for
regular expressions, and size checks in the few native functions that can build a large
result in one step (`$pad`, `$join`, `$string`, `$clone`, `$replace`) or walk a shared value
many times over (`*`, `**`, a name over nested arrays).

Numbers follow JavaScript, as jsonata-js does: arithmetic keeps negative zero (`0 * -1` is -0,
which `1 / x < 0` tells apart), `x / 0` is +-Infinity (NaN for `0 / 0`) and `%` is JavaScript's
remainder; an infinite or NaN operand of a later operation fails with D1001/T2001 there, as in
jsonata-js. A result that is not a finite number cannot be a JSON value and fails the
evaluation with D1001.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
import random
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from jsonata import Functions, JException, Jsonata, Utils
from jsonata.datetimeutils import DateTimeUtils
from jsonata.tokenizer import Tokenizer

from durable_sfn.engine import bounds, errors, jsonata_compiled
from durable_sfn.engine.bounded_regex import compile_pattern
from durable_sfn.engine.branch import Aborted
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.history import timestamp_text
from durable_sfn.engine.json_types import json_type_name
from durable_sfn.engine.limits import MAX_PAYLOAD_BYTES
from durable_sfn.engine.text_cache import TextCache
from durable_sfn.engine.text_order import js_compare, utf16_units

_CACHE_SIZE = 4096
_create_token = Tokenizer.create


def _token_joining_surrogates(self: Tokenizer, type: Any, value: Any) -> Any:
    """A string literal's escaped surrogate pair (`"\\ud83d\\ude00"`, as JSON and the compiler
    write an emoji) is one character, as in jsonata-js, whose strings are UTF-16; jsonata-python
    made each escape a character of its own, so the text printed as two lone surrogates."""
    if type == "string" and isinstance(value, str) and not value.isascii():
        value = value.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "surrogatepass")
    return _create_token(self, type, value)


Tokenizer.create = _token_joining_surrogates  # every parse, the compiled evaluator's included

# Parsed expressions and their compiled programs, shared by all threads, bounded by the length of
# their texts (`text_cache`): about 400 MB of syntax trees at most.
PARSE_CACHE_CHARS = 1_000_000
_shared: TextCache[Jsonata] = TextCache(PARSE_CACHE_CHARS)


def is_expression(value: Any) -> bool:
    """True for a string of the form `{% ... %}` (the only JSONata syntax in a definition)."""
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}") and len(value) >= 4


def expression_body(value: str) -> str:
    return value[2:-2].strip()


def _compiled(body: str) -> Jsonata:
    """A parsed expression for one evaluation.

    Parsing is the expensive part, so parsed expressions are shared by all threads; each
    evaluation gets its own shallow copy (jsonata-python's own recipe, `get_per_thread_instance`;
    about a microsecond) because an evaluation writes per-instance state. Copies are not kept:
    a copy held past its parse's eviction would keep the syntax tree alive.
    """
    found, parsed = _shared.get(body)
    if not found or parsed is None:
        parsed = _BoundedJsonata(body, compile_pattern)
        parsed.set_output_convert_nulls(False)
        for name, fn in _EXTRAS.items():
            parsed.register_lambda(name, fn)
        for name, native in _GUARDED.items():
            parsed.register_function(name, native)
        _shared.put(body, parsed)
    return copy.copy(parsed)


_programs: TextCache[jsonata_compiled.Program | None] = TextCache(PARSE_CACHE_CHARS)


def _program(body: str) -> jsonata_compiled.Program | None:
    """The compiled program for an expression, or None when the full evaluator must run it.

    Compiled once per expression from jsonata-python's parse (so syntax errors stay its own);
    None too when the expression does not parse.
    """
    found, cached = _programs.get(body)
    if found:
        return cached
    try:
        ast = _compiled(body).ast
    except Exception:  # a syntax error: the full evaluator reports it
        program = None
    else:
        program = jsonata_compiled.compile_program(ast)
    _programs.put(body, program)
    return program


def _normalize(value: Any) -> Any:
    """JSONata results as plain JSON values (lists, dicts, ints for integral numbers)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return value
    if kind is dict:
        # Scalar members are copied in place: a call per member cost more than the state's work.
        out: dict[str, Any] = {}
        for key, child in value.items():
            if type(child) in _KEPT:
                out[key if type(key) is str else str(key)] = child
            else:
                out[key if type(key) is str else str(key)] = _normalize(child)
        return out
    return _normalize_other(value)


# Types `_normalize` returns unchanged (`None` included: it is JSON null already).
_KEPT = frozenset((str, int, bool, type(None)))


def _normalize_other(value: Any) -> Any:
    """`_normalize` of anything but a plain str, int, bool or dict."""
    if value is Utils.NULL_VALUE or value is None:
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise JException("D1001", 0, value)  # Infinity and NaN have no JSON text
        if value.is_integer() and abs(value) < 2**63:
            return int(value)  # -0.0 too: JSON (and JSON.stringify) writes it as 0
        return value
    if isinstance(value, dict):
        return {str(k): _normalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalize(v) for v in value]
    return value


def _type_name(value: Any) -> str:
    """The JSON type name, or "function" for anything that is not JSON (a JSONata lambda)."""
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return json_type_name(value)
    return "function"


def _is_json(value: Any) -> bool:
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list):
        return all(_is_json(v) for v in value)
    if isinstance(value, dict):
        return all(_is_json(v) for v in value.values())
    return False


def bindings(env: EvalEnv) -> dict[str, Any]:
    """Variables visible to an expression: the workflow variables plus `$states`."""
    # A variable holding JSON null must stay null, not become "undefined".
    bound = {k: (Utils.NULL_VALUE if v is None else v) for k, v in env.variables.items()}
    bound["states"] = env.jsonata_states()
    entered = env.context.get("State", {}).get("EnteredTime") if isinstance(env.context, dict) else None
    if env.now is not None:
        # $now()/$millis() read the engine clock (virtual or real) when the expression is
        # evaluated, as AWS does; once per evaluation, as jsonata-js does, so calls agree.
        entered = timestamp_text(env.now())
    if isinstance(entered, str):
        # Without a clock (TestState), the state's entry time; never the wall clock, so results
        # are the same on every run of a virtual-clock test.
        when = entered
        bound["now"] = Jsonata.JLambda(lambda *_: when)
        bound["millis"] = Jsonata.JLambda(lambda *_: _epoch_millis(when))
    return bound


def _epoch_millis(text: str) -> int:
    return (datetime.fromisoformat(text.replace("Z", "+00:00")) - _EPOCH) // timedelta(milliseconds=1)


def evaluate_expression(expression: str, env: EvalEnv, field: str) -> Any:
    """Evaluate one `{% %}` string; `field` names where it sits (e.g. `Output/result`)."""
    body = expression_body(expression)
    fast = _simple_path(body, env)
    if fast is not _NO_FAST_PATH:
        if fast is _UNDEFINED:
            raise StatesError(
                errors.QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{body}' specified for the field '{field}' returned nothing (undefined).",
            )
        return _normalize(fast)
    program = _program(body)
    if program is not None:
        try:
            raw = program.run(env)
            if raw is not jsonata_compiled.UNDEFINED:
                measure = jsonata_compiled.folded_measure(raw)
                if measure is None:
                    measure = _check_result(raw, body, field, env)
                value = _normalize(raw)
                if measure is not None:
                    _remember(value, measure)
        except jsonata_compiled.Fallback:
            pass  # a case the compiled program leaves to the full evaluator, below
        except bounds.BoundExceeded as exc:
            raise StatesError(
                errors.QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{body}' specified for the field '{field}' threw an error during "
                f"evaluation. {exc}",
            ) from None
        except JException as exc:
            raise StatesError(
                errors.QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{body}' specified for the field '{field}' threw an error during "
                f"evaluation. {exc.error}: {exc}",
            ) from None
        else:
            if raw is jsonata_compiled.UNDEFINED:
                raise StatesError(
                    errors.QUERY_EVALUATION_ERROR,
                    f"The JSONata expression '{body}' specified for the field '{field}' returned nothing "
                    "(undefined).",
                )
            return value
    guard = bounds.Guard(env.limits, env.cancelled)
    try:
        expr = _compiled(body)
        # jsonata-python applies lambdas through the thread's "current" instance.
        Jsonata.CURRENT.jsonata = expr
        scope = bindings(env)
        expr.guard = guard
        try:
            raw = guard.run(lambda: expr.evaluate(None, scope))
        finally:
            expr.guard = None
    except (StatesError, Aborted):
        raise
    except bounds.BoundExceeded as exc:
        raise StatesError(
            errors.QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{body}' specified for the field '{field}' threw an error during "
            f"evaluation. {exc}",
        ) from None
    except JException as exc:
        raise StatesError(
            errors.QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{body}' specified for the field '{field}' threw an error during "
            f"evaluation. {exc.error}: {exc}",
        ) from None
    except Exception as exc:  # jsonata-python raises plain Python errors for some type faults
        raise StatesError(
            errors.QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{body}' specified for the field '{field}' threw an error during "
            f"evaluation. {type(exc).__name__}: {exc}",
        ) from None
    if raw is None:
        raise StatesError(
            errors.QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{body}' specified for the field '{field}' returned nothing (undefined).",
        )
    _check_result(raw, body, field, env)
    try:
        value = _normalize(Utils.convert_nulls(raw) if not isinstance(raw, bool | int | float | str) else raw)
    except JException as exc:
        raise StatesError(
            errors.QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{body}' specified for the field '{field}' threw an error during "
            f"evaluation. {exc.error}: {exc}",
        ) from None
    if not _is_json(value):
        raise StatesError(
            errors.QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{body}' specified for the field '{field}' returned an unsupported result type.",
        )
    return value


def _check_result(raw: Any, body: str, field: str, env: EvalEnv) -> tuple[int, int] | None:
    """A result larger than any payload, or nested too deep, is refused before it is copied.

    A result may share one object many times (small in memory, huge as text); measuring it
    stops as soon as it passes the payload limit. Returns `bounds.json_measure` of a list or
    object (None for anything else).
    """
    if not isinstance(raw, _MEASURED_TYPES):
        return None  # a number, a boolean or null: nothing to measure
    try:
        measure = bounds.json_measure(raw, max_chars=MAX_PAYLOAD_BYTES)
    except bounds.BoundExceeded as exc:
        if exc.code == "D1014":
            raise StatesError(
                errors.QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{body}' specified for the field '{field}' returned a result "
                f"nested more than {bounds.MAX_JSON_DEPTH} levels deep.",
            ) from None
        raise StatesError(
            errors.DATA_LIMIT_EXCEEDED,
            f"The state/task '{env.state_name}' returned a result with a size exceeding the maximum "
            "number of bytes service limit.",
        ) from None
    return measure if measure[1] else None


# What `_check_result` measures (named once: a union written in isinstance() is built per call).
_MEASURED_TYPES = (dict, list, tuple, str)

# The last few lists and objects this thread's compiled evaluations returned, with their measure
# (`bounds.json_measure`). The engine then checks the container they are put in (Assign's
# variables, an Output object) against the same bounds; `measured` spares it a second walk of
# the same value. Values are never changed in place once built, so the measure stays true.
_recent = threading.local()
_RECENT = 8


def _remember(value: Any, measure: tuple[int, int]) -> None:
    items: list[tuple[Any, tuple[int, int]]] | None = getattr(_recent, "items", None)
    if items is None:
        items = _recent.items = []
    elif len(items) >= _RECENT:
        del items[0]
    items.append((value, measure))


def measured(value: Any) -> tuple[int, int] | None:
    """`bounds.json_measure` of a list or object a compiled evaluation on this thread returned
    lately, or None when it is not one of those."""
    items: list[tuple[Any, tuple[int, int]]] = getattr(_recent, "items", [])
    for item, measure in items:
        if item is value:
            return measure
    return None


_SIMPLE_PATH = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$")
_NO_FAST_PATH = object()
_UNDEFINED = object()


# Each expression's `$name.field.field` parts (None: not that shape), worked out once per text.
_paths: dict[str, tuple[str, tuple[str, ...]] | None] = {}


def _path_of(body: str) -> tuple[str, tuple[str, ...]] | None:
    m = _SIMPLE_PATH.match(body)
    path = None if m is None else (m.group(1), tuple(m.group(2).split(".")[1:]))
    if len(_paths) >= _CACHE_SIZE:
        _paths.clear()
    _paths[body] = path
    return path


def _simple_path(body: str, env: EvalEnv) -> Any:
    """Evaluate `$name.field.field` without the JSONata machinery when it only walks objects.

    Compiled workflows are full of such references (`$states.result.Payload`, `$order.id`), and
    the full evaluator costs far more than the walk. Anything else, including a walk that meets
    an array (where JSONata maps over the items), goes to the full evaluator.
    """
    try:
        path = _paths[body]
    except KeyError:
        path = _path_of(body)
    if path is None:
        return _NO_FAST_PATH
    name, keys = path
    if name == "states":
        value: Any = env.jsonata_states()
    elif name in env.variables:
        value = env.variables[name]
    else:
        return _NO_FAST_PATH  # functions such as $now, or an undefined variable: let JSONata decide
    for key in keys:
        if isinstance(value, list):
            return _NO_FAST_PATH
        if not isinstance(value, dict) or key not in value:
            return _UNDEFINED
        value = value[key]
    return value


def evaluate_template(template: Any, env: EvalEnv, field: str) -> Any:
    """Evaluate every `{% %}` string inside a JSON value (objects and arrays, recursively)."""
    if isinstance(template, str):
        return evaluate_expression(template, env, field) if is_expression(template) else template
    if isinstance(template, dict):
        return {k: evaluate_template(v, env, f"{field}/{k}") for k, v in template.items()}
    if isinstance(template, list):
        return [evaluate_template(v, env, f"{field}[{i}]") for i, v in enumerate(template)]
    return template


def evaluate_typed(template: Any, env: EvalEnv, field: str, expected: str) -> Any:
    """Evaluate a field that must produce a given JSON type (`array`, `number`, ...)."""
    value = evaluate_template(template, env, field)
    kind = _type_name(value)
    if kind != expected and not (expected == "integer" and kind == "number"):
        shown = json.dumps(value, separators=(",", ":"))
        where = (
            f"The JSONata expression '{expression_body(template)}' specified for the field '{field}'"
            if is_expression(template)
            else f"The value specified for the field '{field}'"
        )
        raise StatesError(
            errors.QUERY_EVALUATION_ERROR,
            f"{where} returned an unexpected result type. Expected '{expected}', but was '{kind}' for value: {shown}",
        )
    return value


# --- Step Functions' JSONata extras ------------------------------------------------------------


def _fail(message: str) -> None:
    raise JException("D3137", 0, message)


def _partition(array: Any, size: Any) -> Any:
    if not isinstance(array, list):
        array = [array]
    if not isinstance(size, int | float) or size <= 0 or int(size) != size:
        _fail("$partition: the chunk size must be a positive integer")
    n = int(size)
    return [list(array[i : i + n]) for i in range(0, len(array), n)]


def _range(start: Any, end: Any, step: Any) -> Any:
    for v in (start, end, step):
        if not isinstance(v, int | float) or isinstance(v, bool) or int(v) != v:
            _fail("$range: all arguments must be integers")
    start, end, step = int(start), int(end), int(step)
    if step == 0:
        _fail("$range: the step must not be zero")
    span = range(start, end + (1 if step > 0 else -1), step)
    if len(span) > 1000:  # counted before anything is built
        _fail("$range: the result exceeds 1000 items")
    values = list(span)
    # JSONata collapses a one-item sequence to the item, and AWS returns it that way.
    return values[0] if len(values) == 1 else values


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def _hash(value: Any, algorithm: Any) -> Any:
    if algorithm not in _HASHES:
        _fail(f"$hash: unsupported algorithm {algorithm!r}; use one of {', '.join(_HASHES)}")
    data = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return hashlib.new(_HASHES[str(algorithm)], data.encode()).hexdigest()


def _random(seed: Any = None) -> Any:
    if seed is None:
        return random.random()
    return random.Random(seed).random()


def _uuid() -> Any:
    return str(uuid.uuid4())


def _parse(text: Any) -> Any:
    if not isinstance(text, str):
        _fail("$parse: the argument must be a string")
    try:
        value = bounds.load_json(text)
    except bounds.BoundExceeded as exc:
        _fail(f"$parse: {exc.message}")
    except ValueError:
        _fail(f"$parse: the argument is not valid JSON: {text}")
    if isinstance(value, float) and value == 0:
        return 0
    # jsonata-python reads a function's None as "undefined": JSON null must be its null value.
    return Utils.NULL_VALUE if value is None else value


_EXTRAS: dict[str, Any] = {
    "partition": _partition,
    "range": _range,
    "hash": _hash,
    "random": _random,
    "uuid": _uuid,
    "parse": _parse,
}


# --- bounds inside jsonata-python --------------------------------------------------------------


def _check_extent(value: Any, indent: int = 0) -> None:
    if isinstance(value, list | dict):
        try:
            bounds.json_extent(value, max_chars=bounds.MAX_BUILD, indent=indent)
        except bounds.BoundExceeded as exc:
            bounds.refuse(exc)


class _BoundedJsonata(Jsonata):  # type: ignore[misc]
    """jsonata-python with each step reported to its guard and its recursive walks measured first.

    `_eval` is jsonata-python's own step with two changes that keep its meaning: the guard
    (set per evaluation on this thread's copy) is called directly instead of being looked up
    through the frame chain twice per step, and the node type picks its method from a table
    instead of a chain of comparisons. Together these were about a third of the evaluation
    time of compiled workflows.

    `*`, `**` and a name over nested arrays walk their input natively, taking no evaluation
    steps; on a value that shares one object many times their walk would be exponential.
    """

    guard: bounds.Guard | None = None

    def _eval(self, expr: Any, input: Any, environment: Any) -> Any:
        # This thread's current input and environment, which `$eval` reads.
        self.input = input
        self.environment = environment
        guard = self.guard
        if guard is not None:
            guard.enter()
        else:
            entry = environment.lookup("__evaluate_entry")
            if entry is not None:
                entry(expr, input, environment)
        kind = getattr(expr, "type", None)
        result = None
        if kind is not None:
            step = _STEPS.get(kind)
            if step is not None:
                result = step(self, expr, input, environment)
        predicate = getattr(expr, "predicate", None)
        if predicate is not None:
            for item in predicate:
                result = self.evaluate_filter(item.expr, result, environment)
        if kind is not None and kind != "path" and getattr(expr, "group", None) is not None:
            result = self.evaluate_group_expression(expr.group, result, environment)
        if guard is not None:
            guard.leave(expr, input, environment, result)
        else:
            leave = environment.lookup("__evaluate_exit")
            if leave is not None:
                leave(expr, input, environment, result)
        # A sequence of one item is the item, an empty one is undefined (jsonata-python's rule).
        if result is not None and Utils.is_sequence(result) and not result.tuple_stream:
            if expr.keep_array:
                result.keep_singleton = True
            if not result:
                result = None
            elif len(result) == 1:
                result = result if result.keep_singleton else result[0]
        return result

    def evaluate_numeric_expression(self, lhs: Any, rhs: Any, op: Any) -> Any:
        """`+ - * / %` as jsonata-js computes them: JavaScript's doubles (see the module doc)."""
        if lhs is not None and not Utils.is_numeric(lhs):
            raise JException("T2001", -1, op, lhs)
        if rhs is not None and not Utils.is_numeric(rhs):
            raise JException("T2002", -1, op, rhs)
        if lhs is None or rhs is None:
            return None
        return _js_number(_js_arithmetic(op, float(lhs), float(rhs)))

    def evaluate_comparison_expression(self, lhs: Any, rhs: Any, op: Any) -> Any:
        """`< <= > >=` order two strings by UTF-16 code units, as jsonata-js does (`text_order`)."""
        if isinstance(lhs, str) and isinstance(rhs, str):
            order = js_compare(lhs, rhs)
            return (
                order < 0
                if op == "<"
                else order <= 0
                if op == "<="
                else order > 0
                if op == ">"
                else order >= 0
            )
        return super().evaluate_comparison_expression(lhs, rhs, op)

    def evaluate_sort_expression(self, expr: Any, input: Any, environment: Any) -> Any:
        """`^(...)`: jsonata-python's order-by with strings ordered as jsonata-js orders them."""
        tuples = isinstance(input, Utils.JList) and input.tuple_stream
        return Functions.sort(input, _OrderBy(self, expr, environment, tuples).compare)

    def evaluate_string_concat(self, lhs: Any, rhs: Any) -> str:
        """`&` writes its operands as `$string` does (jsonata-js)."""
        left = "" if lhs is None else _JsFunctions.string(lhs)
        right = "" if rhs is None else _JsFunctions.string(rhs)
        return str(left) + str(right)

    def evaluate_range_expression(self, lhs: Any, rhs: Any) -> Any:
        """`[a..b]`: JSONata's own checks (types; D2014 past ten million items), then the build bound.

        Nearly every consumer of a range (a path step, a function's argument) turns it into a
        list of Python ints, about 38 bytes an item: ten million would be 380 MB per evaluation.
        """
        result = super().evaluate_range_expression(lhs, rhs)
        if result is None:
            return None
        size = result.b - result.a
        if size > bounds.MAX_BUILD:
            bounds.refuse(bounds.too_large(f"the range [{result.a}..{result.b - 1}]", size, "items"))
        return _Range(result.a, result.b)

    def evaluate_wildcard(self, expr: Any, input: Any) -> Any:
        _check_extent(input)
        return super().evaluate_wildcard(expr, input)

    def evaluate_descendants(self, expr: Any, input: Any) -> Any:
        _check_extent(input)
        return super().evaluate_descendants(expr, input)

    def evaluate_name(self, expr: Any, input: Any, environment: Any) -> Any:
        if isinstance(input, list) and any(isinstance(item, list) for item in input):
            _check_extent(input)
        return super().evaluate_name(expr, input, environment)


class _OrderBy(Jsonata.ComparatorWrapper):  # type: ignore[misc]
    """jsonata-python's order-by comparison (`^(<a, >b)`), with strings ordered by UTF-16 code
    units as jsonata-js orders them; undefined sorts last, other types fail as there."""

    def compare(self, a: Any, b: Any) -> int:
        for term in self._expr.terms:
            left, right = self._term(term, a), self._term(term, b)
            if left is None or right is None:
                if left is None and right is None:
                    continue
                return 1 if left is None else -1  # undefined last, whatever the direction
            numbers = [not isinstance(v, bool) and isinstance(v, int | float) for v in (left, right)]
            if not all(numbers[i] or isinstance(v, str) for i, v in enumerate((left, right))):
                raise JException("T2008", self._expr.position, left, right)
            if numbers[0] != numbers[1]:
                raise JException("T2007", self._expr.position, left, right)
            order = (left > right) - (left < right) if numbers[0] else js_compare(left, right)
            if order:
                return -order if term.descending else order
        return 0

    def _term(self, term: Any, item: Any) -> Any:
        if self._is_tuple_sort:
            frame = self._outer_instance.create_frame_from_tuple(self._environment, item)
            return self._outer_instance.eval(term.expression, item["@"], frame)
        return self._outer_instance.eval(term.expression, item, self._environment)


def _js_arithmetic(op: str, x: float, y: float) -> float:
    """JavaScript's `x op y` on two finite doubles."""
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if y == 0:
        if op == "%" or x == 0:
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    if op == "/":
        return x / y
    return math.fmod(x, y)  # `%`: the sign of the dividend, as JavaScript's remainder


_convert_number = Utils.convert_number


def _js_number(n: Any) -> Any:
    """jsonata-python's `Utils.convert_number` (an int when integral) keeping what JavaScript keeps:
    -0 stays -0.0, and +-Infinity and NaN stay numbers (jsonata-python failed on them when made,
    jsonata-js only when they are used, and turned -0 into 0)."""
    if isinstance(n, float) and (not math.isfinite(n) or (n == 0 and math.copysign(1.0, n) < 0)):
        return n
    return _convert_number(n)


# jsonata-python converts every number it makes (unary minus, a folded `-0` literal, arithmetic)
# through this one function, so JavaScript's -0 is kept everywhere by replacing it.
Utils.convert_number = staticmethod(_js_number)


def _format_datetime(millis: int, picture: str | None, timezone: str | None) -> str:
    """jsonata-python's `$fromMillis` formatting with the instant made exactly: it went through
    float seconds (`fromtimestamp(millis / 1000.0)`), which puts far dates a millisecond early
    (253402300799999 wrote 9999-12-31T23:59:59.998Z, jsonata-js .999Z)."""
    offset_hours = offset_minutes = 0
    if timezone is not None:
        offset = int(timezone)
        offset_hours = math.trunc(offset / float(100))
        offset_minutes = int(math.fmod(offset, 100))
    if picture is None:
        if DateTimeUtils._iso8601_spec is None:
            DateTimeUtils._iso8601_spec = DateTimeUtils._analyse_datetime_picture(
                "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]"
            )
        spec = DateTimeUtils._iso8601_spec
    else:
        spec = DateTimeUtils._analyse_datetime_picture(picture)
    offset_millis = (60 * offset_hours + offset_minutes) * 60 * 1000
    try:
        instant = _EPOCH + timedelta(milliseconds=int(millis) + offset_millis)
    except OverflowError:  # beyond Python's years 1 to 9999: the library's own error, as before
        return str(_LIBRARY_FORMAT_DATETIME(millis, picture, timezone))
    return "".join(
        part.value
        if part.type == "literal"
        else DateTimeUtils._format_component(instant, part, offset_hours, offset_minutes)
        for part in spec.parts
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LIBRARY_FORMAT_DATETIME = DateTimeUtils.format_datetime
DateTimeUtils.format_datetime = staticmethod(_format_datetime)


class _Range(Utils.RangeList):  # type: ignore[misc]
    """jsonata-python's lazy range with its true length (its own counts one item more)."""

    def __init__(self, left: int, right: int) -> None:
        super().__init__(left, right)
        self.size = right - left


_Step = Any
# Node type -> how `_BoundedJsonata._eval` evaluates it (the cases of jsonata-python's `_eval`).
_STEPS: dict[str, _Step] = {
    "path": lambda j, e, i, env: j.evaluate_path(e, i, env),
    "binary": lambda j, e, i, env: j.evaluate_binary(e, i, env),
    "unary": lambda j, e, i, env: j.evaluate_unary(e, i, env),
    "name": lambda j, e, i, env: j.evaluate_name(e, i, env),
    "string": lambda j, e, i, env: j.evaluate_literal(e),
    "number": lambda j, e, i, env: j.evaluate_literal(e),
    "value": lambda j, e, i, env: j.evaluate_literal(e),
    "wildcard": lambda j, e, i, env: j.evaluate_wildcard(e, i),
    "descendant": lambda j, e, i, env: j.evaluate_descendants(e, i),
    "parent": lambda j, e, i, env: env.lookup(e.slot.label),
    "condition": lambda j, e, i, env: j.evaluate_condition(e, i, env),
    "block": lambda j, e, i, env: j.evaluate_block(e, i, env),
    "bind": lambda j, e, i, env: j.evaluate_bind_expression(e, i, env),
    "regex": lambda j, e, i, env: j.evaluate_regex(e),
    "function": lambda j, e, i, env: j.evaluate_function(e, i, env, Utils.NONE),
    "variable": lambda j, e, i, env: j.evaluate_variable(e, i, env),
    "lambda": lambda j, e, i, env: j.evaluate_lambda(e, i, env),
    "partial": lambda j, e, i, env: j.evaluate_partial_application(e, i, env),
    "apply": lambda j, e, i, env: j.evaluate_apply_expression(e, i, env),
    "transform": lambda j, e, i, env: j.evaluate_transform_expression(e, i, env),
}


def _check_pad(string: Any, width: Any, char: Any = None) -> None:
    if isinstance(width, int | float) and not isinstance(width, bool) and math.isfinite(width):
        if abs(int(width)) > bounds.MAX_BUILD:
            bounds.refuse(bounds.too_large("$pad's result", abs(int(width)), "characters"))
    elif isinstance(width, float):  # infinite or NaN width
        bounds.refuse(bounds.too_large("$pad's result", bounds.MAX_BUILD + 1, "characters"))


def _check_join(strs: Any, separator: Any = None) -> None:
    if isinstance(strs, list):
        sep = len(separator) if isinstance(separator, str) else 0
        size = sum(len(s) for s in strs if isinstance(s, str)) + sep * max(0, len(strs) - 1)
        if size > bounds.MAX_BUILD:
            bounds.refuse(bounds.too_large("$join's result", size, "characters"))


def _check_string(arg: Any, prettify: Any = None) -> None:
    _check_extent(arg, indent=2 if prettify else 0)


def _check_replace(string: Any, pattern: Any, replacement: Any, limit: Any = None) -> None:
    # A regular expression pattern counts its own result (bounded_regex); a plain one is counted here.
    if isinstance(string, str) and isinstance(pattern, str) and pattern:
        found = string.count(pattern)
        if isinstance(limit, int | float) and not isinstance(limit, bool) and limit >= 0:
            found = min(found, int(limit))
        each = (
            len(replacement) + replacement.count("$0") * len(pattern) if isinstance(replacement, str) else 0
        )
        size = len(string) + found * max(0, each - len(pattern))
        if size > bounds.MAX_BUILD:
            bounds.refuse(bounds.too_large("$replace's result", size, "characters"))


def _guarded(name: str, signature: str, impl: str, check: Any, owner: Any = Functions) -> Any:
    """jsonata-python's native function `name` (or `owner`'s), with `check(*args)` run before it
    builds anything."""
    native = Jsonata.JNativeFunction(name, signature, owner, impl)
    original = native.method

    @functools.wraps(original)
    def method(*args: Any) -> Any:
        check(*args)
        return original(*args)

    native.method = method
    return native


def _json_numbers(value: Any) -> Any:
    """`value` with numbers as JSON.stringify writes them: -0 as 0, NaN as null, and an infinite
    number failing (D1001, jsonata-js's check of each number it writes). The same object when
    nothing changes."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise JException("D1001", 0, value)
        return 0 if value == 0 else value
    if isinstance(value, list):
        items = [_json_numbers(v) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, dict):
        entries = {k: _json_numbers(v) for k, v in value.items()}
        return value if all(entries[k] is v for k, v in value.items()) else entries
    return value


class _JsFunctions:
    """Natives whose jsonata-python version differs from jsonata-js, which AWS runs."""

    @staticmethod
    def lowercase(string: Any) -> Any:
        # JavaScript's toLowerCase is Unicode's lowercase mapping ('\u00df' stays), as Python's
        # str.lower; jsonata-python folds case instead ('\u00df' -> 'ss').
        if string is None:
            return None
        if string is Utils.NULL_VALUE:
            raise JException("T0410", -1)
        return str(string).lower()

    @staticmethod
    def string(arg: Any, prettify: Any = None) -> Any:
        # jsonata-js: Infinity and NaN fail (D3001; D1001 inside an array or object), and -0 is
        # written 0 (JSON.stringify); jsonata-python printed 'infinity' and '-0'.
        if isinstance(arg, Utils.JList) and arg.outer_wrapper:
            arg = arg[0]
        if isinstance(arg, float) and not math.isfinite(arg):
            raise JException("D3001", 0)
        return Functions.string(_json_numbers(arg), prettify)

    @staticmethod
    def split(string: Any, pattern: Any, limit: Any = None) -> Any:
        # jsonata-js splits on "" into UTF-16 code units (String.prototype.split), so a character
        # beyond U+FFFF becomes its two surrogates; jsonata-python kept it whole.
        result = Functions.split(string, pattern, limit)
        if pattern != "" or not result or all(ord(c) <= 0xFFFF for c in string):
            return result
        units = utf16_units(string)
        pieces = [chr(int.from_bytes(units[i : i + 2], "big")) for i in range(0, len(units), 2)]
        return pieces if limit is None else pieces[: int(limit)]

    @staticmethod
    def sort(array: Any, comparator: Any = None) -> Any:
        # Without a comparator, jsonata-js sorts strings with `>`, by UTF-16 code units.
        if (
            comparator is None
            and array is not None
            and len(array) > 1
            and all(isinstance(x, str) for x in array)
        ):
            return sorted(array, key=utf16_units)
        return Functions.sort(array, comparator)

    @staticmethod
    def round(number: Any, precision: Any = None) -> Any:
        # jsonata-js's $round never gives -0 (it shifts the digits through text); jsonata-python's
        # $round(-0.5, 0) did.
        result = Functions.round(number, precision)
        return 0 if isinstance(result, float) and result == 0 else result

    @staticmethod
    def floor(number: Any) -> Any:
        # JavaScript's Math.floor keeps -0; math.floor gives the int 0.
        if number is None:
            return None
        value = float(number)
        return value if value == 0 or not math.isfinite(value) else math.floor(value)

    @staticmethod
    def ceil(number: Any) -> Any:
        # JavaScript's Math.ceil gives -0 for -0 and for numbers between -1 and 0.
        if number is None:
            return None
        value = float(number)
        if -1 < value <= 0 and math.copysign(1.0, value) < 0:
            return -0.0
        return value if not math.isfinite(value) else math.ceil(value)


# Signatures as jsonata-python registers them (Jsonata.register_functions).
_GUARDED: dict[str, Any] = {
    "lowercase": Jsonata.JNativeFunction("lowercase", "<s-:s>", _JsFunctions, "lowercase"),
    "round": Jsonata.JNativeFunction("round", "<n-n?:n>", _JsFunctions, "round"),
    "sort": Jsonata.JNativeFunction("sort", "<af?:a>", _JsFunctions, "sort"),
    "split": Jsonata.JNativeFunction("split", "<s-(sf)n?:a<s>>", _JsFunctions, "split"),
    "floor": Jsonata.JNativeFunction("floor", "<n-:n>", _JsFunctions, "floor"),
    "ceil": Jsonata.JNativeFunction("ceil", "<n-:n>", _JsFunctions, "ceil"),
    "pad": _guarded("pad", "<s-ns?:s>", "pad", _check_pad),
    "join": _guarded("join", "<a<s>s?:s>", "join", _check_join),
    "string": _guarded("string", "<x-b?:s>", "string", _check_string, _JsFunctions),
    "clone": _guarded("clone", "<(oa)-:o>", "function_clone", _check_string),
    "replace": _guarded("replace", "<s-(sf)(sf)n?:s>", "replace", _check_replace),
}
