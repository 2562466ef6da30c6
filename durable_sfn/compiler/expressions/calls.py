"""Calls inside expressions: the supported builtins, string/dict methods, timedelta, and the
non-awaited ctx members. Everything else is rejected with a hint naming the deterministic or
activity-based alternative."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable

from durable_sfn.compiler.expressions import generators
from durable_sfn.compiler.expressions.core import TranslatorCore
from durable_sfn.compiler.expressions.text import join, paren, truthy
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


def _args(t: TranslatorCore, node: ast.Call, lo: int, hi: int, name: str) -> list[Expr] | None:
    if node.keywords or not lo <= len(node.args) <= hi or any(isinstance(a, ast.Starred) for a in node.args):
        want = str(lo) if lo == hi else f"{lo} to {hi}"
        t.fail(node, "DSF002", f"{name}() takes {want} positional argument(s) here")
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
        for kw in node.keywords:
            if (
                kw.arg == "reverse"
                and isinstance(kw.value, ast.Constant)
                and isinstance(kw.value.value, bool)
            ):
                reverse = kw.value.value
            else:
                return t.fail(
                    node, "DSF002", "sorted() supports only reverse=True/False", "sort in an activity"
                )
        node = ast.Call(
            func=node.func, args=node.args, keywords=[], lineno=node.lineno, col_offset=node.col_offset
        )
        args = _args(t, node, 1, 1, name)
        if args is None:
            return Expr.raw("null")
        sorted_ = join("$sort(", args[0], ")", ty=Ty.LIST)
        return join("$reverse(", sorted_, ")", ty=Ty.LIST) if reverse else sorted_
    handlers: dict[str, Callable[[list[Expr]], Expr]] = {
        "len": _len,
        "sum": lambda a: join("$sum(", a[0], ")", ty=Ty.NUM),
        "min": lambda a: _minmax("$min", a),
        "max": lambda a: _minmax("$max", a),
        "any": lambda a: join(
            "(true in [$map(", a[0], ", function($__x) { ", truthy(Expr.raw("$__x")), " })])", ty=Ty.BOOL
        ),
        "all": lambda a: join(
            "$not(false in [$map(", a[0], ", function($__x) { ", truthy(Expr.raw("$__x")), " })])", ty=Ty.BOOL
        ),
        "str": lambda a: t.str_of(a[0]) if a else Expr.literal(""),
        "int": _int,
        "float": lambda a: join("$number(", a[0], ")", ty=Ty.NUM),
        "bool": lambda a: truthy(a[0]) if a else Expr.literal(False),
        "round": lambda a: (
            join("$round(", a[0], ")", ty=Ty.NUM)
            if len(a) == 1
            else join("$round(", a[0], ", ", a[1], ")", ty=Ty.NUM)
        ),
        "abs": lambda a: join("$abs(", a[0], ")", ty=Ty.NUM),
        "list": lambda a: a[0] if a else Expr.literal([]),
        "dict": lambda a: a[0] if a else Expr.literal({}),
    }
    arity = {
        "min": (1, 8),
        "max": (1, 8),
        "round": (1, 2),
        "str": (0, 1),
        "bool": (0, 1),
        "list": (0, 1),
        "dict": (0, 1),
    }
    if name in handlers:
        lo, hi = arity.get(name, (1, 1))
        args = _args(t, node, lo, hi, name)
        return Expr.raw("null") if args is None else handlers[name](args)
    if name in ("range", "enumerate", "zip"):
        return t.fail(
            node,
            "DSF002",
            f"{name}() is only supported as the iterable of a for loop or comprehension"
            if name == "range"
            else f"{name}() is not supported",
            "",
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


def _len(a: list[Expr]) -> Expr:
    v = a[0]
    if v.ty is Ty.STR:
        return join("$length(", v, ")", ty=Ty.NUM)
    if v.ty is Ty.LIST:
        return join("$count(", v, ")", ty=Ty.NUM)
    if v.ty is Ty.DICT:
        return join("$count($keys(", v, "))", ty=Ty.NUM)
    return join(
        "($__v := ",
        v,
        "; $type($__v) = 'string' ? $length($__v) : $type($__v) = 'object' ? "
        "$count($keys($__v)) : $count($__v))",
        ty=Ty.NUM,
    )


def _minmax(fn: str, a: list[Expr]) -> Expr:
    # `[x]` of an array variable is that array (JSONata flattens it); of a single value, a list of one.
    items: list[str | Expr] = []
    for i, e in enumerate(a):
        items += ([", "] if i else []) + [paren(e)]
    if len(a) > 1 and all(e.ty is Ty.NUM for e in a):
        return join(fn + "([", *items, "])", ty=Ty.NUM)
    # JSONata's $max/$min take numbers only; Python's also order strings (by code point, as $sort).
    pick = "[-1]" if fn == "$max" else "[0]"
    return join(
        "($__m := [",
        *items,
        "]; $type($__m[0]) = 'string' ? $sort($__m)" + pick + " : " + fn + "($__m))",
    )


def _int(a: list[Expr]) -> Expr:
    # int() truncates towards zero and parses numeric strings.
    return join("($__n := $number(", a[0], "); $__n < 0 ? $ceil($__n) : $floor($__n))", ty=Ty.NUM)


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
        total = sum(f * e.const for f, e in pieces)
        value = int(total) if float(total).is_integer() else total
        return Expr((json.dumps(value),), Ty.TIMEDELTA, const=value)
    items: list[str | Expr] = []
    for i, (factor, e) in enumerate(pieces):
        items += ([" + "] if i else []) + [paren(e), f" * {factor:g}" if factor != 1 else ""]
    return join("(", *items, ")", ty=Ty.TIMEDELTA) if items else Expr((json.dumps(0),), Ty.TIMEDELTA, const=0)


def _isoformat(value: Expr) -> Expr:
    """Python's `datetime.isoformat()` of an aware UTC datetime (`+00:00`, microseconds only when
    non-zero); a datetime value itself travels in Step Functions' form (`...000Z`)."""
    whole = "'[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01]+00:00'"
    fraction = "'[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001]000+00:00'"
    return join(
        "($__m := $toMillis(",
        value,
        f"); $fromMillis($__m, $__m % 1000 = 0 ? {whole} : {fraction}))",
        ty=Ty.STR,
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
        return join("$parse(", t.translate(node.args[0]), ")")
    if module == "datetime" and attr == "fromisoformat" and len(node.args) == 1:
        return Expr(t.translate(node.args[0]).parts, Ty.DATETIME)
    if module == "asyncio":
        return t.fail(
            node,
            "DSF005",
            f"asyncio.{attr}() is not supported in an orchestrator",
            "use ctx.task_all for concurrency and ctx.create_timer for waiting",
        )
    return None


def _method_call(t: TranslatorCore, node: ast.Call, attr: str) -> Expr:
    assert isinstance(node.func, ast.Attribute)
    obj_node = node.func.value
    if attr == "join" and isinstance(obj_node, ast.Constant | ast.JoinedStr | ast.Name):
        sep = t.translate(obj_node)
        args = _args(t, node, 1, 1, "join")
        if args is None:
            return Expr.raw("null")
        return join("$join(", args[0], ", ", sep, ")", ty=Ty.STR)
    obj = t.translate(obj_node)
    string_methods: dict[str, tuple[int, int, Callable[[list[Expr]], Expr]]] = {
        "upper": (0, 0, lambda a: join("$uppercase(", obj, ")", ty=Ty.STR)),
        "lower": (0, 0, lambda a: join("$lowercase(", obj, ")", ty=Ty.STR)),
        "strip": (0, 0, lambda a: join("$replace(", obj, ", /^\\s+|\\s+$/, '')", ty=Ty.STR)),
        "lstrip": (0, 0, lambda a: join("$replace(", obj, ", /^\\s+/, '')", ty=Ty.STR)),
        "rstrip": (0, 0, lambda a: join("$replace(", obj, ", /\\s+$/, '')", ty=Ty.STR)),
        "startswith": (
            1,
            1,
            lambda a: join(
                "($__s := ",
                obj,
                "; $__p := ",
                a[0],
                "; $substring($__s, 0, $length($__p)) = $__p)",
                ty=Ty.BOOL,
            ),
        ),
        "endswith": (
            1,
            1,
            lambda a: join(
                "($__s := ",
                obj,
                "; $__p := ",
                a[0],
                "; $length($__s) >= $length($__p)"
                " and $substring($__s, $length($__s) - $length($__p)) = $__p)",
                ty=Ty.BOOL,
            ),
        ),
        "split": (
            0,
            1,
            lambda a: (
                join("$split(", obj, ", ", a[0], ")", ty=Ty.LIST)
                if a
                else join("$split($replace(", obj, ", /^\\s+|\\s+$/, ''), /\\s+/)", ty=Ty.LIST)
            ),
        ),
        "replace": (2, 2, lambda a: join("$replace(", obj, ", ", a[0], ", ", a[1], ")", ty=Ty.STR)),
        "get": (
            1,
            2,
            lambda a: join(
                "($__g := $lookup(",
                obj,
                ", ",
                a[0],
                "); $exists($__g) ? $__g : ",
                paren(a[1]) if len(a) > 1 else "null",
                ")",
            ),
        ),
        "keys": (0, 0, lambda a: join("[$keys(", obj, ")]", ty=Ty.LIST)),
        "values": (
            0,
            0,
            lambda a: join(
                "($__d := ", obj, "; [$map($keys($__d), function($__k) { $lookup($__d, $__k) })])", ty=Ty.LIST
            ),
        ),
        "items": (
            0,
            0,
            lambda a: join(
                "($__d := ",
                obj,
                "; [$map($keys($__d), function($__k) { [[$__k, $lookup($__d, $__k)]] })])",
                ty=Ty.LIST,
            ),
        ),
        "copy": (0, 0, lambda a: obj),
        "isoformat": (0, 0, lambda a: _isoformat(obj)),
        "total_seconds": (0, 0, lambda a: Expr(obj.parts, Ty.NUM, time_dependent=obj.time_dependent)),
        "count": (
            1,
            1,
            lambda a: join(
                "$count($filter(", obj, ", function($__x) { $__x = ", paren(a[0]), " }))", ty=Ty.NUM
            ),
        ),
    }
    if attr in string_methods:
        lo, hi, fn = string_methods[attr]
        args = _args(t, node, lo, hi, attr)
        return Expr.raw("null") if args is None else fn(args)
    if attr in ("append", "extend", "update", "pop", "insert", "remove", "clear", "setdefault"):
        return t.fail(
            node,
            "DSF002",
            f".{attr}() changes a value in place, which is only supported as "
            "`xs.append(v)`, `xs.extend(vs)` or `d.update(e)` statements",
            "",
        )
    return t.fail(
        node,
        "DSF004",
        f"method .{attr}() cannot be compiled",
        "supported methods: upper, lower, strip, startswith, endswith, split, join, replace, get, "
        "keys, values, items, isoformat, total_seconds; move anything else into an activity",
    )
