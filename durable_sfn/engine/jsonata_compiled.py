"""JSONata expressions compiled to Python closures, for the shapes compiled workflows are made of.

Why: jsonata-python walks the syntax tree on every evaluation, through generic per-step machinery
(frames, signature objects, per-step callbacks), and that walk was most of the time the engine
spends on a compiled workflow. Here an expression already parsed by jsonata-python is turned once
into nested closures, one per node, that do only that node's work.

Semantics are jsonata-js 2.0.6's (the implementation AWS runs): sequences and their flattening,
undefined (`UNDEFINED`) distinct from null (`None`), singleton sequences collapsing to their item,
argument signatures, JavaScript's number text in strings. Errors are jsonata-python's
`JException`s with the codes jsonata-js reports, worded as the engine's full evaluator words them.

Not every node is compiled: `compile_program` returns None for an expression using anything else
(function definitions, regular expressions, sorting, grouping, `..`, transforms, built-ins not
listed in `_BUILTINS`, ...), and the caller evaluates that expression with the full evaluator.
A compiled program may also meet, at run time, a case it leaves to the full evaluator (a value
only jsonata-js's quirks decide, such as a key that is a JavaScript object property); it raises
`Fallback` before anything is returned, and the caller evaluates the expression in full.

Bounds: a compiled program defines no function, so it cannot recurse, and the nesting of its
closures is capped (`MAX_DEPTH`). Every loop over data checks the evaluation's clock and the
execution's stop (`Scope.tick`), every walk that could revisit a shared value is measured first,
and nothing built may pass `bounds.MAX_BUILD` (strings by `&`, `$string`, `$join`, `$replace`;
arrays by constructors, paths, `$append`), all checked before the value is built.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NoReturn

from jsonata import JException

from durable_sfn.engine import bounds
from durable_sfn.engine.bounded_regex import BoundedPattern
from durable_sfn.engine.branch import Aborted
from durable_sfn.engine.clock import monotonic
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.limits import MAX_PAYLOAD_BYTES
from durable_sfn.engine.text_order import utf16_units

__all__ = ["MAX_CALLS", "MAX_DEPTH", "UNDEFINED", "Fallback", "Lambda", "Program", "compile_program"]

MAX_DEPTH = 120
"""Deepest syntax tree compiled (deeper ones go to the full evaluator and its depth bound)."""


class _Undefined:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Any = _Undefined()
"""JSONata's undefined (no value); JSON null is None."""
_U = UNDEFINED


class Fallback(Exception):
    """The compiled program leaves this evaluation to the full evaluator."""


class _NotCompiled(Exception):
    """A node the compiler does not handle: the whole expression goes to the full evaluator."""


class Seq(list):  # type: ignore[type-arg]
    """A JSONata sequence (jsonata-js's array flagged `sequence`), as opposed to a JSON array."""

    __slots__ = ("keep_singleton",)

    def __init__(self, items: Any = ()) -> None:
        super().__init__(items)
        self.keep_singleton = False


def _collapse(value: Any) -> Any:
    """jsonata-js's rule after every step: an empty sequence is undefined, a singleton its item."""
    if type(value) is Seq:
        n = len(value)
        if n == 0:
            return _U
        if n == 1 and not value.keep_singleton:
            return value[0]
    return value


class Scope:
    """One evaluation: the state's bindings, the block frames, and the bound checks."""

    __slots__ = ("_states", "calls", "cancelled", "deadline", "env", "frames", "limits", "ticks")

    CHECK_EVERY = 64  # loop iterations between two looks at the clock and the stop

    def __init__(self, env: EvalEnv) -> None:
        self.env = env
        self.frames: list[dict[str, Any]] = []
        self._states: Any = None
        self.limits = env.limits
        self.cancelled = env.cancelled
        self.deadline = monotonic() + env.limits.seconds
        self.ticks = 0
        self.calls = 0  # nested calls of the expression's own functions

    def states(self) -> Any:
        if self._states is None:
            self._states = self.env.jsonata_states()
        return self._states

    def tick(self) -> None:
        """One iteration of a loop over data: now and then, check the clock and the stop."""
        self.ticks += 1
        if self.ticks % self.CHECK_EVERY:
            return
        if self.cancelled():
            raise Aborted()
        if monotonic() > self.deadline:
            raise bounds.too_long(self.limits)

    def lookup(self, name: str) -> Any:
        for frame in reversed(self.frames):
            if name in frame:
                return frame[name]
        return self.global_value(name)

    def global_value(self, name: str) -> Any:
        if name == "states":
            return self.states()
        variables = self.env.variables
        if name in variables:
            return variables[name]
        if name in _SHADOWED_BY_ENGINE:
            raise Fallback()  # $now / $millis: the full evaluator binds them to the engine's clock
        return _U


Node = Callable[[Any, Scope], Any]
"""A compiled node: (context value, scope) -> its value (UNDEFINED for none)."""


class Program:
    """A compiled expression: `run(env)` evaluates it with the state's bindings."""

    __slots__ = ("defines_functions", "functions", "node")

    def __init__(self, node: Node, functions: frozenset[str], defines_functions: bool) -> None:
        self.node = node
        self.functions = functions  # the built-ins it calls
        self.defines_functions = defines_functions

    def run(self, env: EvalEnv) -> Any:
        """The expression's value (UNDEFINED when it has none); raises JException, BoundExceeded,
        Aborted, or Fallback when the full evaluator must decide."""
        variables = env.variables
        for name in self.functions:
            if name in variables:
                raise Fallback()  # a workflow variable of that name hides the function
        try:
            result = self.node(_U, Scope(env))
        except RecursionError:
            raise Fallback() from None
        if self.defines_functions and _holds_function(result):
            raise Fallback()  # a function in the result: the full evaluator reports it
        return result


def _holds_function(value: Any) -> bool:
    """Whether a function is anywhere in `value`; a part shared many times is looked at once."""
    stack = [value]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if type(item) is Lambda:
            return True
        if isinstance(item, list | dict):
            if id(item) in seen:
                continue
            seen.add(id(item))
            stack.extend(item if isinstance(item, list) else item.values())
    return False


MAX_CALLS = 100
"""Deepest nesting of an expression's own function calls run compiled; deeper recursion is left to
the full evaluator (its depth bound, and jsonata-js's tail calls, decide there)."""


class Lambda:
    """A function the expression defines (`function($x) { ... }`), with the frames it closes over."""

    __slots__ = ("body", "frames", "input", "params")

    def __init__(self, params: list[str], body: Node, frames: list[dict[str, Any]], input: Any) -> None:
        self.params = params
        self.body = body
        self.frames = frames
        self.input = input

    def call(self, scope: Scope, args: Sequence[Any]) -> Any:
        frame = {p: (args[i] if i < len(args) else _U) for i, p in enumerate(self.params)}
        saved = scope.frames
        scope.frames = [*self.frames, frame]
        scope.calls += 1
        if scope.calls > MAX_CALLS:
            raise Fallback()
        scope.tick()
        try:
            return self.body(self.input, scope)
        finally:
            scope.frames = saved
            scope.calls -= 1


# --- values --------------------------------------------------------------------------------------


def _is_num(value: Any) -> bool:
    return type(value) is int or type(value) is float


def _is_numeric(value: Any) -> bool:
    """jsonata-js's isNumeric: a number that is not NaN; an infinite one is an error (D1001)."""
    if type(value) is float:
        if math.isnan(value):
            return False
        if math.isinf(value):
            raise JException("D1001", -1, value)
        return True
    return type(value) is int


def _is_array(value: Any) -> bool:
    return isinstance(value, list)


_INDEX_KEY = re.compile(r"(0|[1-9][0-9]*)\Z")


def _js_keys(obj: dict[str, Any]) -> list[str]:
    """An object's keys in JavaScript's order: array-index keys first, ascending, then the rest."""
    keys = list(obj)
    if not any(k[:1].isdigit() for k in keys):
        return keys
    index = [k for k in keys if _INDEX_KEY.match(k) and int(k) < 2**32 - 1]
    if not index:
        return keys
    rest = [k for k in keys if not (_INDEX_KEY.match(k) and int(k) < 2**32 - 1)]
    return sorted(index, key=int) + rest


# Properties every JavaScript object inherits: jsonata-js's `input[key]` finds them on any object.
_INHERITED = frozenset(
    {
        "constructor",
        "__proto__",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "toLocaleString",
        "toString",
        "valueOf",
        "__defineGetter__",
        "__defineSetter__",
        "__lookupGetter__",
        "__lookupSetter__",
    }
)


def _get(obj: dict[str, Any], key: str) -> Any:
    value = obj.get(key, _U)
    if value is _U and key in _INHERITED:
        raise Fallback()
    return value


def _lookup(scope: Scope, value: Any, key: str) -> Any:
    """jsonata-js's lookup: an object's field, or the fields of an array's items, flattened."""
    if type(value) is dict:
        return _get(value, key)
    if isinstance(value, list):
        if any(isinstance(item, list) for item in value):
            _check_extent(value)
        out = Seq()
        _lookup_into(scope, value, key, out)
        return out
    return _U


def _lookup_into(scope: Scope, items: list[Any], key: str, out: Seq) -> None:
    for item in items:
        scope.tick()
        if type(item) is dict:
            res = _get(item, key)
        elif isinstance(item, list):
            res = Seq()
            _lookup_into(scope, item, key, res)
        else:
            continue
        if res is _U:
            continue
        if isinstance(res, list):
            out.extend(res)
        else:
            out.append(res)


def _check_extent(value: Any, indent: int = 0) -> None:
    """A walk of `value` could visit a shared part many times: measure it first (bounded)."""
    bounds.json_extent(value, max_chars=bounds.MAX_BUILD, indent=indent)


def _check_items(count: int) -> None:
    if count > bounds.MAX_BUILD:
        raise bounds.too_large("an array", count, "items")


def _check_chars(count: int) -> None:
    if count > bounds.MAX_BUILD:
        raise bounds.too_large("a string", count, "characters")


def _boolean(value: Any) -> Any:
    """jsonata-js's $boolean (undefined stays undefined)."""
    if value is _U:
        return _U
    if isinstance(value, list):
        if len(value) == 1:
            return _boolean(value[0])
        return any(_boolean(v) is True for v in value)
    if type(value) is str:
        return len(value) > 0
    if type(value) is bool:
        return value
    if _is_numeric(value):
        return value != 0
    if type(value) is dict:
        return len(value) > 0
    return False


def _truthy(value: Any) -> bool:
    return _boolean(value) is True


def _deep_equal(scope: Scope, a: Any, b: Any) -> bool:
    """jsonata-js's isDeepEqual: strict (`true` is not `1`), arrays in order, objects by keys."""
    if a is b and not (type(a) is float and math.isnan(a)):
        return True
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        for x, y in zip(a, b, strict=True):
            scope.tick()
            if not _deep_equal(scope, x, y):
                return False
        return True
    if ta is dict and tb is dict:
        if len(a) != len(b) or a.keys() != b.keys():
            return False
        for key, x in a.items():
            scope.tick()
            if not _deep_equal(scope, x, b[key]):
                return False
        return True
    if ta is not tb:
        return False
    return bool(a == b) if ta is str or ta is bool or a is None else False


def _strict_equal(a: Any, b: Any) -> bool:
    """JavaScript's `===` on JSON values: objects and arrays only by identity."""
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return bool(a == b)
    if ta is not tb:
        return False
    if ta is str or ta is bool:
        return bool(a == b)
    return a is b


# --- numbers as JavaScript writes them -----------------------------------------------------------


def _js_number_text(number: float | int) -> str:
    """Number#toString: the shortest text that reads back as `x`, JavaScript's notation."""
    if type(number) is int and abs(number) < 2**53:
        return str(number)
    x = float(number)
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e21:
        return str(int(x))
    text = repr(x)
    if 1e-6 <= abs(x) < 1e21:
        return format(Decimal(text), "f")
    mantissa, _, exponent = text.partition("e")
    power = int(exponent)
    return f"{mantissa}e{'+' if power > 0 else '-'}{abs(power)}"


def _precision15(x: float | int) -> float | int:
    """Number(x.toPrecision(15)): `x` rounded to 15 significant digits, ties away from zero."""
    if type(x) is int and abs(x) < 10**15:
        return x
    if type(x) is float and x.is_integer() and abs(x) < 1e15:
        return x
    d = Decimal(x)
    if d == 0:
        return 0
    q = d.quantize(Decimal(1).scaleb(d.adjusted() - 14), rounding=ROUND_HALF_UP)
    return float(q)


def _number_text(x: float | int) -> str:
    return _js_number_text(_precision15(x))


def _json_text(scope: Scope, value: Any, indent: int) -> str:
    """JSON.stringify with jsonata-js's replacer (numbers to 15 significant digits)."""
    _check_extent(value, indent)
    parts: list[str] = []
    _write(scope, value, parts, indent, 0)
    return "".join(parts)


def _write(scope: Scope, value: Any, out: list[str], indent: int, level: int) -> None:
    t = type(value)
    if t is str:
        out.append(json.dumps(value, ensure_ascii=False))
    elif t is bool:
        out.append("true" if value else "false")
    elif value is None:
        out.append("null")
    elif t is int or t is float:
        if t is float and math.isnan(value):
            out.append("null")
        else:
            _is_numeric(value)  # an infinite number is D1001
            out.append(_number_text(value))
    elif isinstance(value, list):
        if not value:
            out.append("[]")
            return
        out.append("[")
        for i, item in enumerate(value):
            scope.tick()
            if i:
                out.append(",")
            if indent:
                out.append("\n" + " " * (indent * (level + 1)))
            _write(scope, item, out, indent, level + 1)
        if indent:
            out.append("\n" + " " * (indent * level))
        out.append("]")
    elif t is dict:
        if not value:
            out.append("{}")
            return
        out.append("{")
        for i, key in enumerate(_js_keys(value)):
            scope.tick()
            if i:
                out.append(",")
            if indent:
                out.append("\n" + " " * (indent * (level + 1)))
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(": " if indent else ":")
            _write(scope, value[key], out, indent, level + 1)
        if indent:
            out.append("\n" + " " * (indent * level))
        out.append("}")
    else:
        raise Fallback()


def _string(scope: Scope, value: Any, prettify: Any = False) -> Any:
    """jsonata-js's $string."""
    if value is _U:
        return _U
    t = type(value)
    if t is str:
        return value
    if (t is int or t is float) and not math.isfinite(value):
        raise JException("D3001", -1, value)
    if t is int or t is float:
        return _number_text(value)
    indent = 2 if _boolean(prettify) is True else 0
    return _json_text(scope, value, indent)


# --- signatures (jsonata-js's parseSignature / validate) -----------------------------------------


_PLAIN_TYPES = frozenset((str, int, float, bool, type(None), dict, list))
"""Exact types whose signature symbol (`_symbol`) is fixed by the type alone."""


def _symbol(value: Any) -> str:
    t = type(value)
    if t is str:
        return "s"
    if t is int or t is float:
        return "n"
    if t is bool:
        return "b"
    if value is None:
        return "l"
    if isinstance(value, list):
        return "a"
    if t is dict:
        return "o"
    if value is _U:
        return "m"
    return "f"


class _Param:
    __slots__ = ("context", "context_regex", "regex", "subtype", "type")

    def __init__(self, regex: str, kind: str) -> None:
        self.regex = regex
        self.type = kind
        self.context = False
        self.context_regex: re.Pattern[str] | None = None
        self.subtype: str | None = None


class _Signature:
    """A built-in's argument signature, checked and applied as jsonata-js does."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        params: list[_Param] = []
        position = 1
        while position < len(text):
            symbol = text[position]
            if symbol == ":":
                break
            if symbol in "snblo":
                params.append(_Param(f"[{symbol}m]", symbol))
            elif symbol == "a":
                params.append(_Param("[asnblfom]", "a"))
            elif symbol == "f":
                params.append(_Param("f", "f"))
            elif symbol == "j":
                params.append(_Param("[asnblom]", "j"))
            elif symbol == "x":
                params.append(_Param("[asnblfom]", "x"))
            elif symbol == "-":
                last = params[-1]
                last.context = True
                last.context_regex = re.compile(last.regex)
                last.regex += "?"
            elif symbol in "?+":
                params[-1].regex += symbol
            elif symbol == "(":
                end = text.index(")", position)
                choice = text[position + 1 : end]
                params.append(_Param(f"[{choice}m]", f"({choice})"))
                position = end
            elif symbol == "<":
                end = text.index(">", position)
                params[-1].subtype = text[position + 1 : end]
                position = end
            position += 1
        self.params = params
        self.regex = re.compile("^" + "".join(f"({p.regex})" for p in params) + "$")
        self._plans: dict[str, bool] = {}  # argument types -> whether they pass unchanged
        # Exact Python types of arguments known to pass unchanged, so a call site whose argument
        # kinds repeat skips the check. Only _PLAIN_TYPES go in: for those `_symbol` depends on
        # the type alone, so the type decides the plan exactly as the symbol string does.
        self.passing_one: set[type] = set()
        self.passing_two: set[tuple[type, type]] = set()

    def validate(self, args: list[Any], context: Any) -> list[Any]:
        """The arguments as the function receives them (context filled in, values wrapped in arrays)."""
        if len(args) == 1:  # most calls; a join per call cost more than the lookup
            supplied = _symbol(args[0])
        else:
            supplied = "".join([_symbol(a) for a in args])
        plan = self._plans.get(supplied)
        if plan is True:
            return args
        out = self._validate(args, context, supplied)
        if plan is None:
            self._plans[supplied] = self._unchanged(supplied)
        return out

    def _unchanged(self, supplied: str) -> bool:
        """Whether arguments of these types always pass as they are (no context, no array check)."""
        matched = self.regex.match(supplied)
        if matched is None:
            return False
        seen_empty = False
        for number, param in enumerate(self.params):
            match = matched.group(number + 1)
            if match == "":
                if param.context:
                    return False
                seen_empty = True
            elif seen_empty:
                return False  # an argument slot consumed by a missing one
            elif param.type == "a" and any(single not in "am" or param.subtype for single in match):
                return False
        return True

    def _validate(self, args: list[Any], context: Any, supplied: str) -> list[Any]:
        matched = self.regex.match(supplied)
        if matched is None:
            self._fail(supplied)
        out: list[Any] = []
        index = 0
        for number, param in enumerate(self.params):
            arg = args[index] if index < len(args) else _U
            match = matched.group(number + 1)
            if match == "":
                if param.context and param.context_regex is not None:
                    if param.context_regex.match(_symbol(context)):
                        out.append(context)
                    else:
                        raise JException("T0411", -1, context, index + 1)
                else:
                    out.append(arg)
                    index += 1
                continue
            for single in match:
                arg = args[index] if index < len(args) else _U
                if param.type == "a":
                    if single == "m":
                        arg = _U
                    else:
                        ok = True
                        if param.subtype is not None:
                            if single != "a" and match != param.subtype:
                                ok = False
                            elif single == "a" and arg:
                                first = _symbol(arg[0])
                                if first != param.subtype[0]:
                                    ok = False
                                else:
                                    ok = all(_symbol(v) == first for v in arg)
                        if not ok:
                            raise JException("T0412", -1, index + 1, self.name, param.subtype)
                        if single != "a":
                            arg = [arg]
                out.append(arg)
                index += 1
        return out

    def _fail(self, supplied: str) -> NoReturn:
        pattern = "^"
        good_to = 0
        for param in self.params:
            pattern += param.regex
            found = re.match(pattern, supplied)
            if found is None:
                raise JException("T0410", -1, good_to + 1, self.name)
            good_to = len(found.group(0))
        raise JException("T0410", -1, good_to + 1, self.name)


# --- built-in functions --------------------------------------------------------------------------

_Impl = Callable[..., Any]


def _fn_exists(scope: Scope, arg: Any) -> Any:
    return arg is not _U


def _fn_type(scope: Scope, value: Any) -> Any:
    if value is _U:
        return _U
    if value is None:
        return "null"
    if _is_numeric(value):
        return "number"
    t = type(value)
    if t is str:
        return "string"
    if t is bool:
        return "boolean"
    if isinstance(value, list):
        return "array"
    if t is dict:
        return "object"
    raise Fallback()  # NaN: jsonata-js calls it an 'object'


def _fn_lookup(scope: Scope, value: Any, key: Any) -> Any:
    return _lookup(scope, value, key)


def _fn_error(scope: Scope, message: Any = _U) -> Any:
    raise JException("D3137", -1, message if message not in (_U, "") else "$error() function evaluated")


def _fn_count(scope: Scope, args: Any) -> Any:
    return 0 if args is _U else len(args)


def _fn_boolean(scope: Scope, arg: Any) -> Any:
    return _boolean(arg)


def _fn_not(scope: Scope, arg: Any) -> Any:
    if arg is _U:
        return _U
    return not _truthy(arg)


def _fn_string(scope: Scope, arg: Any, prettify: Any = _U) -> Any:
    return _string(scope, arg, prettify if prettify is not _U else False)


_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?\Z")
_RADIX = re.compile(r"(?:0[xX][0-9A-Fa-f]+|0[oO][0-7]+|0[bB][0-1]+)\Z")
_RADIX_JS = re.compile(r"^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$")


def _fn_number(scope: Scope, arg: Any) -> Any:
    if arg is _U:
        return _U
    t = type(arg)
    if t is int or t is float:
        return arg
    if t is str:
        if _DECIMAL.match(arg):
            value = float(arg)
            if math.isfinite(value):
                return value
        if _RADIX.match(arg):
            return int(arg, 0)
        if _RADIX_JS.search(arg):
            raise Fallback()  # JavaScript's Number() of a text only half-matched: NaN or a prefix
    if arg is True:
        return 1
    if arg is False:
        return 0
    raise JException("D3030", -1, arg)


def _integral(value: float, of: float) -> float:
    """Math.floor/Math.ceil's result: a double, -0 when the argument was negative (or -0)."""
    return value if value != 0 else math.copysign(0.0, of)


def _fn_floor(scope: Scope, arg: Any) -> Any:
    if arg is _U:
        return _U
    return _integral(float(math.floor(arg)), arg) if math.isfinite(arg) else arg


def _fn_ceil(scope: Scope, arg: Any) -> Any:
    if arg is _U:
        return _U
    return _integral(float(math.ceil(arg)), arg) if math.isfinite(arg) else arg


def _fn_abs(scope: Scope, arg: Any) -> Any:
    if arg is _U:
        return _U
    return abs(arg)


def _js_round(x: float) -> float:
    """Math.round: the nearest integer, ties toward +Infinity."""
    if not math.isfinite(x) or float(x).is_integer():
        return float(x)
    r = math.floor(x)
    return float(r + 1 if x - r >= 0.5 else r)


def _fn_round(scope: Scope, arg: Any, precision: Any = _U) -> Any:
    if arg is _U:
        return _U
    if not math.isfinite(arg):
        return arg
    shift = precision not in (_U, None, 0) and precision == precision
    if shift:
        if not float(precision).is_integer():
            raise Fallback()
        mantissa, _, exponent = _js_number_text(arg).partition("e")
        arg = float(f"{mantissa}e{int(exponent or 0) + int(precision)}")
    result = _js_round(arg)
    diff = result - arg
    if abs(diff) == 0.5 and abs(math.fmod(result, 2)) == 1:
        result -= 1
    if shift:
        mantissa, _, exponent = _js_number_text(result).partition("e")
        result = float(f"{mantissa}e{int(exponent or 0) - int(precision)}")
    return 0 if result == 0 else result


def _fn_length(scope: Scope, arg: Any) -> Any:
    return _U if arg is _U else len(arg)


def _js_slice_index(value: float, length: int) -> int:
    n = int(value) if math.isfinite(value) else (length if value > 0 else -length - 1)
    return max(length + n, 0) if n < 0 else min(n, length)


def _fn_substring(scope: Scope, text: Any, start: Any, length: Any = _U) -> Any:
    if text is _U:
        return _U
    if start is _U or (type(start) is float and math.isnan(start)):
        raise Fallback()
    size = len(text)
    if size + start < 0:
        start = 0
    if length is not _U:
        if type(length) is float and math.isnan(length):
            raise Fallback()
        if length <= 0:
            return ""
        end = start + length if start >= 0 else size + start + length
        return text[_js_slice_index(start, size) : _js_slice_index(end, size)]
    return text[_js_slice_index(start, size) :]


def _fn_substring_before(scope: Scope, text: Any, chars: Any) -> Any:
    if text is _U:
        return _U
    if chars is _U:
        raise Fallback()
    pos = text.find(chars)
    return text[:pos] if pos > -1 else text


def _fn_substring_after(scope: Scope, text: Any, chars: Any) -> Any:
    if text is _U:
        return _U
    if chars is _U:
        raise Fallback()
    pos = text.find(chars)
    return text[pos + len(chars) :] if pos > -1 else text


def _fn_uppercase(scope: Scope, text: Any) -> Any:
    return _U if text is _U else text.upper()


def _fn_lowercase(scope: Scope, text: Any) -> Any:
    return _U if text is _U else text.lower()


def _fn_contains(scope: Scope, text: Any, token: Any) -> Any:
    if text is _U:
        return _U
    if type(token) is BoundedPattern:
        return token.search(text) is not None  # jsonata-js: the first match, if any
    if type(token) is not str:
        raise Fallback()  # an undefined token (jsonata-js fails inside) or a function
    return token in text


def _fn_replace(scope: Scope, text: Any, pattern: Any, replacement: Any, limit: Any = _U) -> Any:
    if text is _U:
        return _U
    if pattern == "":
        raise JException("D3010", -1)
    if limit is not _U and limit < 0:
        raise JException("D3011", -1)
    if type(replacement) is not str:
        raise Fallback()  # a function, or an undefined replacement
    if type(pattern) is BoundedPattern:
        return _regex_replace(scope, text, pattern, replacement, limit)
    if type(pattern) is not str:
        raise Fallback()
    count = text.count(pattern)
    if limit is not _U:
        count = min(count, math.ceil(limit))
    _check_replaced(len(text) + count * (len(replacement) - len(pattern)))
    return text.replace(pattern, replacement, count)


def _check_replaced(size: int) -> None:
    if size > bounds.MAX_BUILD:
        raise bounds.too_large("$replace's result", size, "characters")


def _regex_matches(scope: Scope, pattern: BoundedPattern, text: str) -> Iterator[Any]:
    """jsonata-js's matcher, in one pass over the text: each match, then the next from where it
    ended; none once a match reached the end; D1004 when the next would be a match of nothing
    (jsonata-js searches again from the same place, which can never get further)."""
    first = True
    for found in pattern.finditer(text):
        if not first and found.start() == found.end():
            raise JException("D1004", -1)
        yield found
        scope.tick()
        if found.end() >= len(text):
            return
        if found.start() == found.end():
            raise JException("D1004", -1)
        first = False


def _substitute(replacement: str, found: Any) -> str:
    """jsonata-js's replacement text: `$0` the match, `$n` group n (as many digits as groups
    can need, fewer if that names no group), `$$` a dollar, any other `$` itself."""
    groups = found.groups()
    out: list[str] = []
    position = 0
    index = replacement.find("$", position)
    while index != -1 and position < len(replacement):
        out.append(replacement[position:index])
        position = index + 1
        after = replacement[position : position + 1]
        if after == "$":
            out.append("$")
            position += 1
        elif after == "0":
            out.append(found.group(0))
            position += 1
        else:
            # Math.floor(Math.log(n) * Math.LOG10E) + 1, computed as JavaScript does
            max_digits = 1 if not groups else math.floor(math.log(len(groups)) * 0.4342944819032518) + 1
            number = _leading_int(replacement[position : position + max_digits])
            if max_digits > 1 and number is not None and number > len(groups):
                number = _leading_int(replacement[position : position + max_digits - 1])
            if number is not None:
                if groups and 0 < number <= len(groups) and groups[number - 1] is not None:
                    out.append(groups[number - 1])
                elif groups and number <= 0:
                    raise Fallback()  # JavaScript's groups[-1]: left to the full evaluator
                position += len(str(number))
            else:
                out.append("$")
        index = replacement.find("$", position)
    out.append(replacement[position:])
    return "".join(out)


def _leading_int(text: str) -> int | None:
    """JavaScript's parseInt(text, 10) on digits only (None for NaN)."""
    digits = re.match(r"[0-9]+", text)
    return int(digits.group(0)) if digits else None


def _regex_replace(scope: Scope, text: str, pattern: BoundedPattern, replacement: str, limit: Any) -> str:
    out: list[str] = []
    size = 0
    position = 0
    count = 0
    for found in _regex_matches(scope, pattern, text):
        if limit is not _U and count >= limit:
            break
        piece = text[position : found.start()]
        substitute = _substitute(replacement, found)
        size += len(piece) + len(substitute)
        _check_replaced(size + len(text) - found.end())
        out.append(piece)
        out.append(substitute)
        position = found.end()
        count += 1
    if not count:
        return text
    out.append(text[position:])
    return "".join(out)


def _fn_join(scope: Scope, strs: Any, separator: Any = _U) -> Any:
    if strs is _U:
        return _U
    sep = "" if separator is _U else separator
    _check_chars(sum(len(s) for s in strs) + len(sep) * max(0, len(strs) - 1))
    return sep.join(strs)


def _fn_sum(scope: Scope, args: Any) -> Any:
    if args is _U:
        return _U
    total: float | int = 0
    for n in args:
        total += float(n)
    return total


def _fn_max(scope: Scope, args: Any) -> Any:
    if args is _U or not args:
        return _U
    if any(type(n) is float and math.isnan(n) for n in args):
        raise Fallback()
    return max(args)


def _fn_min(scope: Scope, args: Any) -> Any:
    if args is _U or not args:
        return _U
    if any(type(n) is float and math.isnan(n) for n in args):
        raise Fallback()
    return min(args)


def _append(a: Any, b: Any) -> Any:
    """jsonata-js's append (also how an array constructor adds an item that is not an array)."""
    if a is _U:
        return b
    if b is _U:
        return a
    left = a if isinstance(a, list) else [a]
    right = b if isinstance(b, list) else [b]
    _check_items(len(left) + len(right))
    return [*left, *right]


def _fn_append(scope: Scope, a: Any, b: Any) -> Any:
    return _append(a, b)


def _fn_keys(scope: Scope, arg: Any) -> Any:
    result = Seq()
    if isinstance(arg, list):
        merged: dict[str, bool] = {}
        for item in arg:
            scope.tick()
            for key in _fn_keys(scope, item):
                merged[key] = True
        result.extend(_js_keys(merged))
    elif type(arg) is dict:
        result.extend(_js_keys(arg))
    return result


def _fn_merge(scope: Scope, args: Any) -> Any:
    if args is _U:
        return _U
    result: dict[str, Any] = {}
    for obj in args:
        scope.tick()
        if type(obj) is dict:
            result.update(obj)
        elif obj is not _U and obj is not None:
            raise Fallback()
    return result


def _fn_reverse(scope: Scope, arr: Any) -> Any:
    if arr is _U:
        return _U
    if len(arr) <= 1:
        return arr
    return list(reversed(arr))


def _hof_args(func: Lambda, value: Any, index: int, array: Any) -> list[Any]:
    """jsonata-js's hofFuncArgs: as many of (value, index, array) as the function takes."""
    return [value, index, array][: max(1, len(func.params))]


def _fn_map(scope: Scope, arr: Any, func: Any) -> Any:
    if arr is _U:
        return _U
    result = Seq()
    for i, item in enumerate(arr):
        res = func.call(scope, _hof_args(func, item, i, arr))
        if res is not _U:
            result.append(res)
    return result


def _fn_filter(scope: Scope, arr: Any, func: Any) -> Any:
    if arr is _U:
        return _U
    result = Seq()
    for i, item in enumerate(arr):
        if _truthy(func.call(scope, _hof_args(func, item, i, arr))):
            result.append(item)
    return result


def _fn_reduce(scope: Scope, sequence: Any, func: Any, init: Any = _U) -> Any:
    if sequence is _U:
        return _U
    arity = len(func.params)
    if arity < 2:
        raise JException("D3050", -1)
    if init is _U and sequence:
        result, index = sequence[0], 1
    else:
        result, index = init, 0
    while index < len(sequence):
        args = [result, sequence[index], index, sequence][: max(2, min(arity, 4))]
        result = func.call(scope, args)
        index += 1
    return result


def _fn_zip(scope: Scope, *arrays: Any) -> Any:
    length = min((len(a) if isinstance(a, list) else 0) for a in arrays)
    _check_items(length)
    return [[a[i] for a in arrays] for i in range(length)]


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def _fn_hash(scope: Scope, value: Any, algorithm: Any = _U) -> Any:
    # Step Functions' $hash: only the plain case here; anything else as the full evaluator does it.
    if type(value) is not str or type(algorithm) is not str or algorithm not in _HASHES:
        raise Fallback()
    return hashlib.new(_HASHES[algorithm], value.encode()).hexdigest()


def _fn_parse(scope: Scope, text: Any) -> Any:
    # Step Functions' $parse of a JSON text; anything else (errors included) as the full evaluator.
    if type(text) is not str:
        raise Fallback()
    try:
        value = bounds.load_json(text)
    except (ValueError, bounds.BoundExceeded):
        raise Fallback() from None
    return 0 if type(value) is float and value == 0 else value


# name -> (jsonata-js signature, or None for Step Functions' own extras; implementation)
_BUILTINS: dict[str, tuple[str | None, _Impl]] = {
    "exists": ("<x:b>", _fn_exists),
    "type": ("<x:s>", _fn_type),
    "lookup": ("<x-s:x>", _fn_lookup),
    "error": ("<s?:x>", _fn_error),
    "count": ("<a:n>", _fn_count),
    "boolean": ("<x-:b>", _fn_boolean),
    "not": ("<x-:b>", _fn_not),
    "string": ("<x-b?:s>", _fn_string),
    "number": ("<(nsb)-:n>", _fn_number),
    "floor": ("<n-:n>", _fn_floor),
    "ceil": ("<n-:n>", _fn_ceil),
    "abs": ("<n-:n>", _fn_abs),
    "round": ("<n-n?:n>", _fn_round),
    "length": ("<s-:n>", _fn_length),
    "substring": ("<s-nn?:s>", _fn_substring),
    "substringBefore": ("<s-s:s>", _fn_substring_before),
    "substringAfter": ("<s-s:s>", _fn_substring_after),
    "uppercase": ("<s-:s>", _fn_uppercase),
    "lowercase": ("<s-:s>", _fn_lowercase),
    "contains": ("<s-(sf):b>", _fn_contains),
    "replace": ("<s-(sf)(sf)n?:s>", _fn_replace),
    "join": ("<a<s>s?:s>", _fn_join),
    "sum": ("<a<n>:n>", _fn_sum),
    "max": ("<a<n>:n>", _fn_max),
    "min": ("<a<n>:n>", _fn_min),
    "append": ("<xx:a>", _fn_append),
    "keys": ("<x-:a<s>>", _fn_keys),
    "merge": ("<a<o>:o>", _fn_merge),
    "reverse": ("<a:a>", _fn_reverse),
    "map": ("<af>", _fn_map),
    "filter": ("<af>", _fn_filter),
    "reduce": ("<afj?:j>", _fn_reduce),
    "zip": ("<a+>", _fn_zip),
    "hash": (None, _fn_hash),
    "parse": (None, _fn_parse),
}
_SIGNATURES = {name: _Signature(name, sig) for name, (sig, _) in _BUILTINS.items() if sig is not None}
# Every function name jsonata-js and Step Functions define: referenced as a value (not called),
# the expression goes to the full evaluator.
_FUNCTION_NAMES = frozenset(_BUILTINS) | frozenset(
    (
        *("sum", "count", "max", "min", "average", "string", "substring", "substringBefore"),
        *("substringAfter", "lowercase", "uppercase", "length", "trim", "pad", "match", "contains"),
        *("replace", "split", "join", "formatNumber", "formatBase", "formatInteger", "parseInteger"),
        *("number", "floor", "ceil", "round", "abs", "sqrt", "power", "random", "boolean", "not"),
        *("map", "zip", "filter", "single", "reduce", "sift", "keys", "lookup", "append", "exists"),
        *("spread", "merge", "reverse", "each", "error", "assert", "type", "sort", "shuffle"),
        *("distinct", "base64encode", "base64decode", "encodeUrlComponent", "encodeUrl"),
        *("decodeUrlComponent", "decodeUrl", "eval", "toMillis", "fromMillis", "clone", "now"),
        *("millis", "partition", "range", "hash", "uuid", "parse"),
    )
)
# Bound by the engine per evaluation to its clock: left to the full evaluator.
_SHADOWED_BY_ENGINE = frozenset({"now", "millis"})


# --- the compiler --------------------------------------------------------------------------------

_UNSUPPORTED_FLAGS = (
    "keep_array",
    "keep_singleton_array",
    "consarray",
    "tuple",
    "focus",
    "index",
    "group",
    "ancestor",
    "seeking_parent",
)


def compile_program(ast: Any) -> Program | None:
    """The closures for a parsed expression (jsonata-python's AST), or None if any node is not
    handled here."""
    compiler = _Compiler()
    try:
        compiler.bound = _bound_names(ast, 0)
        node = compiler.node(ast, 0)
        return Program(node, frozenset(compiler.functions), compiler.defines_functions)
    except (_NotCompiled, RecursionError):
        return None


def _children(node: Any) -> list[Any]:
    out: list[Any] = []
    for attr in ("lhs", "rhs", "expression", "condition", "then", "_else", "procedure", "body"):
        child = getattr(node, attr, None)
        if child is not None and not isinstance(child, list):
            out.append(child)
    for attr in ("steps", "expressions", "arguments", "predicate", "stages"):
        out.extend(getattr(node, attr, None) or [])
    for pair in getattr(node, "lhs_object", None) or []:
        out.extend(pair)
    expr = getattr(node, "expr", None)
    if expr is not None:
        out.append(expr)
    return out


def _bound_names(node: Any, depth: int) -> set[str]:
    """Every variable some `:=` of the expression binds."""
    if depth > MAX_DEPTH:
        raise _NotCompiled()
    names: set[str] = set()
    if getattr(node, "type", None) == "lambda":
        names |= {str(p.value) for p in node.arguments}
    if getattr(node, "type", None) == "bind":
        lhs = node.lhs
        if getattr(lhs, "type", None) != "variable":
            raise _NotCompiled()
        names.add(str(lhs.value))
    for child in _children(node):
        names |= _bound_names(child, depth + 1)
    return names


class _Compiler:
    def __init__(self) -> None:
        self.bound: set[str] = set()  # variables some `:=` binds
        self.functions: set[str] = set()  # built-ins called
        self.defines_functions = False

    def node(self, expr: Any, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise _NotCompiled()
        for flag in _UNSUPPORTED_FLAGS:
            if getattr(expr, flag, None):
                raise _NotCompiled()
        kind = expr.type
        method = getattr(self, "_" + kind, None) if isinstance(kind, str) else None
        if method is None:
            raise _NotCompiled()
        compiled: Node = method(expr, depth + 1)
        predicates = getattr(expr, "predicate", None)
        if predicates and kind != "path":
            compiled = self._with_filters(compiled, predicates, depth + 1)
        if kind == "unary" and expr.value in "[{" and not predicates and _constant(expr):
            return _folded(compiled)
        return compiled

    # literals

    def _string(self, expr: Any, depth: int) -> Node:
        value = str(expr.value)
        return lambda _input, _scope: value

    def _number(self, expr: Any, depth: int) -> Node:
        value = expr.value
        if type(value) not in (int, float) or not math.isfinite(value):
            raise _NotCompiled()
        return lambda _input, _scope: value

    def _value(self, expr: Any, depth: int) -> Node:
        value = expr.value
        if value is not None and type(value) is not bool:
            raise _NotCompiled()
        return lambda _input, _scope: value

    # variables and paths

    def _variable(self, expr: Any, depth: int) -> Node:
        name = str(expr.value)
        if name == "":
            return lambda input, _scope: input
        if name in _FUNCTION_NAMES and name not in self.bound:
            raise _NotCompiled()  # a function as a value
        if name in self.bound:
            return lambda _input, scope: _collapse(scope.lookup(name))
        if name == "states":
            return lambda _input, scope: scope.states()
        return lambda _input, scope: _collapse(scope.global_value(name))

    def _name(self, expr: Any, depth: int) -> Node:
        key = str(expr.value)
        if key in _INHERITED:

            def inherited_name(input: Any, scope: Scope) -> Any:
                if type(input) is dict:
                    return _get(input, key)
                return _collapse(_lookup(scope, input, key))

            return inherited_name

        def name(input: Any, scope: Scope) -> Any:
            if type(input) is dict:
                return input.get(key, _U)
            return _collapse(_lookup(scope, input, key))

        return name

    def _path(self, expr: Any, depth: int) -> Node:
        steps = list(expr.steps)
        compiled: list[tuple[Node, list[Node], bool]] = []
        for index, step in enumerate(steps):
            if step.type in ("wildcard", "descendant", "parent", "sort", "regex"):
                raise _NotCompiled()
            stages = [self._filter_expr(stage, depth) for stage in (getattr(step, "stages", None) or [])]
            compiled.append((self.node(step, depth), stages, index == len(steps) - 1))
        first_is_variable = steps[0].type == "variable"

        # The common shape `$x.a.b` (a variable, then names, no filters) walks objects directly.
        if first_is_variable and all(s.type == "name" and not getattr(s, "stages", None) for s in steps[1:]):
            head = compiled[0][0]
            keys = [str(s.value) for s in steps[1:]]
            if any(k in _INHERITED for k in keys):
                return self._general_path(compiled, first_is_variable)
            general = self._general_path(compiled, first_is_variable)

            def simple_path(input: Any, scope: Scope) -> Any:
                value = head(input, scope)
                for key in keys:
                    if type(value) is dict:
                        value = value.get(key, _U)
                        if value is _U:
                            return _U
                    elif isinstance(value, list):
                        return general(input, scope)
                    else:
                        return _U
                if type(value) is Seq:
                    return general(input, scope)
                return value  # a path to a JSON array is the array itself

            return simple_path
        return self._general_path(compiled, first_is_variable)

    def _general_path(self, compiled: list[tuple[Node, list[Node], bool]], first_is_variable: bool) -> Node:
        def path(input: Any, scope: Scope) -> Any:
            if isinstance(input, list) and not first_is_variable:
                sequence: list[Any] = input
            else:
                sequence = [input]
            result: Any = _U
            for step, stages, last in compiled:
                result = _step(scope, step, stages, sequence, last)
                if not result:
                    break
                sequence = result
            return _collapse(result) if isinstance(result, list) else result

        return path

    def _filter_expr(self, stage: Any, depth: int) -> Node:
        if getattr(stage, "type", None) != "filter" or getattr(stage, "expr", None) is None:
            raise _NotCompiled()
        predicate = stage.expr
        if predicate.type == "number":
            index = math.floor(predicate.value)
            return lambda input, scope: _index_filter(input, index)
        test = self.node(predicate, depth)
        return lambda input, scope: _general_filter(scope, test, input)

    def _with_filters(self, compiled: Node, predicates: Sequence[Any], depth: int) -> Node:
        filters = [self._filter_expr(p, depth) for p in predicates]

        def filtered(input: Any, scope: Scope) -> Any:
            result = compiled(input, scope)
            for f in filters:
                result = f(result, scope)
            return _collapse(result)

        return filtered

    # operators

    def _unary(self, expr: Any, depth: int) -> Node:
        op = expr.value
        if op == "-":
            operand = self.node(expr.expression, depth)

            def negate(input: Any, scope: Scope) -> Any:
                value = operand(input, scope)
                if value is _U:
                    return _U
                if _is_numeric(value):
                    return -float(value)  # -(0) is JavaScript's -0
                raise JException("D1002", -1, "-", value)

            return negate
        if op == "[":
            return self._array(expr, depth)
        if op == "{":
            return self._object(expr, depth)
        raise _NotCompiled()

    def _array(self, expr: Any, depth: int) -> Node:
        items = [
            (self.node(item, depth), item.type == "unary" and item.value == "[") for item in expr.expressions
        ]

        def array(input: Any, scope: Scope) -> Any:
            result: list[Any] = []
            for item, nested in items:
                value = item(input, scope)
                if value is _U:
                    continue
                if nested or not isinstance(value, list):
                    result.append(value)
                else:
                    result.extend(value)
                _check_items(len(result))
            return result

        return array

    def _object(self, expr: Any, depth: int) -> Node:
        pairs = [(self.node(k, depth), self.node(v, depth)) for k, v in expr.lhs_object]

        def obj(input: Any, scope: Scope) -> Any:
            if isinstance(input, list):
                if len(input) > 1:
                    raise Fallback()  # grouping over a sequence
                input = input[0] if input else _U
            keys: dict[str, int] = {}
            for index, (key_node, _) in enumerate(pairs):
                key = key_node(input, scope)
                if key is _U:
                    continue
                if type(key) is not str:
                    raise JException("T1003", -1, key)
                if key in keys:
                    if keys[key] != index:
                        raise JException("D1009", -1, key)
                    raise Fallback()
                keys[key] = index
            result: dict[str, Any] = {}
            for key, index in keys.items():
                value = pairs[index][1](input, scope)
                if value is not _U:
                    result[key] = value
            return result

        return obj

    def _binary(self, expr: Any, depth: int) -> Node:
        op = expr.value
        lhs = self.node(expr.lhs, depth)
        rhs = self.node(expr.rhs, depth)
        if op == "and":
            return lambda input, scope: _truthy(lhs(input, scope)) and _truthy(rhs(input, scope))
        if op == "or":
            return lambda input, scope: _truthy(lhs(input, scope)) or _truthy(rhs(input, scope))
        if op in _ARITHMETIC:
            fn = _ARITHMETIC[op]

            def arithmetic(input: Any, scope: Scope) -> Any:
                left = lhs(input, scope)
                right = rhs(input, scope)
                if left is not _U and not _is_numeric(left):
                    raise JException("T2001", -1, op, left)
                if right is not _U and not _is_numeric(right):
                    raise JException("T2002", -1, op, right)
                if left is _U or right is _U:
                    return _U
                return fn(float(left), float(right))

            return arithmetic
        if op == "=":

            def equal(input: Any, scope: Scope) -> Any:
                left = lhs(input, scope)
                right = rhs(input, scope)
                if type(left) is str and type(right) is str:
                    return left == right
                if left is _U or right is _U:
                    return False
                return _deep_equal(scope, left, right)

            return equal
        if op == "!=":

            def not_equal(input: Any, scope: Scope) -> Any:
                left = lhs(input, scope)
                right = rhs(input, scope)
                if left is _U or right is _U:
                    return False
                return not _deep_equal(scope, left, right)

            return not_equal
        if op in _COMPARISONS:
            compare = _COMPARISONS[op]

            def comparison(input: Any, scope: Scope) -> Any:
                left = lhs(input, scope)
                right = rhs(input, scope)
                lt, rt = type(left), type(right)
                lnum = lt is int or lt is float
                rnum = rt is int or rt is float
                lok = left is _U or lt is str or lnum
                rok = right is _U or rt is str or rnum
                if not lok or not rok:
                    raise JException("T2010", 0, op, left if not (lt is str or lnum) else right)
                if left is _U or right is _U:
                    return _U
                if lnum != rnum:
                    raise JException("T2009", 0, left, right, op)
                if not lnum and not (left.isascii() and right.isascii()):
                    # JavaScript compares strings by UTF-16 code units
                    return compare(utf16_units(left), utf16_units(right))
                return compare(left, right)

            return comparison
        if op == "&":

            def concat(input: Any, scope: Scope) -> Any:
                left = lhs(input, scope)
                right = rhs(input, scope)
                ltext = "" if left is _U else _string(scope, left)
                rtext = "" if right is _U else _string(scope, right)
                _check_chars(len(ltext) + len(rtext))
                return ltext + rtext

            return concat
        if op == "..":

            def range_(input: Any, scope: Scope) -> Any:
                return _range(lhs(input, scope), rhs(input, scope))

            return range_
        if op == "in":

            def includes(input: Any, scope: Scope) -> Any:
                left = lhs(input, scope)
                right = rhs(input, scope)
                if left is _U or right is _U:
                    return False
                if not isinstance(right, list):
                    return _strict_equal(right, left)
                for item in right:
                    scope.tick()
                    if _strict_equal(item, left):
                        return True
                return False

            return includes
        raise _NotCompiled()

    def _condition(self, expr: Any, depth: int) -> Node:
        test = self.node(expr.condition, depth)
        then = self.node(expr.then, depth)
        other = self.node(expr._else, depth) if getattr(expr, "_else", None) is not None else None

        def condition(input: Any, scope: Scope) -> Any:
            if _truthy(test(input, scope)):
                return then(input, scope)
            return other(input, scope) if other is not None else _U

        return condition

    def _block(self, expr: Any, depth: int) -> Node:
        body = [self.node(e, depth) for e in expr.expressions]
        binds = any(e.type == "bind" for e in expr.expressions) or any(
            _binds_here(e) for e in expr.expressions
        )
        if not binds:

            def plain_block(input: Any, scope: Scope) -> Any:
                result = _U
                for e in body:
                    result = e(input, scope)
                return result

            return plain_block

        def block(input: Any, scope: Scope) -> Any:
            frames = scope.frames
            frames.append({})
            try:
                result = _U
                for e in body:
                    result = e(input, scope)
                return result
            finally:
                frames.pop()

        return block

    def _pattern(self, expr: Any, depth: int) -> Node:
        """A regular expression literal, compiled as an argument of `$contains` or `$replace` only."""
        if expr.type != "regex":
            return self.node(expr, depth)
        if getattr(expr, "predicate", None) or type(expr.value) is not BoundedPattern:
            raise _NotCompiled()
        pattern = expr.value
        return lambda _input, _scope: pattern

    def _lambda(self, expr: Any, depth: int) -> Node:
        if getattr(expr, "thunk", None):
            # A call in tail position, which jsonata-js defers to run without growing its stack:
            # the same result as calling it here.
            return self.node(expr.body, depth)
        if getattr(expr, "signature", None) is not None:
            raise _NotCompiled()
        params = [str(p.value) for p in expr.arguments]
        body = self.node(expr.body, depth)
        self.defines_functions = True

        def define(input: Any, scope: Scope) -> Any:
            return Lambda(params, body, list(scope.frames), input)

        return define

    def _call_defined(self, procedure: Any, arguments: Sequence[Any], depth: int) -> Node:
        """A call of a variable the expression binds (to a function it defines, if not an error)."""
        function = self.node(procedure, depth)
        args = [self.node(a, depth) for a in arguments]

        def call_defined(input: Any, scope: Scope) -> Any:
            func = function(input, scope)
            values = [a(input, scope) for a in args]
            return _collapse(_apply(scope, func, values))

        return call_defined

    def _bind(self, expr: Any, depth: int) -> Node:
        name = str(expr.lhs.value)
        value_node = self.node(expr.rhs, depth)

        def bind(input: Any, scope: Scope) -> Any:
            value = value_node(input, scope)
            frames = scope.frames
            if frames:
                frames[-1][name] = value
            else:
                # A bind outside any block binds in the evaluation's own frame.
                frames.append({name: value})
            return value

        return bind

    def _function(self, expr: Any, depth: int) -> Node:
        procedure = expr.procedure
        if getattr(procedure, "type", None) != "variable" or getattr(procedure, "predicate", None):
            raise _NotCompiled()
        name = str(procedure.value)
        if name in self.bound:
            return self._call_defined(procedure, expr.arguments, depth)
        if name not in _BUILTINS:
            raise _NotCompiled()
        signature = _SIGNATURES.get(name)
        impl = _BUILTINS[name][1]
        args = [
            self._pattern(a, depth) if name in ("contains", "replace") and index == 1 else self.node(a, depth)
            for index, a in enumerate(expr.arguments)
        ]
        self.functions.add(name)
        if signature is None:

            def extra(input: Any, scope: Scope) -> Any:
                values = [a(input, scope) for a in args]
                if any(v is _U for v in values):
                    raise Fallback()
                return _collapse(impl(scope, *values))

            return extra
        validate = signature.validate
        if len(args) == 1:
            [only] = args
            passing_one = signature.passing_one

            def call1(input: Any, scope: Scope) -> Any:
                value = only(input, scope)
                kind = type(value)
                if kind in passing_one:
                    result = impl(scope, value)
                else:
                    supplied = [value]
                    checked = validate(supplied, input)
                    if checked is supplied and kind in _PLAIN_TYPES:  # passed unchanged
                        passing_one.add(kind)
                    result = impl(scope, *checked)
                return _collapse(result) if type(result) is Seq else result

            return call1
        if len(args) == 2:
            first, second = args
            passing_two = signature.passing_two

            def call2(input: Any, scope: Scope) -> Any:
                one, two = first(input, scope), second(input, scope)
                kinds = (type(one), type(two))
                if kinds in passing_two:
                    result = impl(scope, one, two)
                else:
                    supplied = [one, two]
                    checked = validate(supplied, input)
                    if checked is supplied and kinds[0] in _PLAIN_TYPES and kinds[1] in _PLAIN_TYPES:
                        passing_two.add(kinds)
                    result = impl(scope, *checked)
                return _collapse(result) if type(result) is Seq else result

            return call2

        def call(input: Any, scope: Scope) -> Any:
            result = impl(scope, *validate([a(input, scope) for a in args], input))
            return _collapse(result) if type(result) is Seq else result

        return call


def _constant(expr: Any) -> bool:
    """An array or object constructor of literals only: the same value on every evaluation."""
    kind = getattr(expr, "type", None)
    if any(getattr(expr, flag, None) for flag in _UNSUPPORTED_FLAGS) or getattr(expr, "predicate", None):
        return False
    if kind in ("string", "number", "value"):
        return True
    if kind == "unary" and expr.value == "[":
        return all(_constant(item) for item in expr.expressions)
    if kind == "unary" and expr.value == "{":
        return all(k.type == "string" and _constant(v) for k, v in expr.lhs_object)
    return False


def _folded(compiled: Node) -> Node:
    """A constant constructor built once. Nothing here changes a value in place, and the engine
    copies every result it keeps, so the one value can be shared by every evaluation."""
    scope = Scope.__new__(Scope)
    scope.frames, scope.ticks, scope.deadline = [], 0, math.inf
    scope.cancelled = _never
    try:
        value = compiled(_U, scope)
    except Exception:  # it fails every time: let each evaluation report it
        return compiled
    _register_folded(value)
    return lambda _input, _scope: value


# The lists and objects of folded constants, by id(), each with its measure within the payload
# limit (`bounds.json_measure`). Evaluations return them unchanged every time, so the engine
# need not measure them again before copying (`folded_measure`). Each entry holds its object,
# so the id cannot be reused while the entry exists.
_FOLDED: dict[int, tuple[Any, tuple[int, int]]] = {}
_FOLDED_PARTS = 64  # a larger constant is measured on each evaluation, as any result is
_FOLDED_ENTRIES = 65536


def folded_measure(value: Any) -> tuple[int, int] | None:
    """The measure of `value` if it is a list or object of a folded constant, else None."""
    entry = _FOLDED.get(id(value))
    if entry is not None and entry[0] is value:
        return entry[1]
    return None


def _register_folded(value: Any) -> None:
    parts: list[Any] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            parts.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            parts.append(item)
            stack.extend(item)
        if len(parts) > _FOLDED_PARTS:
            return
    try:
        measures = [bounds.json_measure(part, max_chars=MAX_PAYLOAD_BYTES) for part in parts]
    except bounds.BoundExceeded:
        return  # too large or too deep: each evaluation refuses it
    if len(_FOLDED) + len(parts) > _FOLDED_ENTRIES:
        _FOLDED.clear()
    for part, measure in zip(parts, measures, strict=True):
        _FOLDED[id(part)] = (part, measure)


def _never() -> bool:
    return False


def _apply(scope: Scope, func: Any, args: list[Any]) -> Any:
    if type(func) is not Lambda:
        raise JException("T1006", -1)
    return func.call(scope, args)


def _binds_here(expr: Any) -> bool:
    """Whether evaluating `expr` may bind a variable in the enclosing block's frame."""
    if getattr(expr, "type", None) in ("block", "lambda"):
        return False  # its own frame
    if getattr(expr, "type", None) == "bind":
        return True
    return any(_binds_here(c) for c in _children(expr))


def _index_filter(input: Any, index: int) -> Any:
    """`x[n]` with a literal number: the n-th item (from the end when negative)."""
    if not isinstance(input, list):
        input = [input]
    i = index + len(input) if index < 0 else index
    results = Seq()
    if 0 <= i < len(input):
        item = input[i]
        if item is _U:
            return results
        if isinstance(item, list):
            return item
        results.append(item)
    return results


def _general_filter(scope: Scope, test: Node, input: Any) -> Any:
    if not isinstance(input, list):
        input = [input]
    results = Seq()
    size = len(input)
    for index, item in enumerate(input):
        scope.tick()
        res = test(item, scope)
        if _is_numeric(res):
            res = [res]
        if isinstance(res, list) and all(type(r) is int or type(r) is float for r in res):
            for r in res:
                if not math.isfinite(r):
                    continue
                i = math.floor(r)
                if i < 0:
                    i += size
                if i == index:
                    results.append(item)
        elif _truthy(res):
            results.append(item)
    return results


def _step(scope: Scope, step: Node, stages: list[Node], sequence: list[Any], last: bool) -> list[Any]:
    """jsonata-js's evaluateStep: the step on each item, filtered, flattened one level."""
    result: list[Any] = []
    for item in sequence:
        scope.tick()
        res = step(item, scope)
        for stage in stages:
            res = stage(res, scope)
        if res is not _U:
            result.append(res)
    if last and len(result) == 1 and isinstance(result[0], list) and type(result[0]) is not Seq:
        return result[0]  # type: ignore[no-any-return]
    out = Seq()
    for res in result:
        if isinstance(res, list):
            out.extend(res)
        else:
            out.append(res)
    _check_items(len(out))
    return out


def _is_integer(value: Any) -> bool:
    """JavaScript's Number.isInteger."""
    return type(value) is int or (type(value) is float and math.isfinite(value) and value.is_integer())


def _range(lhs: Any, rhs: Any) -> Any:
    """`[a..b]`: jsonata-js's checks and its D2014 past ten million items, then the build bound."""
    if lhs is not _U and not _is_integer(lhs):
        raise JException("T2003", -1, lhs)
    if rhs is not _U and not _is_integer(rhs):
        raise JException("T2004", -1, rhs)
    if lhs is _U or rhs is _U or lhs > rhs:
        return _U
    first, last = int(lhs), int(rhs)
    size = last - first + 1
    if size > 1e7:
        raise JException("D2014", -1, size)
    if size > bounds.MAX_BUILD:
        raise bounds.too_large(f"the range [{first}..{last}]", size, "items")
    return Seq(range(first, last + 1))


def _divide(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _remainder(a: float, b: float) -> float:
    if b == 0 or math.isinf(a):
        return math.nan
    if math.isinf(b):
        return a
    return math.fmod(a, b)


_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _divide,
    "%": _remainder,
}
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}
