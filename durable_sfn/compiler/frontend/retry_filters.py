"""Retry options that retry only some errors: `RetryOptions(..., retry_on=(ErrorA, ErrorB))`, or
Durable's predicate style written as `handle=lambda e: isinstance(e, (ErrorA, ErrorB))` (or a
module-level function whose body is that one `return`).

A Retrier matches errors by name, so the filter becomes its `ErrorEquals`: the classes named and
their subclasses the compiler can see, exactly as `except ErrorA` becomes a Catch (see
`try_raise.error_names`). A predicate with any other logic cannot be a list of names and is
refused. The direct run applies the same filter (`RetryOptions.retries`).
"""

from __future__ import annotations

import ast

from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.frontend.try_raise import error_names

HINT = (
    "name the errors to retry: RetryOptions(..., retry_on=(TransientError,)), or "
    "handle=lambda e: isinstance(e, (TransientError, ConnectionError))"
)


def errors(lw: LowererCore, retry_on: ast.expr | None, handle: ast.expr | None) -> tuple[str, ...] | None:
    """The Retrier's ErrorEquals; None after reporting a filter that cannot be one."""
    if retry_on is not None and handle is not None:
        lw.report(handle, "DSF021", "RetryOptions takes retry_on= or handle=, not both", HINT)
        return None
    if retry_on is None and handle is None:
        return ("States.ALL",)
    classes = retry_on if retry_on is not None else _isinstance_classes(lw, handle)
    if classes is None:
        return None
    if isinstance(classes, ast.Tuple | ast.List) and not classes.elts:
        lw.report(classes, "DSF021", "retry_on=() retries nothing", "leave the retry options out instead")
        return None
    if isinstance(classes, ast.List):
        classes = ast.copy_location(ast.Tuple(elts=classes.elts, ctx=ast.Load()), classes)
    names = error_names(lw, classes)
    if names is None:
        return None
    # Raised by an activity, Python's TimeoutError is the Lambda error "TimeoutError".
    return tuple(dict.fromkeys("TimeoutError" if n == "States.Timeout" else n for n in names))


def _isinstance_classes(lw: LowererCore, handle: ast.expr | None) -> ast.expr | None:
    """The classes of `lambda e: isinstance(e, classes)` (or of a module function so written)."""
    function: ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef | None = None
    if isinstance(handle, ast.Lambda):
        function = handle
    elif isinstance(handle, ast.Name):
        function = lw.module.functions.get(handle.id)
    body: ast.expr | None = None
    if isinstance(function, ast.Lambda):
        body = function.body
    elif isinstance(function, ast.FunctionDef) and len(function.body) == 1:
        stmt = function.body[0]
        body = stmt.value if isinstance(stmt, ast.Return) else None
    params = function.args.args if function is not None else []
    if (
        len(params) == 1
        and isinstance(body, ast.Call)
        and isinstance(body.func, ast.Name)
        and body.func.id == "isinstance"
        and len(body.args) == 2
        and not body.keywords
        and isinstance(body.args[0], ast.Name)
        and body.args[0].id == params[0].arg
    ):
        return body.args[1]
    lw.report(
        handle if handle is not None else ast.Pass(),
        "DSF021",
        "a retry filter must be `lambda e: isinstance(e, (ErrorA, ErrorB))`: the definition retries "
        "errors by name and cannot run other Python",
        HINT,
    )
    return None
