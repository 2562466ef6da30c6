"""Helper functions compiled in place: plain `def` and `async def` helpers, defined in the
orchestrator's module or nested in the orchestrator, wherever they are called.

Two ways, chosen per call:

- In an expression (`if is_valid(order):`, `[label(x) for x in xs]`), a helper whose body only
  assigns names, branches with if/elif/else and returns becomes one JSONata block: each argument
  and local is a block variable (`($__h1_order := ...; ...)`), evaluated once, in order; no state.
- As a statement (`x = helper(...)`, `helper(...)`, `return helper(...)`, and the same with
  `await` for an `async def`), any helper whose statements the orchestrator supports is expanded
  in place: its parameters and locals become variables of their own (`helper_name`, unique in the
  orchestrator), so they never meet the caller's, and each `return value` assigns the caller's
  target. An early `return` inside if/elif/else moves the statements after the `if` into its other
  branch; a `return` inside a loop or a `try` is refused. Helpers that build and return a task list
  hand it to the caller, which awaits it as if it had built it itself.

A helper defined at module level sees the module's names only: one that reads a module-level name
the orchestrator also uses as a variable is refused, since compiled in place it would read the
variable. Recursive helpers are refused.
"""

from __future__ import annotations

import ast
import copy
import itertools
from collections.abc import Callable

from durable_sfn.compiler.expressions.runtime import raise_
from durable_sfn.compiler.expressions.text import join
from durable_sfn.compiler.frontend import unassigned_reads
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.frontend.scopes import walk_scope
from durable_sfn.compiler.ir import Expr, Ty

Function = ast.FunctionDef | ast.AsyncFunctionDef
HINT = "a helper compiled in place may assign names, branch, loop, await ctx operations and return"
_COUNTER = itertools.count(1)
# The context's operations: a helper calling one (to create tasks, set the status, ...) is
# compiled as statements, never as an expression.
CTX_OPERATIONS = {
    "call_activity",
    "call_activity_with_retry",
    "call_sub_orchestrator",
    "call_sub_orchestrator_with_retry",
    "call_entity",
    "signal_entity",
    "create_timer",
    "wait_for_external_event",
    "task_all",
    "set_custom_status",
    "continue_as_new",
}


def find(lw: LowererCore, name: str) -> tuple[Function, bool] | None:
    """(the helper's definition, whether it is nested in the orchestrator) for a call of `name`."""
    if name in lw.env.variables or name in lw.env.bound or name == lw.env.input_param:
        return None
    if name in lw.helper_defs:
        return lw.helper_defs[name], True
    if name in lw.branch_defs:
        return lw.branch_defs[name], True
    fn = lw.module.functions.get(name)
    return (fn, False) if fn is not None else None


# -- shared checks -----------------------------------------------------------------------------------


def _locals(fn: Function) -> set[str]:
    names = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    for node in ast.walk(ast.Module(body=fn.body, type_ignores=[])):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def _free_names(fn: Function) -> set[str]:
    own = _locals(fn)
    names: set[str] = set()
    for stmt in fn.body:
        for n in walk_scope(stmt):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in own:
                names.add(n.id)
            for child in ast.iter_child_nodes(n):
                if isinstance(child, ast.Lambda):  # a key function reads the names around it too
                    params = {a.arg for a in child.args.posonlyargs + child.args.args + child.args.kwonlyargs}
                    names |= {
                        m.id
                        for m in ast.walk(child.body)
                        if isinstance(m, ast.Name)
                        and isinstance(m.ctx, ast.Load)
                        and m.id not in own | params
                    }
    return names


def _bind(lw: LowererCore, fn: Function, call: ast.Call) -> dict[str, ast.expr] | None:
    """Parameter name -> argument (defaults filled in), or None after reporting a mismatch."""
    args = fn.args
    if args.vararg or args.kwarg or any(isinstance(a, ast.Starred) for a in call.args):
        lw.report(
            call, "DSF043", f"'{fn.name}' takes *args or **kwargs, which cannot be compiled in place", HINT
        )
        return None
    positional = [a.arg for a in args.posonlyargs + args.args]
    if len(call.args) > len(positional):
        lw.report(call, "DSF043", f"too many arguments for '{fn.name}'", HINT)
        return None
    bound: dict[str, ast.expr] = dict(zip(positional, call.args, strict=False))
    for kw in call.keywords:
        if kw.arg is None or kw.arg in bound or kw.arg not in positional + [a.arg for a in args.kwonlyargs]:
            lw.report(call, "DSF043", f"unexpected keyword argument {kw.arg!r} for '{fn.name}'", HINT)
            return None
        bound[kw.arg] = kw.value
    defaults = dict(zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True))
    defaults.update(
        {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None}
    )
    for name in positional + [a.arg for a in args.kwonlyargs]:
        if name in bound:
            continue
        default = defaults.get(name)
        if default is None:
            lw.report(call, "DSF043", f"missing argument '{name}' for '{fn.name}'", HINT)
            return None
        if isinstance(default, ast.Name) and default.id in lw.module.constants:
            # Evaluated where the function is defined: the module constant's value.
            default = ast.parse(repr(lw.module.constants[default.id]), mode="eval").body
        elif not isinstance(default, ast.Constant):
            lw.report(default, "DSF043", "default values of helpers compiled in place must be literals", HINT)
            return None
        bound[name] = ast.fix_missing_locations(ast.copy_location(copy.deepcopy(default), call))
    return bound


def _check(lw: LowererCore, fn: Function, nested: bool, call: ast.Call) -> bool:
    for node in ast.walk(fn):
        # A lambda is left to the expression rules (a key function compiles; others are refused).
        if node is not fn and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lw.report(
                call,
                "DSF043",
                f"'{fn.name}' defines a function inside, which cannot be compiled in place",
                HINT,
            )
            return False
        if isinstance(node, ast.Yield | ast.YieldFrom | ast.Global | ast.Nonlocal):
            lw.report(call, "DSF043", f"'{fn.name}' uses yield, global or nonlocal", HINT)
            return False
    if fn.decorator_list:
        lw.report(call, "DSF043", f"decorated function '{fn.name}' cannot be compiled in place", HINT)
        return False
    if _recursive(lw, fn):
        lw.report(call, "DSF043", f"'{fn.name}' calls itself (directly or through other helpers)", HINT)
        return False
    if not nested:
        visible = set(lw.env.variables) | set(lw.env.bound) | lw.env.exc_vars | {lw.env.input_param}
        clash = sorted((_free_names(fn) & visible) - {lw.env.ctx_name})
        if clash:
            lw.report(
                call,
                "DSF043",
                f"'{fn.name}' reads module-level name(s) {', '.join(clash)}, which the orchestrator "
                "also uses as variables",
                "rename the orchestrator's variables or pass the values as arguments",
            )
            return False
    return True


def _recursive(lw: LowererCore, fn: Function) -> bool:
    seen: set[str] = set()
    stack = [fn]
    while stack:
        current = stack.pop()
        for node in ast.walk(current):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id == fn.name:
                    return True
                callee = lw.helper_defs.get(node.func.id) or lw.module.functions.get(node.func.id)
                if callee is not None and node.func.id not in seen:
                    seen.add(node.func.id)
                    stack.append(callee)
    return False


# -- expressions ------------------------------------------------------------------------------------


def as_branch(lw: LowererCore, call: ast.Call) -> ast.Call | None:
    """A call of a module-level `async def` used as a task (`[process(ctx, x) for x in xs]`),
    rewritten as a call of a nested async def registered in `lw.branch_defs` (the parameters
    that receive `ctx` dropped, the others kept); None when `call` is not one."""
    if not isinstance(call.func, ast.Name) or call.func.id in lw.branch_defs:
        return None
    found = find(lw, call.func.id)
    if found is None or found[1] or not isinstance(found[0], ast.AsyncFunctionDef):
        return None
    fn = found[0]
    if not _check(lw, fn, False, call):
        return None
    bound = _bind(lw, fn, call)
    if bound is None:
        return None
    ctx_params = {n for n, v in bound.items() if isinstance(v, ast.Name) and v.id == lw.env.ctx_name}
    kept = [a for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs if a.arg not in ctx_params]
    branch = copy.deepcopy(fn)
    branch.args = ast.arguments(posonlyargs=[], args=kept, kwonlyargs=[], kw_defaults=[], defaults=[])
    branch.body = [_Renamer({p: lw.env.ctx_name for p in ctx_params}).visit(s) for s in branch.body]
    name = lw.fresh(fn.name)  # the key the call uses; the branch keeps the function's name
    lw.branch_defs[name] = branch
    func = ast.copy_location(ast.Name(id=name, ctx=ast.Load()), call.func)
    return ast.copy_location(ast.Call(func=func, args=[bound[a.arg] for a in kept], keywords=[]), call)


def expressible(fn: Function) -> bool:
    """Whether the helper's body is assignments, if/else and returns only (a JSONata block)."""
    if isinstance(fn, ast.AsyncFunctionDef):
        return False

    def ok(stmts: list[ast.stmt]) -> bool:
        for s in stmts:
            if isinstance(s, ast.Return | ast.Pass):
                continue
            if (
                isinstance(s, ast.Expr)
                and isinstance(s.value, ast.Constant)
                and isinstance(s.value.value, str)
            ):
                continue
            if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name):
                continue
            if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and s.value is not None:
                continue
            if isinstance(s, ast.If) and ok(s.body) and ok(s.orelse):
                continue
            return False
        return True

    return ok(fn.body) and not any(
        isinstance(n, ast.Await)
        or (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in CTX_OPERATIONS)
        for n in ast.walk(fn)
    )


def inline_expression(lw: LowererCore, call: ast.Call) -> Expr | None:
    """A call of a helper inside an expression, as a JSONata block; None when `call` is not one."""
    if not isinstance(call.func, ast.Name):
        return None
    found = find(lw, call.func.id)
    if found is None:
        return None
    fn, nested = found
    if not expressible(fn):
        lw.report(
            call,
            "DSF043",
            f"'{fn.name}' can only be called as a statement (x = {fn.name}(...)): its body does more "
            "than assign, branch and return",
            "call it on its own line and use the variable",
        )
        return Expr.raw("null")
    if not _check(lw, fn, nested, call):
        return Expr.raw("null")
    bound = _bind(lw, fn, call)
    if bound is None:
        return Expr.raw("null")
    prefix = f"$__h{next(_COUNTER)}_"
    bindings = [(prefix + name, lw.expr.translate(value)) for name, value in bound.items()]
    # A local read on a path that has not assigned it raises Python's UnboundLocalError (never
    # the caller's variable of that name); each assignment maps the name to its block variable.
    scope: dict[str, str | Expr] = {name: _unbound(name) for name in _locals(fn) - set(bound)}
    scope.update({name: prefix + name for name in bound})
    lw.env.locals.append(scope)
    try:
        body = _statements_expr(lw, fn.body, scope, prefix)
    finally:
        lw.env.locals.pop()
    items: list[str | Expr] = ["("]
    for name, value in bindings:
        items += [f"{name} := ", value, "; "]
    return join(*items, body, ")", ty=body.ty)


def _unbound(name: str) -> str:
    return raise_(
        "UnboundLocalError", f"cannot access local variable '{name}' where it is not associated with a value"
    )


def _statements_expr(
    lw: LowererCore, stmts: list[ast.stmt], scope: dict[str, str | Expr], prefix: str
) -> Expr:
    """The value a statement list returns (None when it falls off the end)."""
    for i, s in enumerate(stmts):
        rest = stmts[i + 1 :]
        if isinstance(s, ast.Return):
            return lw.expr.translate(s.value) if s.value is not None else Expr.literal(None)
        if isinstance(s, ast.Assign | ast.AnnAssign):
            target = s.targets[0] if isinstance(s, ast.Assign) else s.target
            assert isinstance(target, ast.Name) and s.value is not None
            value = lw.expr.translate(s.value)
            name = prefix + target.id
            # A number whose kind arithmetic decides keeps it beside the value, read with it
            # (`t = x + y` then `f"{t}"` prints 1.0 for 0.5 + 0.5).
            kind = f"{name}__kind" if value.float_when is not None else None
            local = Expr((name,), value.ty, float_when=Expr.raw(kind, Ty.BOOL) if kind else None)
            inner: dict[str, str | Expr] = dict(scope, **{target.id: local})
            lw.env.locals.append(inner)
            try:
                tail = _statements_expr(lw, rest, inner, prefix)
            finally:
                lw.env.locals.pop()
            if kind is not None and value.float_when is not None:
                return join(
                    "(",
                    f"{kind} := ",
                    value.float_when,
                    "; ",
                    f"{name} := ",
                    value,
                    "; ",
                    tail,
                    ")",
                    ty=tail.ty,
                )
            return join("(", f"{name} := ", value, "; ", tail, ")", ty=tail.ty)
        if isinstance(s, ast.If):
            test = lw.expr.condition(s.test)
            then = _statements_expr(lw, s.body + rest, scope, prefix)
            orelse = _statements_expr(lw, s.orelse + rest, scope, prefix)
            ty = then.ty if then.ty is orelse.ty else Ty.UNKNOWN
            return join("(", test, " ? ", then, " : ", orelse, ")", ty=ty)
    return Expr.literal(None)


# -- statements -------------------------------------------------------------------------------------


def _call_of(stmt: ast.stmt) -> tuple[ast.Call, bool, str, ast.expr | None] | None:
    """(call, awaited, mode, target) for `x = [await] f(...)`, `[await] f(...)`, `return [await] f(...)`."""
    value: ast.expr | None
    target: ast.expr | None = None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        value, target, mode = stmt.value, stmt.targets[0], "assign"
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        value, target, mode = stmt.value, stmt.target, "assign"
    elif isinstance(stmt, ast.Expr):
        value, mode = stmt.value, "expr"
    elif isinstance(stmt, ast.Return) and stmt.value is not None:
        value, mode = stmt.value, "return"
    else:
        return None
    awaited = isinstance(value, ast.Await)
    if isinstance(value, ast.Await):
        value = value.value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return value, awaited, mode, target
    return None


def _hoist_task_list(lw: LowererCore, stmt: ast.stmt) -> list[ast.stmt] | None:
    """`... await ctx.task_all(helper(...)) ...` -> `tasks = helper(...)` then the statement
    awaiting `tasks` (the helper builds the task list, the caller awaits it)."""
    if not isinstance(stmt, ast.Assign | ast.Expr | ast.Return | ast.AnnAssign):
        return None
    value = stmt.value
    if not isinstance(value, ast.Await):
        return None
    op = lw.ctx_call(value.value)
    if op is None or op[0] != "task_all" or not op[1].args:
        return None
    arg = op[1].args[0]
    if not (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name)):
        return None
    found = find(lw, arg.func.id)
    if found is None or isinstance(found[0], ast.AsyncFunctionDef):
        return None
    holder = lw.fresh(f"{arg.func.id}_tasks")
    rewritten = copy.copy(stmt)
    call = copy.copy(op[1])
    call.args = [ast.copy_location(ast.Name(id=holder, ctx=ast.Load()), arg), *call.args[1:]]
    rewritten.value = ast.copy_location(ast.Await(value=call), value)
    return [_assign(holder, arg, stmt), rewritten]


def expand(lw: LowererCore, stmt: ast.stmt) -> list[ast.stmt] | None:
    """The statements a helper call statement stands for, or None when it is not one (or when
    the call is better compiled as an expression)."""
    hoisted = _hoist_task_list(lw, stmt)
    if hoisted is not None:
        return hoisted
    found_call = _call_of(stmt)
    if found_call is None:
        return None
    call, awaited, mode, target = found_call
    assert isinstance(call.func, ast.Name)
    found = find(lw, call.func.id)
    if found is None:
        return None
    fn, nested = found
    is_async = isinstance(fn, ast.AsyncFunctionDef)
    if is_async and not awaited:
        return None  # a coroutine created now: a task, awaited later (task_all)
    if awaited and not is_async:
        return None  # awaiting a plain function's result: reported where it is lowered
    if not is_async and expressible(fn) and mode != "expr":
        return None  # compiled as a JSONata block where it is used
    if target is not None and not isinstance(target, ast.Name):
        return None
    if not _check(lw, fn, nested, call):
        return [ast.copy_location(ast.Pass(), stmt)]
    bound = _bind(lw, fn, call)
    if bound is None:
        return [ast.copy_location(ast.Pass(), stmt)]
    return _expansion(lw, fn, bound, stmt, mode, target)


def _expansion(
    lw: LowererCore,
    fn: Function,
    bound: dict[str, ast.expr],
    stmt: ast.stmt,
    mode: str,
    target: ast.expr | None,
) -> list[ast.stmt]:
    ctx_params = {
        name for name, value in bound.items() if isinstance(value, ast.Name) and value.id == lw.env.ctx_name
    }
    renames = {name: lw.fresh(f"{fn.name}_{name}") for name in sorted(_locals(fn) - ctx_params)}
    renames.update({name: lw.env.ctx_name for name in ctx_params})
    body = [_Renamer(renames).visit(copy.deepcopy(s)) for s in fn.body]
    # The helper's reads of its own locals that some path reaches unassigned raise Python's
    # UnboundLocalError, as in the orchestrator's body (its parameters are assigned first).
    unassigned_reads.mark_body(body, [renames[name] for name in bound if name not in ctx_params])
    out: list[ast.stmt] = []
    for name, value in bound.items():
        if name in ctx_params:
            continue
        out.append(_assign(renames[name], value, stmt))

    def result(value: ast.expr | None, at: ast.stmt) -> list[ast.stmt]:
        value = value if value is not None else ast.copy_location(ast.Constant(value=None), at)
        if mode == "return":
            return [ast.copy_location(ast.Return(value=value), at)]
        if mode == "assign":
            assert isinstance(target, ast.Name)
            return [_assign(target.id, value, at)]
        return [_assign(lw.fresh(f"{fn.name}_result"), value, at)]

    structured = _single_exit(lw, body, result, stmt)
    if structured is None:
        return [ast.copy_location(ast.Pass(), stmt)]
    lw.inlined.append(ast.Module(body=structured, type_ignores=[]))
    return out + structured


def _assign(name: str, value: ast.expr, at: ast.AST) -> ast.stmt:
    node = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value)
    return ast.fix_missing_locations(ast.copy_location(node, at))


def _returns(stmts: list[ast.stmt]) -> bool:
    return any(isinstance(n, ast.Return) for s in stmts for n in walk_scope(s))


def _always_exits(stmts: list[ast.stmt]) -> bool:
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, ast.Return | ast.Raise):
        return True
    return isinstance(last, ast.If) and _always_exits(last.body) and _always_exits(last.orelse)


def _single_exit(
    lw: LowererCore,
    stmts: list[ast.stmt],
    result: Callable[[ast.expr | None, ast.stmt], list[ast.stmt]],
    call_stmt: ast.stmt,
) -> list[ast.stmt] | None:
    """`stmts` with every `return` turned into `result(...)` and the statements after an `if`
    that may return moved into its branch that does not: one way out, at the end."""
    out: list[ast.stmt] = []
    for i, s in enumerate(stmts):
        rest = stmts[i + 1 :]
        if isinstance(s, ast.Return):
            return out + result(s.value, s)
        if isinstance(s, ast.Raise):
            return [*out, s]
        if isinstance(s, ast.If) and _returns([s]):
            then_exits, else_exits = _always_exits(s.body), _always_exits(s.orelse)
            if rest and not then_exits and not else_exits:
                lw.report(
                    s,
                    "DSF043",
                    "a helper compiled in place may return early only from a branch that always returns",
                    "end each branch with a return, or return once at the end",
                )
                return None
            if then_exits and else_exits:
                rest = []  # never reached
            body = _single_exit(lw, s.body + ([] if then_exits else rest), result, call_stmt)
            orelse = _single_exit(lw, s.orelse + ([] if else_exits else rest), result, call_stmt)
            if body is None or orelse is None:
                return None
            new = ast.copy_location(ast.If(test=s.test, body=body or [ast.Pass()], orelse=orelse), s)
            return [*out, ast.fix_missing_locations(new)]
        if not isinstance(s, ast.If) and _returns([s]):
            lw.report(
                s,
                "DSF043",
                "a helper compiled in place cannot return from inside a loop, try or with block",
                "set a variable and return it after the block",
            )
            return None
        out.append(s)
    if out and _always_exits(out):
        return out
    return out + result(None, stmts[-1] if stmts else call_stmt)


class _Renamer(ast.NodeTransformer):
    def __init__(self, renames: dict[str, str]) -> None:
        self.renames = renames

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id in self.renames:
            setattr(node, unassigned_reads.SOURCE_NAME, node.id)  # for Python's error messages
            node.id = self.renames[node.id]
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.Lambda:
        # A parameter named like a local of the helper is renamed with it: the body's reads stay its own.
        for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
            a.arg = self.renames.get(a.arg, a.arg)
        self.generic_visit(node)
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.ExceptHandler:
        if node.name in self.renames:
            node.name = self.renames[node.name]
        self.generic_visit(node)
        return node
