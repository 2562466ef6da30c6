"""Logging in an orchestrator: `logging.info(...)`, `logger.warning(...)` on a module-level or
local logger, and `print(...)`, each as a statement, become `ir.Log` records in the execution
history (see `backend/logs`); the direct run logs them through Python as usual.

The message is what Python's `LogRecord.getMessage()` gives: `msg % args` when arguments follow a
literal format string (`%s`, `%d`, `%i`, `%f`, `%.Nf`, `%r` and `%%`), `str(msg)` otherwise; for
`print`, the values' `str()` joined by `sep`. Both are compiled as the f-string they equal (`%s`
is `{x}`, `%d` is `{int(x)}`, `%.2f` is `{x:.2f}`), so they follow the f-string rules exactly.
Every level is recorded: which records a reader shows is the reader's choice, as with a logging
handler's level.
"""

from __future__ import annotations

import ast
import json
import re

from durable_sfn.compiler import ir
from durable_sfn.compiler.discovery import logger_name
from durable_sfn.compiler.expressions.runtime import FRACTION_TEXT, float_text
from durable_sfn.compiler.expressions.text import join, paren
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.ir import Expr, Ty
from durable_sfn.compiler.ir_queries import is_fallible

LEVELS = {
    "debug": "DEBUG",
    "info": "INFO",
    "warning": "WARNING",
    "warn": "WARNING",
    "error": "ERROR",
    "exception": "ERROR",
    "critical": "CRITICAL",
    "fatal": "CRITICAL",
}
_LEVEL_NUMBERS = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}
_LEVEL_NAMES = {"DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL"}
# Keyword arguments of the logging methods that only decorate the record (its traceback, stack,
# extra attributes, source line), never its message.
_IGNORED_KEYWORDS = {"exc_info", "stack_info", "stacklevel", "extra"}
_CONVERSION = re.compile(r"%(?:(%)|([sdir])|(?:\.(\d+))?(f))")
HINT = 'e.g. logger.info("charged %s for %d items", order_id, count), or an f-string'


def is_logging_module(lw: LowererCore, name: str) -> bool:
    if name in lw.env.variables or name in lw.env.bound:
        return False
    return name in lw.imported or name in lw.module.logging_modules


def _logger(lw: LowererCore, node: ast.expr) -> str | None:
    """The logger name when `node` is a logger (a module-level or local one, or getLogger(...))."""
    if isinstance(node, ast.Name):
        if node.id in lw.loggers:
            return lw.loggers[node.id]
        if node.id in lw.env.variables or node.id in lw.env.bound:
            return None
        return lw.module.loggers.get(node.id)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        base = node.func.value
        if isinstance(base, ast.Name) and is_logging_module(lw, base.id):
            info = lw.module
            if base.id not in info.logging_modules:
                info = type(info)(name=info.name, logging_modules={base.id}, constants=info.constants)
            return logger_name(node, info)
    return None


def bind_logger(lw: LowererCore, target: ast.Name, value: ast.expr) -> bool:
    """`log = logging.getLogger(...)` in the body: a compile-time binding, no state."""
    name = _logger(lw, value) if isinstance(value, ast.Call) else None
    if name is None:
        return False
    lw.loggers[target.id] = name
    return True


def log_statement(lw: LowererCore, call: ast.Call, stmt: ast.stmt) -> list[ir.Stmt] | None:
    """The `ir.Log` of a logging or print statement, or None when `call` is neither."""
    func = call.func
    if isinstance(func, ast.Name) and func.id == "print" and func.id not in lw.env.variables:
        return _print(lw, call, stmt)
    if not isinstance(func, ast.Attribute):
        return None
    base = func.value
    if isinstance(base, ast.Name) and is_logging_module(lw, base.id):
        if func.attr == "getLogger":
            return None
        logger: str | None = "root"
    else:
        logger = _logger(lw, base)
        if logger is None:
            if func.attr in LEVELS and isinstance(base, ast.Name) and _unknown(lw, base.id):
                lw.report(
                    base,
                    "DSF041",
                    f"cannot tell which logger '{base.id}' is",
                    "define it in this module: logger = logging.getLogger(__name__)",
                )
                return []
            return None
    if func.attr == "log":
        if not call.args:
            lw.report(call, "DSF041", "log() needs a level and a message", HINT)
            return []
        level = _level(lw, call.args[0])
        args = call.args[1:]
    elif func.attr in LEVELS:
        level = LEVELS[func.attr]
        args = call.args
    else:
        lw.report(
            call,
            "DSF041",
            f"logger method .{func.attr}() is not supported in an orchestrator",
            "log with debug, info, warning, error, exception or critical",
        )
        return []
    for kw in call.keywords:
        if kw.arg not in _IGNORED_KEYWORDS:
            lw.report(kw.value, "DSF041", f"unexpected keyword argument {kw.arg!r} in a log call", HINT)
            return []
    if level is None:
        return []
    if not args:
        lw.report(call, "DSF041", "a log call needs a message", HINT)
        return []
    evaluated: list[ir.Stmt] = []
    message = _message(lw, call, args[0], args[1:], evaluated)
    if message is None:
        return []
    return [*evaluated, ir.Log(level, logger, message, lw.loc(stmt))]


def message_arguments(lw: LowererCore, call: ast.Call) -> tuple[list[int], list[int]]:
    """The indexes of the arguments a logging or print call formats with str(), and with repr()
    (none when `call` is neither): print's values, a message without arguments, and the values of
    a literal format string's %s and %r."""
    func = call.func
    if isinstance(func, ast.Name) and func.id == "print" and func.id not in lw.env.variables:
        return list(range(len(call.args))), []
    if not isinstance(func, ast.Attribute) or (func.attr not in LEVELS and func.attr != "log"):
        return [], []
    base = func.value
    if not (isinstance(base, ast.Name) and is_logging_module(lw, base.id)) and _logger(lw, base) is None:
        return [], []
    first = 1 if func.attr == "log" else 0
    if len(call.args) == first + 1:
        return [first], []
    fmt = _format_string(lw, call.args[first]) if len(call.args) > first else None
    if fmt is None:
        return [], []
    as_str: list[int] = []
    as_repr: list[int] = []
    index = first + 1
    for m in _CONVERSION.finditer(fmt):
        if m.group(1):
            continue
        if m.group(2) == "s":
            as_str.append(index)
        elif m.group(2) == "r":
            as_repr.append(index)
        index += 1
    return as_str, as_repr


def _unknown(lw: LowererCore, name: str) -> bool:
    return not (
        name in lw.env.variables
        or name in lw.env.bound
        or name in lw.env.exc_vars
        or name == lw.env.input_param
        or name == lw.env.ctx_name
    )


def _level(lw: LowererCore, node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and node.value in _LEVEL_NUMBERS:
        return _LEVEL_NUMBERS[node.value]
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and is_logging_module(lw, node.value.id)
        and node.attr in _LEVEL_NAMES
    ):
        return {"WARN": "WARNING", "FATAL": "CRITICAL"}.get(node.attr, node.attr)
    lw.report(node, "DSF041", "the level of log() must be logging.DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return None


def _format_string(lw: LowererCore, node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id not in lw.env.variables:
        value = lw.module.constants.get(node.id)
        if isinstance(value, str):
            return value
    return None


# -- the message ------------------------------------------------------------------------------------
#
# Python evaluates a log call's arguments where it is made (so an argument that raises fails the
# orchestrator, compiled too), but formats the message only when a handler emits the record, and
# a format that does not fit its value (`%d` of a string) is reported by logging and dropped. So a
# message never fails here: `%s`/`%r` use `text_of` (str()/repr() of any JSON value), a `%d` or
# `%f` whose value is not a number makes the message null (no record: readers skip it, as the
# direct run does). An f-string message is formatted by Python before the call: its formatted
# values with a spec follow the f-string rules (and fail as Python fails), the plain ones use
# `text_of` too.


def _string(text: str) -> str:
    return json.dumps(text)


# repr() of a string: single quotes unless it holds a single quote and no double quote; the
# backslash, the quote and \n \r \t escaped. (Python also escapes other control and non-printable
# characters; those are rare in log messages and pass through here.)
_QUOTE = (
    "function($s) {( $e := $replace($replace($replace($replace($s, "
    + f"{_string(chr(92))}, {_string(chr(92) * 2)}), {_string(chr(10))}, {_string(chr(92) + 'n')}), "
    + f"{_string(chr(13))}, {_string(chr(92) + 'r')}), {_string(chr(9))}, {_string(chr(92) + 't')}); "
    + "$contains($s, \"'\") and $not($contains($s, '\"')) ? '\"' & $e & '\"' "
    + f': "\'" & $replace($e, "\'", {_string(chr(92) + chr(39))}) & "\'" )}}'
)
# str() of a JSON number: integers exactly, other numbers as Python's shortest round trip (the
# text str() gives) from 0.0001 to 1e16, and outside that range (where Python writes an exponent)
# with JSONata's text, so that a message never fails.
_NUMBER = (
    "function($n) { ($n = $floor($n) and $abs($n) < 1e16) ? $formatNumber($n, '0') : "
    "($abs($n) >= 0.0001 and $abs($n) < 1e16) ? ($__n := $n; " + FRACTION_TEXT + ") : $string($n) }"
)
# repr() of any JSON value (boxed: `{'v': x}`, so that a null reaches the function intact).
_REPR = (
    "function($b) {( $v := $b.v; $t := $type($v); "
    "$t = 'string' ? $__logq($v) : $t = 'boolean' ? ($v ? 'True' : 'False') : $t = 'null' ? 'None' : "
    "$t = 'number' ? $__lognum($v) : "
    "$t = 'array' ? '[' & $join($map($zip($v), function($p) { $__logr({'v': $p[0]}) }), ', ') & ']' : "
    "'{' & $join($map($keys($v), function($k) { $__logq($k) & ': ' & $__logr({'v': $lookup($v, $k)}) }), ', ') & '}' )}"
)


_NUMBER_TYPES = frozenset(t for t in Ty if t.name in ("NUM", "FLOAT"))


def text_of(value: Expr, *, repr_: bool = False) -> Expr:
    """str() (or repr()) of any JSON value, as Python writes it; never fails."""
    if value.ty is Ty.STR and not repr_:
        return value
    if value.ty is Ty.BOOL:
        return join("(", value, " ? 'True' : 'False')", ty=Ty.STR)
    if value.ty is Ty.NULL:
        return Expr.literal("None")
    functions = f"$__logq := {_QUOTE}; $__lognum := {_NUMBER}; $__logr := {_REPR}; "
    if value.ty is Ty.FLOAT or value.float_when is not None:
        # A float that is integral prints with its `.0` (`float(n)`, `x + y` of 0.5 and 0.5).
        kind = Expr.raw("true") if value.ty is Ty.FLOAT else value.float_when
        assert kind is not None
        return join(
            "(",
            functions,
            "$__logk := ",
            kind,
            "; $__logv := {'v': ",
            value,
            "}; $type($__logv.v) = 'number' and $__logk = true and $__logv.v = $floor($__logv.v) and "
            "$abs($__logv.v) < 1e16 ? ",
            float_text(Expr.raw("$__logv.v")),
            " : $type($__logv.v) = 'string' and " + ("false" if repr_ else "true") + " ? $__logv.v : "
            "$__logr($__logv))",
            ty=Ty.STR,
        )
    if value.ty in _NUMBER_TYPES:
        return join("(", functions, "$__lognum(", value, "))", ty=Ty.STR)
    if repr_:
        return join("(", functions, "$__logr({'v': ", value, "}))", ty=Ty.STR)
    return join(
        "(",
        functions,
        "$__logv := {'v': ",
        value,
        "}; $type($__logv.v) = 'string' ? $__logv.v : $__logr($__logv))",
        ty=Ty.STR,
    )


class _Message:
    """A message being assembled: text pieces, and the values a `%d`/`%f` must find numeric."""

    def __init__(self, lw: LowererCore, at: ast.AST, evaluated: list[ir.Stmt]) -> None:
        self.lw, self.at = lw, at
        self.pieces: list[Expr] = []
        self.bindings: list[tuple[str, Expr]] = []
        self.numeric: list[str] = []
        # Python evaluates a log call's arguments (and an f-string message) before the call: a
        # value that may fail is assigned first, by a statement of its own, so that its failure
        # comes where Python's does and leaves the status and records set before it in place.
        self.evaluated = evaluated

    def _first(self, value: Expr, fallible: bool, ty: Ty) -> Expr:
        if not fallible:
            return value
        name = self.lw.bind_target(self.lw.fresh("log_value"), ty, self.at)
        self.evaluated.append(ir.Assign(name, value, self.lw.loc(self.at)))
        return Expr.var(name, ty)

    def text(self, text: str) -> None:
        if text:
            self.pieces.append(Expr.literal(text))

    def value(self, node: ast.expr, conversion: int = -1) -> None:
        value = self.lw.expr.translate(node)
        text = text_of(value, repr_=conversion == ord("r"))
        self.pieces.append(self._first(text, is_fallible(value), Ty.STR))

    def number(self, node: ast.expr, spec: str | None) -> None:
        """`%d` (spec None: `int(x)`) or `%.Nf` of a value that must be a number (or a bool)."""
        local = f"__logn{len(self.bindings) + 1}"
        value = self.lw.expr.translate(node)
        self.bindings.append(("$" + local, self._first(value, is_fallible(value), Ty.UNKNOWN)))
        self.numeric.append("$" + local)
        name = ast.copy_location(ast.Name(id=local, ctx=ast.Load()), self.at)
        if spec is None:
            call = ast.Call(func=ast.Name(id="int", ctx=ast.Load()), args=[name], keywords=[])
            formatted = ast.FormattedValue(value=call, conversion=-1, format_spec=None)
        else:
            formatted = ast.FormattedValue(
                value=name, conversion=-1, format_spec=ast.JoinedStr(values=[ast.Constant(value=spec)])
            )
        self.pieces.append(self._fstring([formatted], {local: "$" + local}))

    def formatted(self, node: ast.FormattedValue) -> None:
        """An f-string's formatted value with a spec or a conversion: Python's own formatting."""
        text = self._fstring([node], {})
        self.pieces.append(self._first(text, is_fallible(text), Ty.STR))

    def _fstring(self, values: list[ast.expr], scope: dict[str, str]) -> Expr:
        fstring = ast.JoinedStr(values=values)
        for node in ast.walk(fstring):
            if not hasattr(node, "lineno") or isinstance(node, ast.FormattedValue | ast.JoinedStr):
                ast.copy_location(node, self.at)
        self.lw.env.locals.append(scope)
        try:
            return self.lw.expr.translate(fstring)
        finally:
            self.lw.env.locals.pop()

    def build(self) -> Expr:
        if not self.pieces:
            return Expr.literal("")
        if len(self.pieces) == 1 and not self.bindings:
            return self.pieces[0]
        if all(p.is_const for p in self.pieces) and not self.bindings:
            return Expr.literal("".join(str(p.const) for p in self.pieces))
        items: list[str | Expr] = ["("]
        for name, value in self.bindings:
            items += [f"{name} := ", value, "; "]
        if self.numeric:
            checks = " and ".join(f"$type({n}) in ['number', 'boolean']" for n in self.numeric)
            items.append(f"{checks} ? ")
        for i, piece in enumerate(self.pieces):
            items += [" & "] if i else []
            items.append(paren(piece))
        if self.numeric:
            items.append(" : null")
        items.append(")")
        return join(*items, ty=Ty.STR)


def _fstring_message(lw: LowererCore, msg: ast.JoinedStr, evaluated: list[ir.Stmt]) -> Expr:
    message = _Message(lw, msg, evaluated)
    for part in msg.values:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            message.text(part.value)
        elif (
            isinstance(part, ast.FormattedValue)
            and part.format_spec is None
            and part.conversion in (-1, ord("s"), ord("r"))
        ):
            message.value(part.value, part.conversion)
        elif isinstance(part, ast.FormattedValue):
            message.formatted(part)
    return message.build()


def _message(
    lw: LowererCore, call: ast.Call, msg: ast.expr, args: list[ast.expr], evaluated: list[ir.Stmt]
) -> Expr | None:
    """Python's `LogRecord.getMessage()`: `str(msg)`, or `msg % args` when there are args."""
    if any(isinstance(a, ast.Starred) for a in args):
        lw.report(call, "DSF041", "starred arguments in a log call are not supported", HINT)
        return None
    if not args:
        if isinstance(msg, ast.Constant) and isinstance(msg.value, str):
            return Expr.literal(msg.value)
        if isinstance(msg, ast.JoinedStr):
            return _fstring_message(lw, msg, evaluated)
        message = _Message(lw, msg, evaluated)
        message.value(msg)
        return message.build()
    fmt = _format_string(lw, msg)
    if fmt is None:
        lw.report(
            msg,
            "DSF041",
            "the message of a log call with arguments must be a literal format string",
            HINT,
        )
        return None
    message = _Message(lw, msg, evaluated)
    text = ""
    position = 0
    remaining = list(args)
    for m in _CONVERSION.finditer(fmt):
        between = fmt[position : m.start()]
        if "%" in between:
            break
        text += between
        position = m.end()
        if m.group(1):
            text += "%"
            continue
        if not remaining:
            lw.report(msg, "DSF041", "the format string has more placeholders than arguments", HINT)
            return None
        arg = remaining.pop(0)
        message.text(text)
        text = ""
        conversion = m.group(2)
        if conversion in ("s", "r"):
            message.value(arg, ord(conversion))
        elif conversion in ("d", "i"):
            message.number(arg, None)
        else:
            message.number(arg, f".{m.group(3) or 6}f")
    rest = fmt[position:]
    if "%" in rest:
        lw.report(
            msg,
            "DSF041",
            "log format strings support %s, %d, %i, %f, %.Nf, %r and %% only",
            'write other formats as an f-string, e.g. f"{amount:,.2f}"',
        )
        return None
    if remaining:
        lw.report(msg, "DSF041", "the format string has fewer placeholders than arguments", HINT)
        return None
    message.text(text + rest)
    return message.build()


def _print(lw: LowererCore, call: ast.Call, stmt: ast.stmt) -> list[ir.Stmt]:
    sep = " "
    for kw in call.keywords:
        value = kw.value
        literal = value.value if isinstance(value, ast.Constant) else ...
        if kw.arg == "sep" and (literal is None or isinstance(literal, str)):
            sep = " " if literal is None else str(literal)
        elif (
            (kw.arg == "end" and literal in (None, "\n"))
            or (kw.arg == "flush" and isinstance(literal, bool))
            or (kw.arg == "file" and literal is None)
        ):
            pass
        else:
            lw.report(
                value,
                "DSF041",
                f"print({kw.arg}=...) is not supported in an orchestrator",
                "print() writes one log record per call: use the default end and file, "
                "or logging with a level",
            )
            return []
    if any(isinstance(a, ast.Starred) for a in call.args):
        lw.report(call, "DSF041", "starred arguments to print() are not supported", HINT)
        return []
    evaluated: list[ir.Stmt] = []
    message = _Message(lw, call, evaluated)
    for i, arg in enumerate(call.args):
        if i:
            message.text(sep)
        message.value(arg)
    return [*evaluated, ir.Log("PRINT", None, message.build(), lw.loc(stmt))]
