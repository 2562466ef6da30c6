"""JSONata evaluation on jsonatapy (a Rust core): a candidate replacement for `jsonata.py`.

Same interface as `durable_sfn.engine.jsonata` (`is_expression`, `expression_body`,
`evaluate_expression`, `evaluate_template`, `evaluate_typed`), same bindings (`$states`, the
workflow variables, `$now`/`$millis` on the engine clock at evaluation time), the same Step Functions extras
(`$partition`, `$range`, `$hash`, `$random`, `$uuid`, `$parse`) and the same AWS cause texts,
so the engine can switch by changing one import. Not wired in yet: see
benchmarks/jsonata_evaluators.md for its agreement with jsonata-js and its speed, measured by
benchmarks/jsonata_differential.py.

What differs from the jsonata-python path, and why:
- A compiled jsonatapy expression may only be used by the thread that compiled it (PyO3
  "unsendable"), so the cache is per thread; compiling costs about 15 us, not 700 us.
- Only the variables an expression names are converted to Rust values on each call: a large
  variable that an expression does not read costs nothing.
- Bounds (bounds.py): every evaluation gets jsonatapy's own time limit (`env.limits.seconds`,
  D1012), depth limit (`env.limits.depth`, D1011) and sequence-length limit (`MAX_BUILD`, D2015);
  results are measured like jsonata.py's (payload limit, nesting), $parse uses `load_json`.
  Not yet covered, to settle before switching: strings built by $pad/$join are not counted
  before they are built, and a stopped execution's in-flight evaluation is ended by the time
  limit only (jsonatapy holds the interpreter lock for the whole evaluation, so other threads,
  the watchdog included, cannot run until it ends, and it has no cancel hook).
- jsonatapy returns None for undefined, null and functions alike; a None anywhere in the
  result is resolved with `evaluate_json_or_none`, which tells them apart.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import random
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jsonatapy

from durable_sfn.engine import bounds, errors
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.json_types import json_type_name
from durable_sfn.engine.limits import MAX_PAYLOAD_BYTES

_CACHE_SIZE = 4096
_local = threading.local()
_NAME = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def is_expression(value: Any) -> bool:
    """True for a string of the form `{% ... %}` (the only JSONata syntax in a definition)."""
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}") and len(value) >= 4


def expression_body(value: str) -> str:
    return value[2:-2].strip()


class _ExtraError(Exception):
    """An error raised by one of the Step Functions functions, with its JSONata code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class _Compiled:
    expr: jsonatapy.JsonataExpression
    variables: tuple[str, ...]  # the `$names` the expression mentions (a superset of what it reads)
    reads_states: bool


@contextlib.contextmanager
def thread_cache() -> Iterator[None]:
    """Cache compiled expressions on this thread while the block runs, and drop them on it.

    A compiled jsonatapy expression must be dropped by the thread that made it (PyO3
    "unsendable"; dropped elsewhere it is leaked with an error on stderr), and Python drops a
    dead thread's locals on whichever thread notices. So only threads that run under this
    block (the engine's execution and branch threads) keep a cache; any other thread compiles
    per evaluation (about 15 us) and drops the expression at once.
    """
    previous = getattr(_local, "cache", None)
    if previous is None:
        _local.cache = OrderedDict()
    try:
        yield
    finally:
        if previous is None:
            _local.cache.clear()
            _local.cache = None


def _compiled(body: str, clock_bound: bool) -> _Compiled:
    cache: OrderedDict[tuple[str, bool], _Compiled] | None = getattr(_local, "cache", None)
    key = (body, clock_bound)
    found = cache.get(key) if cache is not None else None
    if found is not None:
        assert cache is not None
        cache.move_to_end(key)
        return found
    expr = jsonatapy.compile(body)
    names = set(_NAME.findall(body))
    for name, fn in _EXTRAS.items():
        if name in names:
            expr.register(name, fn)
    if "random" in names:
        expr.register_override("random", _random)
    if clock_bound and "now" in names:
        expr.register_override("now", _now)
    if clock_bound and "millis" in names:
        expr.register_override("millis", _millis)
    found = _Compiled(expr, tuple(sorted(names - {"states"})), "states" in names)
    if cache is not None:
        cache[key] = found
        if len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
    return found


def _bindings(compiled: _Compiled, env: EvalEnv) -> dict[str, Any]:
    variables = env.variables
    bound = {name: variables[name] for name in compiled.variables if name in variables}
    if compiled.reads_states:
        bound["states"] = env.jsonata_states()
    return bound


def _evaluation_time(env: EvalEnv) -> datetime | None:
    """The time `$now()`/`$millis()` return: the engine clock's at this evaluation.

    AWS evaluates them when the expression runs (jsonata-js reads the clock once per
    evaluation, so every call in one expression agrees). An environment without a clock (a
    TestState call) falls back to the state's entry time from the context object.
    """
    if env.now is not None:
        return env.now()
    state = env.context.get("State") if isinstance(env.context, dict) else None
    entered = state.get("EnteredTime") if isinstance(state, dict) else None
    if isinstance(entered, str):
        return datetime.fromisoformat(entered.replace("Z", "+00:00"))
    return None


def _now(*_: Any) -> Any:
    when: datetime = _local.when
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _millis(*_: Any) -> Any:
    when: datetime = _local.when
    return int(when.timestamp() * 1000)


def _query_error(body: str, field: str, what: str) -> StatesError:
    return StatesError(
        errors.QUERY_EVALUATION_ERROR,
        f"The JSONata expression '{body}' specified for the field '{field}' {what}",
    )


# jsonata-js's texts (what AWS puts in the cause) for the codes whose text has no inserts:
# jsonatapy words some of them differently or appends details.
_JS_TEXTS = {
    "T1006": "Attempted to invoke a non-function",
    "T1008": "Attempted to partially apply a non-function",
    "T2003": "The left side of the range operator (..) must evaluate to an integer",
    "T2004": "The right side of the range operator (..) must evaluate to an integer",
    "T2006": "The right side of the function application operator ~> must be a function",
    "T2008": "The expressions within an order-by clause must evaluate to numeric or string values",
    "D1004": "Regular expression matches zero length string",
    "D3001": "Attempting to invoke string function on Infinity or NaN",
    "D3010": "Second argument of replace function cannot be an empty string",
    "D3011": "Fourth argument of replace function must evaluate to a positive number",
    "D3012": "Attempted to replace a matched string with a non-string value",
    "D3020": "Third argument of split function must evaluate to a positive number",
    "D3040": "Third argument of match function must evaluate to a positive number",
    "D3050": "The second argument of reduce function must be a function with at least two arguments",
    "D3070": "The single argument form of the sort function can only be applied to an array of strings or an "
    "array of numbers.  Use the second argument to specify a comparison function",
    "D3138": "The $single() function expected exactly 1 matching result.  Instead it matched more.",
    "D3139": "The $single() function expected exactly 1 matching result.  Instead it matched 0.",
}
_OPERAND = re.compile(r"The (left|right) side of the (\S+) operator must evaluate to a number")
_CAST = re.compile(r"Cannot convert '(.*)' to number", re.S)


def _error_text(exc: Exception) -> str:
    """`CODE: message` for a jsonatapy error, worded as jsonata-js (and so AWS's cause) words it."""
    pending: _ExtraError | None = getattr(_local, "extra_error", None)
    _local.extra_error = None
    text = str(exc)
    if text.startswith("host function raised"):
        return f"{pending.code}: {pending.message}" if pending is not None else text
    code, sep, message = text.removeprefix("Parse error: ").partition(": ")
    if not sep:
        return text
    if code in _JS_TEXTS:
        message = _JS_TEXTS[code]
    elif code in ("T2001", "T2002"):
        message = _OPERAND.sub(
            lambda m: f"The {m[1]} side of the {json.dumps(m[2])} operator must evaluate to a number", message
        )
    elif code == "D3030" and (m := _CAST.fullmatch(message)) is not None:
        message = f"Unable to cast value to a number: {json.dumps(m[1], ensure_ascii=False)}"
    return f"{code}: {message}"


def _sanitized(value: Any) -> Any:
    """Integers beyond 64 bits as floats, which is what a JSON number is to jsonata-js."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
        return float(value)
    if isinstance(value, list):
        return [_sanitized(v) for v in value]
    if isinstance(value, dict):
        return {k: _sanitized(v) for k, v in value.items()}
    return value


def evaluate_expression(expression: str, env: EvalEnv, field: str) -> Any:
    """Evaluate one `{% %}` string; `field` names where it sits (e.g. `Output/result`)."""
    body = expression_body(expression)
    fast = _simple_path(body, env)
    if fast is not _NO_FAST_PATH:
        if fast is _UNDEFINED:
            raise _query_error(body, field, "returned nothing (undefined).")
        return _normalize(fast)
    when = _evaluation_time(env)
    _local.when = when
    try:
        compiled = _compiled(body, when is not None)
        bound = _bindings(compiled, env)
        limits = {
            "timeout": max(1, int(env.limits.seconds * 1000)),
            "max_stack_depth": env.limits.depth,
            "max_sequence_length": bounds.MAX_BUILD,
        }
        try:
            raw = compiled.expr.evaluate(None, bound, **limits)
        except (OverflowError, TypeError):  # a binding jsonatapy cannot convert (an int past 64 bits)
            bound = _sanitized(bound)
            raw = compiled.expr.evaluate(None, bound, **limits)
        _check_result(raw, body, field, env)
        if raw is None or _holds_none(raw):
            text = compiled.expr.evaluate_json_or_none(None, bound, **limits)
            if text is None:
                raise _query_error(body, field, "returned nothing (undefined).")
            if not _same_shape(raw, json.loads(text)):
                raise _query_error(body, field, "returned an unsupported result type.")
    except StatesError:
        raise
    except ValueError as exc:
        raise _query_error(body, field, f"threw an error during evaluation. {_error_text(exc)}") from None
    return _normalize(raw)


def _check_result(raw: Any, body: str, field: str, env: EvalEnv) -> None:
    """A result larger than any payload, or nested too deep, is refused (as jsonata.py does)."""
    try:
        bounds.json_extent(raw, max_chars=MAX_PAYLOAD_BYTES)
    except bounds.BoundExceeded as exc:
        if exc.code == "D1014":
            raise _query_error(
                body, field, f"returned a result nested more than {bounds.MAX_JSON_DEPTH} levels deep."
            ) from None
        raise StatesError(
            errors.DATA_LIMIT_EXCEEDED,
            f"The state/task '{env.state_name}' returned a result with a size exceeding the maximum "
            "number of bytes service limit.",
        ) from None


def _holds_none(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, list):
        return any(_holds_none(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_none(v) for v in value.values())
    return False


def _same_shape(raw: Any, parsed: Any) -> bool:
    """False where `raw` has None (a function, to jsonatapy's Python conversion) but the JSON
    text has a string (what jsonatapy writes for a function): the result is not JSON."""
    if raw is None:
        return parsed is None
    if isinstance(raw, list) and isinstance(parsed, list) and len(raw) == len(parsed):
        return all(_same_shape(a, b) for a, b in zip(raw, parsed, strict=True))
    if isinstance(raw, dict) and isinstance(parsed, dict):
        return all(_same_shape(v, parsed.get(k)) for k, v in raw.items())
    return True


def _normalize(value: Any) -> Any:
    """Plain JSON values, integral numbers as ints (as jsonata.py returns them)."""
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**63:
            return int(value)
        return value
    if isinstance(value, dict):
        return {str(k): _normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    return value


_SIMPLE_PATH = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$")
_NO_FAST_PATH = object()
_UNDEFINED = object()


def _simple_path(body: str, env: EvalEnv) -> Any:
    """`$name.field.field` walked in Python when it only meets objects (see jsonata.py)."""
    m = _SIMPLE_PATH.match(body)
    if m is None:
        return _NO_FAST_PATH
    name = m.group(1)
    if name == "states":
        value: Any = env.jsonata_states()
    elif name in env.variables:
        value = env.variables[name]
    else:
        return _NO_FAST_PATH
    for key in m.group(2).split(".")[1:]:
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
    kind = json_type_name(value)
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


# --- Step Functions' JSONata extras (as in jsonata.py) -------------------------------------------


def _extra(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Keep an extra's own error (code and text) for the cause; jsonatapy only sees that it raised."""

    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except _ExtraError as exc:
            _local.extra_error = exc
            raise

    return call


def _fail(message: str) -> None:
    raise _ExtraError("D3137", message)


def _partition(array: Any, size: Any) -> Any:
    if not isinstance(array, list):
        array = [array]
    if not isinstance(size, int | float) or isinstance(size, bool) or size <= 0 or int(size) != size:
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
    if (end - start) // step + 1 > 1000:
        _fail("$range: the result exceeds 1000 items")
    values = list(range(start, end + (1 if step > 0 else -1), step))
    # JSONata collapses a one-item sequence to the item, and AWS returns it that way.
    return values[0] if len(values) == 1 else values


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def _hash(value: Any, algorithm: Any) -> Any:
    if algorithm not in _HASHES:
        _fail(f"$hash: unsupported algorithm {algorithm!r}; use one of {', '.join(_HASHES)}")
    data = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return hashlib.new(_HASHES[str(algorithm)], data.encode()).hexdigest()


def _random_number(seed: Any = None) -> Any:
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
    return value


_EXTRAS: dict[str, Callable[..., Any]] = {
    "partition": _extra(_partition),
    "range": _extra(_range),
    "hash": _extra(_hash),
    "uuid": _extra(_uuid),
    "parse": _extra(_parse),
}
_random = _extra(_random_number)
