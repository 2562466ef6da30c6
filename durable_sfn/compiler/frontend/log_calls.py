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
import re

from durable_sfn.compiler import ir
from durable_sfn.compiler.discovery import logger_name
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.ir import Expr

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
    message = _message(lw, call, args[0], args[1:])
    if message is None:
        return []
    return [ir.Log(level, logger, message, lw.loc(stmt))]


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


def _at(node: ast.AST, new: ast.expr) -> ast.expr:
    return ast.copy_location(new, node)


def _str_of(node: ast.expr, spec: str | None = None, conversion: int = -1) -> ast.FormattedValue:
    return ast.FormattedValue(
        value=node,
        conversion=conversion,
        format_spec=ast.JoinedStr(values=[ast.Constant(value=spec)]) if spec else None,
    )


def _translate(lw: LowererCore, node: ast.AST, pieces: list[ast.expr]) -> Expr:
    if not pieces:
        return Expr.literal("")
    fstring = ast.JoinedStr(values=pieces)
    for piece in ast.walk(fstring):
        if not hasattr(piece, "lineno") or isinstance(piece, ast.FormattedValue | ast.JoinedStr):
            ast.copy_location(piece, node)
    return lw.expr.translate(fstring)


def _message(lw: LowererCore, call: ast.Call, msg: ast.expr, args: list[ast.expr]) -> Expr | None:
    """Python's `LogRecord.getMessage()`: `str(msg)`, or `msg % args` when there are args."""
    if any(isinstance(a, ast.Starred) for a in args):
        lw.report(call, "DSF041", "starred arguments in a log call are not supported", HINT)
        return None
    if not args:
        if isinstance(msg, ast.Constant) and isinstance(msg.value, str):
            return Expr.literal(msg.value)
        return _translate(lw, msg, [_str_of(msg)])
    fmt = _format_string(lw, msg)
    if fmt is None:
        lw.report(
            msg,
            "DSF041",
            "the message of a log call with arguments must be a literal format string",
            HINT,
        )
        return None
    pieces: list[ast.expr] = []
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
        if text:
            pieces.append(ast.Constant(value=text))
            text = ""
        conversion = m.group(2)
        if conversion == "s":
            pieces.append(_str_of(arg))
        elif conversion == "r":
            pieces.append(_str_of(arg, conversion=ord("r")))
        elif conversion in ("d", "i"):
            pieces.append(
                _str_of(_at(arg, ast.Call(func=ast.Name(id="int", ctx=ast.Load()), args=[arg], keywords=[])))
            )
        else:
            pieces.append(_str_of(arg, f".{m.group(3) or 6}f"))
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
    text += rest
    if text:
        pieces.append(ast.Constant(value=text))
    return _translate(lw, msg, pieces)


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
    pieces: list[ast.expr] = []
    for i, arg in enumerate(call.args):
        if i and sep:
            pieces.append(ast.Constant(value=sep))
        pieces.append(_str_of(arg))
    return [ir.Log("PRINT", None, _translate(lw, call, pieces), lw.loc(stmt))]
