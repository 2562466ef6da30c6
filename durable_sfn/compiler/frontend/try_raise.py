"""`raise` and `try/except/else/finally` -> IR: the error name and cause a raise produces, and
for each handler the Step Functions error names it catches (`except Base` includes the known
subclasses). The backend turns these into Fail states, Catch lists and jumps.

Bodies and handlers are lowered with the lowerer's `block` hook, like any nested block.
"""

from __future__ import annotations

import ast
import builtins
import json

from durable_sfn.compiler import ir
from durable_sfn.compiler.frontend import log_calls
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.frontend.source_labels import dotted_name
from durable_sfn.compiler.ir import Expr, Ty
from durable_sfn.compiler.ir_queries import catches_python_errors, exprs_of, is_fallible, walk

CATCH_ALL = {"Exception", "BaseException", "OrchestrationError"}
# Errors outside the builtins that compiled expressions raise by name (json.loads).
STDLIB_ERRORS: dict[str, type[BaseException]] = {"JSONDecodeError": json.JSONDecodeError}
# Errors that carry `error`, `cause` and `message` in Python too (durable_sfn.errors).
ORCHESTRATION_ERRORS = {
    "OrchestrationError",
    "EntityError",
    "UnknownEntityError",
    "UnknownOperationError",
    "EntityBusyError",
    "EntityStateError",
    "EntityRequestError",
}
# Statements whose errors come from user code (activities, entities, children), where a Python
# TimeoutError is the error "TimeoutError" rather than Step Functions' States.Timeout.
USER_CODE = (ir.CallActivity, ir.CallEntity, ir.CallSubOrchestrator, ir.MapAll, ir.ParallelAll)


def builtin_subclasses(name: str) -> set[str]:
    """The names of the builtin exception classes deriving from the builtin `name` (KeyError for
    LookupError, ConnectionError and TimeoutError for OSError, ...)."""
    base = getattr(builtins, name, None)
    if not (isinstance(base, type) and issubclass(base, BaseException)):
        return set()
    found = {
        n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, base) and v is not base
    }
    return found | {n for n, v in STDLIB_ERRORS.items() if issubclass(v, base)}


def lower_raise(lw: LowererCore, node: ast.Raise) -> list[ir.Stmt]:
    loc = lw.loc(node)
    exc = node.exc
    if exc is None or (isinstance(exc, ast.Name) and exc.id in lw.env.exc_vars):
        var = (
            lw.handler_vars[-1] if exc is None and lw.handler_vars else (exc.id if exc is not None else None)
        )
        if var is None:
            lw.report(node, "DSF019", "bare 'raise' outside an except block")
            return []
        ref = lw.expr.translate(
            ast.Name(id=var, ctx=ast.Load(), lineno=node.lineno, col_offset=node.col_offset)
        )
        return [ir.Raise(ir.Expr((*ref.parts, ".Error")), ir.Expr((*ref.parts, ".Cause")), loc)]
    cls = exc.func if isinstance(exc, ast.Call) else exc
    name = dotted_name(cls)
    if name is None:
        lw.report(exc, "DSF019", "raise needs an exception class, e.g. raise PaymentFailed('message')")
        return []
    name = name.split(".")[-1]
    cause = Expr.literal("")
    if isinstance(exc, ast.Call):
        if len(exc.args) > 1 or exc.keywords:
            lw.report(
                exc,
                "DSF019",
                "exceptions raised by an orchestrator take one message argument",
                "the message becomes the Step Functions Cause",
            )
            return []
        if exc.args:
            arg = lw.expr.translate(exc.args[0])
            if name == "KeyError" and not (arg.is_const and isinstance(arg.const, int | str)):
                lw.report(
                    exc.args[0],
                    "DSF019",
                    "str() of a KeyError is the repr() of its argument",
                    "raise KeyError with a literal key, or raise another exception class",
                )
                return []
            # Python's str() of the exception: KeyError shows the repr() of its key.
            cause = Expr.literal(repr(arg.const)) if name == "KeyError" else lw.expr.str_of(arg)
    plain = name not in lw.module.exception_subclasses.get("OrchestrationError", set()) | ORCHESTRATION_ERRORS
    return [ir.Raise(Expr.literal(name), cause, loc, plain)]


def error_names(lw: LowererCore, node: ast.expr | None) -> tuple[str, ...] | None:
    if node is None:
        return ("States.ALL",)
    if isinstance(node, ast.Tuple):
        names: list[str] = []
        for elt in node.elts:
            sub = error_names(lw, elt)
            if sub is None:
                return None
            names.extend(sub)
        return ("States.ALL",) if "States.ALL" in names else tuple(names)
    dotted = dotted_name(node)
    if dotted is None:
        lw.report(node, "DSF019", "except needs exception class names")
        return None
    name = dotted.split(".")[-1]
    if name in CATCH_ALL:
        return ("States.ALL",)
    if name == "TimeoutError":
        return ("States.Timeout",)  # and "TimeoutError" where user code runs (`lower_try`)
    if name == "ToleratedFailureExceeded":  # durable_sfn's name for a Distributed Map's error
        return ("States.ExceedToleratedFailureThreshold",)
    # Python's `except` matches subclasses: the known ones (builtins, and classes in the source of
    # the module and its imports) are listed by name, as Step Functions matches errors by name.
    classes = {name} | builtin_subclasses(name)
    for cls in list(classes):
        classes |= lw.module.exception_subclasses.get(cls, set())
    names = sorted(classes - {name})
    if "TimeoutError" in names:
        names.remove("TimeoutError")
        names.insert(0, "States.Timeout")
    return (name, *names)


def lower_try(lw: LowererCore, node: ast.Try) -> list[ir.Stmt]:
    if node.finalbody:
        lw.finally_depth += 1
    body = lw.block(node.body)
    handlers: list[ir.Handler] = []
    user_code = any(isinstance(s, USER_CODE) for s in walk(body))
    fallible, plain_classes = _plain_sources(body)
    for h in node.handlers:
        errors = error_names(lw, h.type)
        if errors is not None and user_code and "States.Timeout" in errors:
            errors = (*errors, "TimeoutError")  # an activity (or entity, or child) raised it
        var: str | None
        if h.name:
            var = lw.bind_target(h.name, Ty.DICT, h)
            lw.env.exc_vars.add(h.name)
            if errors is not None and (
                (fallible and catches_python_errors(errors))
                or any(c is None or c in errors or "States.ALL" in errors for c in plain_classes)
            ):
                lw.plain_errors.add(h.name)
            else:
                lw.plain_errors.discard(h.name)
        else:
            var = lw.fresh("error")
        lw.handler_vars.append(h.name or var)
        if not h.name:
            lw.env.exc_vars.add(var)
        hbody = lw.block(h.body)
        lw.handler_vars.pop()
        if errors is None:
            continue
        handlers.append(ir.Handler(errors, var, hbody, lw.loc(h)))
        if errors == ("States.ALL",):
            break  # later handlers can never run
    orelse = lw.block(node.orelse)
    if node.finalbody:
        lw.finally_depth -= 1
    finalbody = lw.block(node.finalbody)
    return_var: str | None = None
    exits = (body, orelse, *(h.body for h in handlers))
    if finalbody and any(isinstance(s, ir.Return | ir.ContinueAsNew) for part in exits for s in walk(part)):
        if lw.return_var is None:
            lw.return_var = lw.fresh("returned")
        return_var = lw.return_var
    return [ir.Try(body, tuple(handlers), orelse, finalbody, lw.loc(node), return_var)]


# The message of a caught error, from its Cause: a Lambda error's Cause is the Lambda error JSON,
# whose "errorMessage" is str() of the exception the activity raised; any other error's Cause is
# the message itself (a `raise` in an orchestrator, a States.* error). The pattern admits only a
# JSON string literal with valid escapes, so `$parse` of it cannot fail.
_LAMBDA_MESSAGE = r'/^\s*\{\s*"errorMessage"\s*:\s*("(?:[^"\\]|\\(?:["\\\/bfnrt]|u[0-9a-fA-F]{4}))*")/'


def _plain_sources(block: ir.Block) -> tuple[bool, set[str | None]]:
    """What may raise a plain Python exception in the block: whether an expression may fail, and
    the classes other than OrchestrationError's that `raise` names (None: a caught error raised
    again, which may be one)."""
    fallible = False
    classes: set[str | None] = set()
    for stmt in walk(block):
        if isinstance(stmt, ir.Raise) and not stmt.error.is_const:
            classes.add(None)
        elif isinstance(stmt, ir.Raise) and stmt.plain:
            classes.add(str(stmt.error.const))
        fallible = fallible or any(is_fallible(e) for e in exprs_of(stmt))
        branches = (
            (stmt.branch,)
            if isinstance(stmt, ir.MapAll)
            else stmt.branches
            if isinstance(stmt, ir.ParallelAll)
            else ()
        )
        for branch in branches:
            inner, inner_classes = _plain_sources(branch.body)
            fallible = fallible or inner or any(is_fallible(e) for _, e in branch.params)
            classes |= inner_classes
    return fallible, classes


def attribute_of(error: Expr, attribute: str) -> Expr:
    """`e.error` / `e.cause` / `e.message` of a caught error. A plain Python exception (raised by
    the orchestrator itself, or by an expression) has no such attribute: reading it fails with
    Python's AttributeError."""
    value = (
        message_of(error)
        if attribute == "message"
        else Expr((*error.parts, "." + attribute.capitalize()), Ty.STR)
    )
    return Expr(
        (
            "(",
            *error.parts,
            '.Plain ? $error("AttributeError: \'" & ',
            *error.parts,
            f".Error & \"' object has no attribute '{attribute}'\") : ",
            *value.parts,
            ")",
        ),
        Ty.STR,
    )


def message_of(error: Expr) -> Expr:
    """`str(e)`, `f"{e}"` and `e.message` of a caught error `{"Error": ..., "Cause": ...}`."""
    return Expr(
        (
            "($__cause := ",
            *error.parts,
            '.Cause; $__cause := $type($__cause) = "string" ? $__cause : ""; $__found := $match($__cause, ',
            _LAMBDA_MESSAGE,
            "); $exists($__found) ? $parse($__found.groups[0]) : $__cause)",
        ),
        Ty.STR,
    )


class _Messages(ast.NodeTransformer):
    """Rewrites `str(e)`, `f"{e}"` and `e.error`, `e.cause`, `e.message` of caught errors to names
    bound to what Python reads there."""

    def __init__(self, lw: LowererCore) -> None:
        self.lw = lw
        self.hidden: list[set[str]] = []  # names a comprehension binds (they hide an `e`)

    def _message(self, node: ast.expr, attribute: str = "") -> ast.expr | None:
        """A name bound to `str(e)` (or to `e.<attribute>`) when `node` is a caught error `e`."""
        if not isinstance(node, ast.Name) or node.id not in self.lw.env.exc_vars:
            return None
        if any(node.id in names for names in self.hidden):
            return None
        plain = node.id in self.lw.plain_errors
        if attribute in ("error", "cause") and not plain:
            return None  # `$e.Error`, `$e.Cause`, as the expression rules read them
        name = f"{node.id}.{attribute or 'str'}"  # not an identifier: it cannot clash with a variable
        error = self.lw.expr.translate(node)
        self.lw.env.bound[name] = attribute_of(error, attribute) if attribute and plain else message_of(error)
        return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if (
            isinstance(node.func, ast.Name)
            and node.func.id == "str"
            and len(node.args) == 1
            and not node.keywords
        ):
            found = self._message(node.args[0])
            if found is not None:
                return found
        as_str, as_repr = log_calls.message_arguments(self.lw, node)
        for index in as_str:
            # `logger.error("failed: %s", e)`, `print(e)`: logging formats str(e), the message.
            found = self._message(node.args[index])
            if found is not None:
                node.args[index] = found
        for index in as_repr:
            arg = node.args[index]
            if isinstance(arg, ast.Name) and arg.id in self.lw.env.exc_vars:
                self.lw.report(
                    arg,
                    "DSF041",
                    "%r of a caught error is not compiled: Python writes the exception's class and arguments",
                    f'log its message with %s: logger.error("failed: %s", {arg.id})',
                )
        return self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if node.attr in ("error", "cause", "message"):
            found = self._message(node.value, node.attr)
            if found is not None:
                return found
        return self.generic_visit(node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        if node.conversion in (-1, ord("s")) and node.format_spec is None:
            found = self._message(node.value)
            if found is not None:
                node.value = found
                return node
        return self.generic_visit(node)

    def _comprehension(self, node: ast.ListComp | ast.DictComp | ast.SetComp | ast.GeneratorExp) -> ast.AST:
        names = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        self.hidden.append(names)
        try:
            return self.generic_visit(node)
        finally:
            self.hidden.pop()

    visit_ListComp = visit_DictComp = visit_SetComp = visit_GeneratorExp = _comprehension


def exception_messages(lw: LowererCore, stmt: ast.stmt) -> ast.stmt:
    """The statement with the messages of caught errors read as Python reads them (its own
    expressions only: nested blocks are rewritten when they are lowered)."""
    if not lw.env.exc_vars:
        return stmt
    rewriter = _Messages(lw)
    for name, value in ast.iter_fields(stmt):
        if isinstance(value, ast.expr):
            setattr(stmt, name, rewriter.visit(value))
        elif isinstance(value, list) and value and all(isinstance(v, ast.expr) for v in value):
            setattr(stmt, name, [rewriter.visit(v) for v in value])
    return stmt
