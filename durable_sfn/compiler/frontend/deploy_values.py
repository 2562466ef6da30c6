"""`os.environ["X"]`, `os.environ.get("X", d)` and `os.getenv("X", d)`: deploy-time values.

An orchestrator that reads its environment reads configuration (a table name, a feature flag, a
base URL). A compiled definition has no environment of its own, so the read becomes a `${...}`
placeholder that is filled when the definition is deployed (see `durable_sfn.deploy_values`):
by the CDK construct at synth, by `run_local`, `durable-sfn run` and `serve` from the process
environment. A read never happens while the execution runs, and never costs a state.

Anything else done with `os.environ` (iterating it, `in`, writing to it) is refused at its line.
"""

from __future__ import annotations

import ast

from durable_sfn.compiler.expressions.core import TranslatorCore
from durable_sfn.compiler.frontend.scopes import ModuleInfo
from durable_sfn.compiler.ir import Expr, Ty
from durable_sfn.deploy_values import VARIABLE_NAME, optional_placeholder, required_placeholder

HINT = (
    'read one variable by name: os.environ["NAME"] (required at deploy time), '
    'os.environ.get("NAME", default) or os.getenv("NAME", default)'
)


def _is(node: ast.expr, module: ModuleInfo, what: str, t: TranslatorCore) -> bool:
    """Whether `node` is `os.<what>` (or a name imported as it) as the module binds it."""
    if isinstance(node, ast.Name):
        return module.os_names.get(node.id) == f"os.{what}" and node.id not in t.env.variables
    return (
        isinstance(node, ast.Attribute)
        and node.attr == what
        and isinstance(node.value, ast.Name)
        and module.os_names.get(node.value.id) == "os"
        and node.value.id not in t.env.variables
    )


def translate(t: TranslatorCore, module: ModuleInfo, node: ast.expr) -> Expr | None:
    """The deploy-time value `node` reads, a refusal for another use of os.environ, or None
    when `node` does not touch the environment."""
    if not module.os_names:
        return None
    if isinstance(node, ast.Subscript) and _is(node.value, module, "environ", t):
        variable = _variable(t, node.slice)
        if variable is None:
            return Expr.raw("null")
        return Expr.raw('"' + required_placeholder(variable) + '"', Ty.STR)
    if isinstance(node, ast.Call):
        func = node.func
        if (
            isinstance(func, ast.Attribute) and func.attr == "get" and _is(func.value, module, "environ", t)
        ) or _is(func, module, "getenv", t):
            return _optional(t, node)
        if isinstance(func, ast.Attribute) and _is(func.value, module, "environ", t):
            return t.fail(
                node, "DSF060", f"os.environ.{func.attr}() is not supported in an orchestrator", HINT
            )
    if _is(node, module, "environ", t) or _is(node, module, "getenv", t):
        return t.fail(
            node,
            "DSF060",
            "os.environ can only be read one variable at a time, by a literal name",
            HINT,
        )
    return None


def _variable(t: TranslatorCore, node: ast.expr) -> str | None:
    key = t.translate(node)
    if not (key.is_const and isinstance(key.const, str)):
        t.fail(
            node,
            "DSF060",
            "the environment variable's name must be a string literal or module constant",
            "the value is filled in when the definition is deployed, so its name must be known then; " + HINT,
        )
        return None
    if not VARIABLE_NAME.match(key.const):
        t.fail(
            node,
            "DSF060",
            f"{key.const!r} is not a portable environment variable name",
            "use letters, digits and '_', not starting with a digit (the name as the process environment "
            "and CloudFormation both carry it)",
        )
        return None
    return str(key.const)


def _optional(t: TranslatorCore, call: ast.Call) -> Expr:
    """`.get("X", d)`: the value when X is set at deploy time, else `d` (None when omitted)."""
    args = list(call.args)
    for kw in call.keywords:
        if kw.arg == "default" and len(args) == 1:
            args.append(kw.value)
        else:
            return t.fail(call, "DSF060", "environment reads take (name, default)", HINT)
    if not 1 <= len(args) <= 2 or any(isinstance(a, ast.Starred) for a in args):
        return t.fail(call, "DSF060", "environment reads take (name, default)", HINT)
    variable = _variable(t, args[0])
    default = t.translate(args[1]) if len(args) == 2 else Expr.literal(None)
    if variable is None:
        return Expr.raw("null")
    if not default.is_const:
        return t.fail(
            args[1],
            "DSF060",
            "the default of an environment read must be a literal or module constant",
            "Python evaluates the default even when the variable is set; compute a fallback after "
            "the read instead: `x = os.environ.get('NAME') or fallback`",
        )
    text = (
        f'($__env := "{optional_placeholder(variable)}"; '
        f'$__env = "" ? {default.text()} : $substring($__env, 1))'
    )
    return Expr.raw(text, Ty.STR if isinstance(default.const, str) else Ty.UNKNOWN)
