"""`raise` and `try/except/else/finally` -> IR: the error name and cause a raise produces, and
for each handler the Step Functions error names it catches (`except Base` includes the known
subclasses). The backend turns these into Fail states, Catch lists and jumps.

Bodies and handlers are lowered with the lowerer's `block` hook, like any nested block.
"""

from __future__ import annotations

import ast

from durable_sfn.compiler import ir
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.frontend.source_labels import dotted_name
from durable_sfn.compiler.ir import Expr, Ty

CATCH_ALL = {"Exception", "BaseException", "OrchestrationError"}


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
            cause = lw.expr.str_of(lw.expr.translate(exc.args[0]))
    return [ir.Raise(Expr.literal(name), cause, loc)]


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
        return ("States.Timeout",)
    return (name, *sorted(lw.module.exception_subclasses.get(name, ())))


def lower_try(lw: LowererCore, node: ast.Try) -> list[ir.Stmt]:
    if node.finalbody:
        lw.finally_depth += 1
        lw.finally_loops.append(lw.loop_depth)
    body = lw.block(node.body)
    handlers: list[ir.Handler] = []
    for h in node.handlers:
        errors = error_names(lw, h.type)
        var: str | None
        if h.name:
            var = lw.bind_target(h.name, Ty.DICT, h)
            lw.env.exc_vars.add(h.name)
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
        lw.finally_loops.pop()
    finalbody = lw.block(node.finalbody)
    return [ir.Try(body, tuple(handlers), orelse, finalbody, lw.loc(node))]
