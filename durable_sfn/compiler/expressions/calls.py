"""Calls inside expressions: the supported builtins, string/dict methods, timedelta, and the
non-awaited ctx members. Everything else is rejected with a hint naming the deterministic or
activity-based alternative."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable

from durable_sfn.compiler.expressions import generators, keys, sequences
from durable_sfn.compiler.expressions.core import TranslatorCore
from durable_sfn.compiler.expressions.runtime import (
    as_number,
    block,
    copy_method,
    datetime_method,
    datetime_text,
    dict_method,
    is_numeric,
    py_abs,
    py_any_all,
    py_dict,
    py_float,
    py_fromisoformat,
    py_int,
    py_iter,
    py_join,
    py_json_loads,
    py_len,
    py_minmax,
    py_round,
    py_sum,
    raise_,
    str_method,
)
from durable_sfn.compiler.expressions.text import append_chain, join, singleton_list, truthy
from durable_sfn.compiler.ir import Expr, Ty

DETERMINISM_HINT = "use ctx.current_utc_datetime: the orchestrator must be deterministic"
UUID_HINT = "use ctx.new_uuid(): the orchestrator must be deterministic"
IO_HINT = "move I/O and other side effects into an activity and call it with ctx.call_activity"
BUILTINS = "len, sum, min, max, any, all, str, int, float, bool, round, abs, sorted, list, dict, timedelta"

NONDETERMINISTIC = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "monotonic"),
    ("time", "sleep"),
    ("time", "perf_counter"),
}
IO_CALLS = {"open", "print", "input", "exec", "eval", "compile", "__import__", "globals", "locals"}

# Seconds per unit of each `timedelta` keyword the compiler accepts.
TIMEDELTA_UNITS = {
    "weeks": 604800,
    "days": 86400,
    "hours": 3600,
    "minutes": 60,
    "seconds": 1,
    "milliseconds": 0.001,
}

AWAITED_CTX = {
    "call_activity",
    "call_activity_with_retry",
    "call_sub_orchestrator",
    "call_sub_orchestrator_with_retry",
    "call_entity",
    "call_http",
    "create_timer",
    "wait_for_external_event",
    "task_all",
    "task_any",
}


class CallRules(TranslatorCore):
    """`visit_Call`: every call inside an expression goes through `translate_call`."""

    def visit_Call(self, node: ast.Call) -> Expr:
        return translate_call(self, node)


def translate_call(t: TranslatorCore, node: ast.Call) -> Expr:
    func = node.func
    if node.args and isinstance(node.args[0], ast.GeneratorExp):
        if (
            isinstance(func, ast.Name)
            and func.id in ("any", "all")
            and len(node.args) == 1
            and not node.keywords
        ):
            return generators.short_circuit(t, node.args[0], func.id == "any")
        node = generators.as_list(node)
    if isinstance(func, ast.Name):
        return _name_call(t, node, func.id)
    if isinstance(func, ast.Attribute):
        base = func.value
        if isinstance(base, ast.Name):
            if base.id == t.env.ctx_name:
                return _ctx_call(t, node, func.attr)
            module_call = _module_call(t, node, base.id, func.attr)
            if module_call is not None:
                return module_call
        if isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name):
            if (base.attr, func.attr) in NONDETERMINISTIC:
                return t.fail(
                    node, "DSF003", f"{base.attr}.{func.attr}() is not deterministic", DETERMINISM_HINT
                )
            if base.value.id == "datetime" and base.attr == "timedelta":
                pass
        return _method_call(t, node, func.attr)
    return t.fail(node, "DSF004", "only named functions can be called", "")


# Methods only a datetime has: the hint says what a datetime supports.
_DATETIME_ONLY = {"strftime", "weekday", "isoweekday", "timestamp", "date", "astimezone", "timetuple"}
DATETIME_HINT = (
    "a datetime supports comparisons, timedelta arithmetic, isoformat(), .year to .microsecond, "
    "weekday(), isoweekday() and timestamp(): now.isoformat()[:10] is the date (YYYY-MM-DD)"
)


def is_datetime(t: TranslatorCore, node: ast.expr) -> bool:
    """Whether `node` is a datetime the compiler knows without translating it again:
    ctx.current_utc_datetime or a variable holding a datetime."""
    if isinstance(node, ast.Name):
        return t.env.variables.get(node.id) is Ty.DATETIME
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "current_utc_datetime"
        and isinstance(node.value, ast.Name)
        and node.value.id == t.env.ctx_name
    )


# `dict(zip(keys, values))`, `list(enumerate(xs))`: what each loop source becomes as a value.
_LOOP_SOURCE_HINTS = {
    "range": "",
    "zip": "loop over it: {k: v for k, v in zip(keys, values)}, [[a, b] for a, b in zip(xs, ys)]",
    "enumerate": "loop over it: [[i, x] for i, x in enumerate(xs)], or for i, x in enumerate(xs):",
}


# What works instead of an argument the compiled form does not take.
_ARITY_HINTS = {
    "strip": "only s.strip() (whitespace) is compiled; strip other characters in an activity",
    "lstrip": "only s.lstrip() (whitespace) is compiled; strip other characters in an activity",
    "rstrip": "only s.rstrip() (whitespace) is compiled; strip other characters in an activity",
    "split": "maxsplit is not compiled: parts = s.split(sep), then parts[0] and sep.join(parts[1:])",
}


def _args(t: TranslatorCore, node: ast.Call, lo: int, hi: int, name: str) -> list[Expr] | None:
    if node.keywords or not lo <= len(node.args) <= hi or any(isinstance(a, ast.Starred) for a in node.args):
        want = str(lo) if lo == hi else f"{lo} to {hi}"
        if node.keywords:
            keyword = node.keywords[0].arg
            hint = f"{name}() takes {want} positional argument(s) here"
            if name == "dict":
                hint = 'write the dict display: {"key": value, ...}'
            what = f"keyword argument {keyword!r}" if keyword else "**keyword arguments"
            t.fail(node, "DSF002", f"{name}() with {what} is not supported", hint)
            return None
        t.fail(
            node, "DSF002", f"{name}() takes {want} positional argument(s) here", _ARITY_HINTS.get(name, "")
        )
        return None
    return [t.translate(a) for a in node.args]


def _name_call(t: TranslatorCore, node: ast.Call, name: str) -> Expr:
    if t.env.inline_call is not None:
        inlined = t.env.inline_call(node)  # the module's own function shadows a builtin
        if inlined is not None:
            return inlined
    if name in IO_CALLS:
        return t.fail(node, "DSF004", f"{name}() is not allowed in an orchestrator", IO_HINT)
    if name == "timedelta":
        return timedelta_call(t, node)
    if name == "sorted":
        reverse = False
        key_node: ast.expr | None = None
        for kw in node.keywords:
            if (
                kw.arg == "reverse"
                and isinstance(kw.value, ast.Constant)
                and isinstance(kw.value.value, bool)
            ):
                reverse = kw.value.value
            elif kw.arg == "key":
                key_node = kw.value
            else:
                return t.fail(
                    node,
                    "DSF002",
                    "sorted() supports only key= and reverse=True/False",
                    "sort in an activity",
                )
        args = _args(t, _positional(node), 1, 1, name)
        if args is None:
            return Expr.raw("null")
        key = keys.key_function(t, key_node) if key_node is not None else None
        # A dict's keys are distinct: without a key function their order cannot change the result.
        return keys.keyed_sorted(py_iter(args[0], ordered=key is not None), reverse, key)
    if name in ("min", "max") and node.keywords:
        return _keyed_minmax(t, node, name)
    handlers: dict[str, Callable[[list[Expr]], Expr]] = {
        "len": lambda a: py_len(a[0]),
        "sum": lambda a: py_sum(py_iter(a[0], ordered=False)),
        "min": lambda a: py_minmax(_items(a), is_max=False),
        "max": lambda a: py_minmax(_items(a), is_max=True),
        "any": lambda a: py_any_all(py_iter(a[0], ordered=False), is_any=True),
        "all": lambda a: py_any_all(py_iter(a[0], ordered=False), is_any=False),
        "str": lambda a: t.str_of(a[0]) if a else Expr.literal(""),
        "int": lambda a: py_int(a[0]) if a else Expr.literal(0),
        "float": lambda a: py_float(a[0]) if a else Expr.literal(0.0),
        "bool": lambda a: truthy(a[0]) if a else Expr.literal(False),
        "round": lambda a: py_round(a[0], a[1] if len(a) > 1 else None),
        "abs": lambda a: py_abs(a[0]),
        "list": lambda a: py_iter(a[0]) if a else Expr.literal([]),
        "dict": lambda a: py_dict(a[0]) if a else Expr.literal({}),
    }
    arity = {
        "min": (1, 8),
        "max": (1, 8),
        "round": (1, 2),
        "str": (0, 1),
        "int": (0, 1),
        "float": (0, 1),
        "bool": (0, 1),
        "list": (0, 1),
        "dict": (0, 1),
    }
    if name in handlers:
        lo, hi = arity.get(name, (1, 1))
        args = _args(t, node, lo, hi, name)
        if args is None:
            return Expr.raw("null")
        if name == "str" and args and args[0].ty in (Ty.LIST, Ty.DICT):
            return t.repr_refused(node)
        return handlers[name](args)
    if name in ("range", "enumerate", "zip"):
        return t.fail(
            node,
            "DSF002",
            f"{name}() is only supported as the iterable of a for loop or comprehension"
            if name == "range"
            else f"{name}() is not supported",
            _LOOP_SOURCE_HINTS[name],
        )
    if name in ("datetime", "date"):
        return t.fail(
            node,
            "DSF002",
            f"{name}(...) literals are not supported",
            "compute times from ctx.current_utc_datetime and timedelta, or pass them in the input",
        )
    return t.fail(
        node,
        "DSF004",
        f"call to '{name}' cannot be compiled: an orchestrator can only call ctx operations and the builtins",
        f"move the logic into an activity and call it with ctx.call_activity; builtins: {BUILTINS}",
    )


def _positional(node: ast.Call) -> ast.Call:
    """`node` without its keyword arguments (read apart)."""
    return ast.Call(
        func=node.func, args=node.args, keywords=[], lineno=node.lineno, col_offset=node.col_offset
    )


def _keyed_minmax(t: TranslatorCore, node: ast.Call, name: str) -> Expr:
    """`min`/`max` with `key=` and/or `default=`."""
    given = {kw.arg: kw.value for kw in node.keywords}
    if None in given or not set(given) <= {"key", "default"}:
        unknown = next(k for k in given if k not in ("key", "default"))
        what = f"keyword argument {unknown!r}" if unknown else "**keyword arguments"
        return t.fail(node, "DSF002", f"{name}() with {what} is not supported", "use key= and default=")
    if "default" in given and len(node.args) != 1:
        return t.fail(
            node,
            "DSF002",
            f"{name}() cannot take a default with several positional arguments (Python raises TypeError)",
            f"pass one iterable: {name}([a, b], default=0)",
        )
    args = _args(t, _positional(node), 1, 8, name)
    if args is None:
        return Expr.raw("null")
    key_node = given.get("key")
    key = keys.key_function(t, key_node) if key_node is not None else None
    default = t.translate(given["default"]) if "default" in given else None
    return keys.keyed_minmax(_items(args), name == "max", key, default, name)


def _items(args: list[Expr]) -> Expr:
    """What min()/max() compare: the items of one iterable argument, or the arguments."""
    if len(args) == 1:
        return py_iter(args[0])
    return append_chain([singleton_list(a) for a in args])


# Python's timedelta holds at most 999999999 days (and whole microseconds).
_TIMEDELTA_MAX_SECONDS = 86400 * 1_000_000_000


def timedelta_call(t: TranslatorCore, node: ast.Call) -> Expr:
    """`timedelta(hours=1, minutes=30)` -> seconds (a constant when every argument is)."""
    pieces: list[tuple[float, Expr]] = []
    positional = ["days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"]
    for i, arg in enumerate(node.args):
        pieces.append((TIMEDELTA_UNITS.get(positional[i], 0) if i < len(positional) else 0, t.translate(arg)))
    for kw in node.keywords:
        if kw.arg not in TIMEDELTA_UNITS:
            return t.fail(
                node,
                "DSF002",
                f"timedelta({kw.arg}=...) is not supported",
                "use weeks, days, hours, minutes, seconds or milliseconds",
            )
        pieces.append((TIMEDELTA_UNITS[kw.arg], t.translate(kw.value)))
    if all(e.is_const and isinstance(e.const, int | float) for _, e in pieces):
        total = round(sum(f * e.const for f, e in pieces) * 1_000_000) / 1_000_000
        if abs(total) >= _TIMEDELTA_MAX_SECONDS:
            return t.fail(node, "DSF002", "timedelta beyond 999999999 days (Python raises OverflowError)")
        value = int(total) if float(total).is_integer() else total
        return Expr((json.dumps(value),), Ty.TIMEDELTA, const=value)
    items: list[str | Expr] = []
    for i, (factor, e) in enumerate(pieces):
        number = e if is_numeric(e.ty) else _timedelta_argument(e)
        items += ([" + "] if i else []) + [as_number(number), f" * {factor:g}" if factor != 1 else ""]
    if not items:
        return Expr((json.dumps(0),), Ty.TIMEDELTA, const=0)
    return block(
        [("$__td", join("$round((", *items, ") * 1000000) / 1000000"))],
        f"$abs($__td) >= {_TIMEDELTA_MAX_SECONDS} ? ",
        raise_("OverflowError", "days must be in -999999999..999999999"),
        " : $__td",
        ty=Ty.TIMEDELTA,
    )


def _timedelta_argument(e: Expr) -> Expr:
    return block(
        [("$__a", e)],
        "$type($__a) in ['number', 'boolean'] ? $number($__a) : ",
        raise_("TypeError", "unsupported type for timedelta component"),
        ty=Ty.NUM,
    )


def _ctx_call(t: TranslatorCore, node: ast.Call, attr: str) -> Expr:
    if attr == "new_uuid":
        return Expr.raw("$uuid()", Ty.STR)
    if attr == "get_input":
        return Expr.raw("$states.context.Execution.Input")
    if attr in AWAITED_CTX:
        return t.fail(
            node,
            "DSF016",
            f"ctx.{attr}(...) must be awaited as a whole statement",
            f"write `x = await ctx.{attr}(...)` on its own line",
        )
    if attr in ("s3_items", "s3_objects"):
        return t.fail(
            node,
            "DSF002",
            f"ctx.{attr}(...) is read only as the iterable of a task_all comprehension",
            f"write it in the comprehension: await ctx.task_all([... for x in ctx.{attr}(...)])",
        )
    return t.fail(node, "DSF002", f"ctx.{attr}() cannot be used in an expression", "")


def _module_call(t: TranslatorCore, node: ast.Call, module: str, attr: str) -> Expr | None:
    if (module, attr) in NONDETERMINISTIC:
        if (module, attr) == ("time", "sleep"):
            return t.fail(
                node,
                "DSF005",
                "time.sleep() blocks instead of waiting durably",
                "use `await ctx.create_timer(timedelta(seconds=...))`",
            )
        return t.fail(node, "DSF003", f"{module}.{attr}() is not deterministic", DETERMINISM_HINT)
    if module in ("random", "secrets") or (module == "uuid" and attr.startswith("uuid")):
        return t.fail(node, "DSF003", f"{module}.{attr}() is not deterministic", UUID_HINT)
    if module in ("os", "sys", "subprocess", "requests", "boto3", "urllib", "socket", "httpx", "logging"):
        return t.fail(node, "DSF004", f"{module}.{attr}() is not allowed in an orchestrator", IO_HINT)
    if module == "datetime" and attr == "timedelta":
        return timedelta_call(t, node)
    if module == "json" and attr == "loads" and len(node.args) == 1 and not node.keywords:
        # e.g. json.loads(e.cause)["errorMessage"]: the message of an activity's Lambda error.
        return py_json_loads(t.translate(node.args[0]))
    if module == "datetime" and attr == "fromisoformat" and len(node.args) == 1:
        return py_fromisoformat(t.translate(node.args[0]))
    if module == "asyncio":
        return t.fail(
            node,
            "DSF005",
            f"asyncio.{attr}() is not supported in an orchestrator",
            "use ctx.task_all for concurrency and ctx.create_timer for waiting",
        )
    return None


# Methods and how many positional arguments each takes.
_METHOD_ARITY = {
    "upper": (0, 0),
    "lower": (0, 0),
    "strip": (0, 0),
    "lstrip": (0, 0),
    "rstrip": (0, 0),
    "startswith": (1, 1),
    "endswith": (1, 1),
    "split": (0, 1),
    "replace": (2, 2),
    "count": (1, 1),
    "get": (1, 2),
    "keys": (0, 0),
    "values": (0, 0),
    "items": (0, 0),
    "copy": (0, 0),
    "isoformat": (0, 0),
    "total_seconds": (0, 0),
    "weekday": (0, 0),
    "isoweekday": (0, 0),
    "timestamp": (0, 0),
}


def _method_call(t: TranslatorCore, node: ast.Call, attr: str) -> Expr:
    assert isinstance(node.func, ast.Attribute)
    obj_node = node.func.value
    if attr == "join" and isinstance(obj_node, ast.Constant | ast.JoinedStr | ast.Name):
        sep = t.translate(obj_node)
        args = _args(t, node, 1, 1, "join")
        if args is None:
            return Expr.raw("null")
        return py_join(sep, args[0])
    if attr in ("title", "isdigit"):
        obj = t.translate(obj_node)
        if _args(t, node, 0, 0, attr) is None:
            return Expr.raw("null")
        return sequences.str_title(obj) if attr == "title" else sequences.str_isdigit(obj)
    if attr == "format" and isinstance(obj_node, ast.Constant) and isinstance(obj_node.value, str):
        formatted = sequences.format_as_fstring(node)
        if isinstance(formatted, str):
            return t.fail(node, "DSF002", f"{formatted} is not supported", "write the f-string it stands for")
        return t.translate(formatted)
    if attr in _METHOD_ARITY:
        obj = t.translate(obj_node)
        lo, hi = _METHOD_ARITY[attr]
        args = _args(t, node, lo, hi, attr)
        if args is None:
            return Expr.raw("null")
        if attr in ("isoformat", "total_seconds", "weekday", "isoweekday", "timestamp"):
            kind = Ty.TIMEDELTA if attr == "total_seconds" else Ty.DATETIME
            if obj.ty is not kind:
                return t.fail(
                    node,
                    "DSF002",
                    f".{attr}() needs a {kind.value} the compiler knows as one",
                    "ctx.current_utc_datetime, datetime.fromisoformat(...) and timedelta(...) are known",
                )
            if attr == "isoformat":
                return datetime_text(obj, "T")
            if attr != "total_seconds":
                return datetime_method(obj, attr)
            return Expr(obj.parts, Ty.FLOAT, time_dependent=obj.time_dependent)
        if attr == "copy":
            return copy_method(obj)
        tuple_arg = bool(node.args) and isinstance(node.args[0], ast.Tuple)
        found = str_method(obj, attr, args, tuple_arg) or dict_method(obj, attr, args)
        assert found is not None
        return found
    if attr in ("append", "extend", "update", "pop", "insert", "remove", "clear", "setdefault"):
        return t.fail(
            node,
            "DSF002",
            f".{attr}() changes a value in place, which is only supported as "
            "`xs.append(v)`, `xs.extend(vs)` or `d.update(e)` statements",
            "",
        )
    if attr in ("cancel", "get_result"):
        return t.fail(
            node,
            "DSF004",
            f"method .{attr}() of a task that no task_any race holds cannot be compiled",
            "create the tasks without await in the block of the race, then "
            "`winner = await ctx.task_any([t1, t2])`; after it, t1.get_result(), t1.result and t2.cancel() work",
        )
    if attr in _DATETIME_ONLY or is_datetime(t, obj_node):
        return t.fail(node, "DSF004", f"method .{attr}() of a datetime cannot be compiled", DATETIME_HINT)
    return t.fail(
        node,
        "DSF004",
        f"method .{attr}() cannot be compiled",
        "supported methods: upper, lower, strip, title, isdigit, startswith, endswith, split, join, replace, "
        "count, format (of a literal), get, keys, values, items, copy, isoformat, total_seconds; "
        "move anything else into an activity",
    )
