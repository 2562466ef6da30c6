"""Python statements -> IR: the concrete lowerer, and `lower_orchestrator`, the frontend's entry.

One `visit_<Node>` method per supported statement; any other statement is reported with DSF001, so
the compiler never silently drops code it does not understand. The orchestration context's
operations (`await ctx.call_activity(...)`, ...) are lowered in `ctx_ops`, `ctx.task_all` in
`task_all`, `try`/`raise` in `try_raise`; expressions go to `expressions.translator`. `Lowerer`
ties them together by implementing the hooks of `core.LowererCore` that those modules call.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any

from durable_sfn.compiler import ir
from durable_sfn.compiler.diagnostics import STATEMENT_HINTS, DiagnosticSink
from durable_sfn.compiler.expressions import runtime
from durable_sfn.compiler.frontend import (
    aliasing,
    ctx_ops,
    dispatch,
    durable_api,
    entity_ids,
    helpers,
    item_mutations,
    log_calls,
    loop_targets,
    map_calls,
    number_kinds,
    races,
    reversed_calls,
    task_all,
    task_lists,
    try_raise,
    typed_data,
    unassigned_reads,
    unpacking,
)
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.frontend.scopes import ModuleInfo, all_names
from durable_sfn.compiler.frontend.source_labels import dotted_name, return_label, source_label
from durable_sfn.compiler.ir import Expr, Loc, Ty

# Modules an orchestrator body may import: the compiler translates what it uses of them.
IMPORTABLE = {"json", "logging"}


class Lowerer(LowererCore):
    """The statement visitor: one `visit_<Node>` method per supported statement."""

    def __init__(
        self,
        sink: DiagnosticSink,
        module: ModuleInfo,
        ctx_name: str,
        input_param: str | None,
        *,
        outer: LowererCore | None = None,
    ) -> None:
        super().__init__(sink, module, ctx_name, input_param, outer=outer)
        self.env.inline_call = partial(helpers.inline_expression, self)

    def branch_lowerer(self) -> Lowerer:
        return Lowerer(self.sink, self.module, self.env.ctx_name, self.env.input_param, outer=self)

    def lower_await(self, node: ast.Await, target: ast.Name | None, stmt: ast.stmt) -> list[ir.Stmt]:
        if durable_api.member(node.value, self.env.ctx_name) or durable_api.function(
            node.value, self.env.ctx_name
        ):
            self.expr.translate(node.value)  # a Durable API member with no compiled form: refused there
            return []
        race = self.ctx_call(node.value)
        if race is not None and race[0] in races.RACE_OPS:
            return races.lower_task_any(self, race[1], target, stmt, self.loc(stmt))
        return ctx_ops.lower_await(self, node, target, stmt)

    def lower_task_all(self, call: ast.Call, target: ast.Name | None, loc: Loc) -> list[ir.Stmt]:
        return task_all.lower_task_all(self, call, target, loc)

    # -- blocks -----------------------------------------------------------------------------------
    def block(self, stmts: list[ast.stmt]) -> ir.Block:
        out: list[ir.Stmt] = []
        saved = self.deferred.enter(out)
        try:
            self._statements(stmts, out)
        finally:
            self.deferred.leave(saved)
        return tuple(out)

    def _statements(self, stmts: list[ast.stmt], out: list[ir.Stmt]) -> None:
        terminated: ast.stmt | None = None
        queue = deque(stmts)
        while queue:
            stmt = queue.popleft()
            stmt = races.rewrite(self, stmt)  # the task API on the records of a finished race
            stmt = typed_data.rewrite(self, stmt)  # typed values' fields, isinstance, type(e)
            stmt = reversed_calls.rewrite(stmt)  # `for x in reversed(xs)`: list(xs)[::-1]
            stmt = map_calls.rewrite(stmt)  # `", ".join(map(str, xs))`: (str(x) for x in xs)
            stmt = entity_ids.rewrite(self, stmt)  # `counter = EntityId(...)` and calls through it
            expanded = helpers.expand(self, stmt) if terminated is None else None
            if expanded is not None:
                queue.extendleft(reversed(expanded))  # a helper call: its body, in place
                continue
            if (
                terminated is not None
                and isinstance(stmt, ast.Return)
                and out
                and isinstance(out[-1], ir.ContinueAsNew)
            ):
                continue  # Durable style: `ctx.continue_as_new(x)` then `return`
            if terminated is not None:
                self.report(stmt, "DSF023", "this statement can never run", "remove it")
                break
            method: Callable[[Any], list[ir.Stmt]] | None = getattr(
                self, "visit_" + type(stmt).__name__, None
            )
            if method is None:
                self.report(
                    stmt,
                    "DSF001",
                    f"'{type(stmt).__name__}' statements are not supported in an orchestrator",
                    STATEMENT_HINTS.get(type(stmt).__name__, ""),
                )
                continue
            lowered = self.deferred.lower(try_raise.exception_messages(self, stmt), method)
            out.extend(lowered)
            if lowered and isinstance(
                lowered[-1], ir.Return | ir.Raise | ir.ContinueAsNew | ir.Break | ir.Continue
            ):
                terminated = stmt

    # -- simple statements ----------------------------------------------------------------------
    def visit_Pass(self, node: ast.Pass) -> list[ir.Stmt]:
        return []

    def visit_Expr(self, node: ast.Expr) -> list[ir.Stmt]:
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return []  # a docstring or a string used as a comment
        if isinstance(value, ast.Await):
            return self.lower_await(value, None, node)
        if isinstance(value, ast.Call):
            logged = log_calls.log_statement(self, value, node)
            if logged is not None:
                return logged
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            func = value.func
            if isinstance(func.value, ast.Name) and func.value.id == self.env.ctx_name:
                return ctx_ops.lower_ctx_statement(self, value, node)
            if isinstance(func.value, ast.Name) and func.attr in ("append", "extend", "update"):
                appended = task_lists.append_task(self, node, func.value.id, value)
                if appended is not None:
                    return appended  # `tasks.append(ctx.call_activity(...))`: a task list, pending
                if len(value.args) == 1 and isinstance(value.args[0], ast.Await) and not value.keywords:
                    # `results.append(await ctx.call_activity(...))`: the result first, then the call.
                    holder = ast.copy_location(ast.Name(id=self.fresh("awaited"), ctx=ast.Store()), node)
                    awaited = self.lower_await(value.args[0], holder, node)
                    if not awaited:
                        return []
                    value.args[0] = ast.copy_location(ast.Name(id=holder.id, ctx=ast.Load()), node)
                    return [*awaited, *self._mutation(node, func.value, func.attr, value)]
                return self._mutation(node, func.value, func.attr, value)
            if isinstance(func.value, ast.Name) and func.attr in ("sort", "reverse"):
                return self._reorder(node, func.value, func.attr, value)
            if func.attr in item_mutations.MUTATORS and isinstance(func.value, ast.Subscript | ast.Call):
                return item_mutations.lower_item_mutation(self, node, value)  # groups[k].append(v)
            if item_mutations.is_setdefault(value):
                return item_mutations.lower_setdefault(self, node, value, None)
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id in self.branch_defs
        ):
            self.report(
                node,
                "DSF005",
                f"calling async '{value.func.id}(...)' without await runs nothing",
                f"write `await {value.func.id}(...)` (compiled in place), or pass the calls to ctx.task_all([...])",
            )
            return []
        self.expr.translate(value)
        if not self.sink.items:
            self.report(node, "DSF001", "this expression statement has no effect", "remove it")
        return []

    def _mutation(self, node: ast.stmt, target: ast.Name, method: str, call: ast.Call) -> list[ir.Stmt]:
        if len(call.args) != 1 or call.keywords:
            self.report(call, "DSF002", f".{method}() takes exactly one argument here")
            return []
        if item_mutations.changes_outer(self, target.id, target):
            return []
        current = self.expr.translate(target)
        arg = self.expr.translate(call.args[0])
        if method == "append":
            value = runtime.appended(current, arg)
        elif method == "extend":
            value = runtime.extended(current, arg)
        else:
            value = runtime.updated(current, arg)
        name = self.bind_target(target.id, value.ty, target)
        return [ir.Assign(name, value, self.loc(node))]

    def _reorder(self, node: ast.stmt, target: ast.Name, method: str, call: ast.Call) -> list[ir.Stmt]:
        """`xs.sort(key=..., reverse=...)` and `xs.reverse()`: the list's new order, as
        `sorted(xs, ...)` and `xs[::-1]` give it (stable, the same errors); only a list has them."""
        allowed = {"key", "reverse"} if method == "sort" else set()
        if call.args or any(kw.arg not in allowed for kw in call.keywords):
            hint = "xs.sort(), xs.sort(key=..., reverse=True)" if method == "sort" else "xs.reverse()"
            self.report(call, "DSF002", f".{method}() takes no positional arguments here", hint)
            return []
        if item_mutations.changes_outer(self, target.id, target):
            return []
        load = ast.copy_location(ast.Name(id=target.id, ctx=ast.Load()), target)
        if method == "sort":
            reordered: ast.expr = ast.Call(
                func=ast.Name(id="sorted", ctx=ast.Load()), args=[load], keywords=call.keywords
            )
        else:
            step = ast.UnaryOp(op=ast.USub(), operand=ast.Constant(1))
            reordered = ast.Subscript(value=load, slice=ast.Slice(None, None, step), ctx=ast.Load())
        reordered = ast.fix_missing_locations(ast.copy_location(reordered, call))
        value = runtime.list_method(self.expr.translate(target), method, self.expr.translate(reordered))
        name = self.bind_target(target.id, value.ty, target)
        return [ir.Assign(name, value, self.loc(node))]

    def visit_Assign(self, node: ast.Assign) -> list[ir.Stmt]:
        if len(node.targets) != 1:
            self.report(
                node, "DSF022", "chained assignment (a = b = ...) is not supported", "assign one name"
            )
            return []
        return self._assign(node, node.targets[0], node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> list[ir.Stmt]:
        if node.value is None:
            return []
        return self._assign(node, node.target, node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> list[ir.Stmt]:
        if isinstance(node.target, ast.Subscript):
            return item_mutations.lower_item_augmented(self, node, node.target)  # counts[k] += 1
        if not isinstance(node.target, ast.Name):
            self.report(node, "DSF022", "augmented assignment is only supported to a plain name")
            return []
        awaited: list[ir.Stmt] = []
        value = node.value
        if isinstance(value, ast.Await):
            # `total += await ctx.call_activity(...)`: the result first, then the operation.
            holder = ast.copy_location(ast.Name(id=self.fresh("awaited"), ctx=ast.Store()), node)
            awaited = self.lower_await(value, holder, node)
            if not awaited:
                return []
            value = ast.copy_location(ast.Name(id=holder.id, ctx=ast.Load()), node)
        load = ast.Name(id=node.target.id, ctx=ast.Load(), lineno=node.lineno, col_offset=node.col_offset)
        if getattr(node.target, unassigned_reads.MARK, False):  # x may be unassigned here
            setattr(load, unassigned_reads.MARK, True)
        binop = ast.BinOp(left=load, op=node.op, right=value, lineno=node.lineno, col_offset=node.col_offset)
        # `xs += ys` extends the list with any iterable; when another name that reads it later
        # shares the list, a list there fails (see frontend/aliasing), since the copy would not change.
        binop.in_place = "shared" if getattr(node, "list_shared", False) else True  # type: ignore[attr-defined]
        return [*awaited, *self._assign(node, node.target, binop)]

    def _assign(self, node: ast.stmt, target: ast.expr, value: ast.expr) -> list[ir.Stmt]:
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            if isinstance(target.slice, ast.Slice):
                self.report(target, "DSF022", "assignment to a slice is not supported")
                return []
            if isinstance(value, ast.Await):
                # `d[key] = await ctx.call_activity(...)`: the result first, then the item.
                holder = ast.copy_location(ast.Name(id=self.fresh("awaited"), ctx=ast.Store()), node)
                awaited = self.lower_await(value, holder, node)
                if not awaited:
                    return []
                loaded = ast.copy_location(ast.Name(id=holder.id, ctx=ast.Load()), node)
                return [*awaited, *self._assign(node, target, loaded)]
            if item_mutations.changes_outer(self, target.value.id, target):
                return []
            current = self.expr.translate(target.value)
            key = self.expr.translate(target.slice)
            # A key of unknown type is fine in a dict the compiler knows is one: item_set checks
            # at run time that it is a string, as a JSON object key must be.
            if key.ty is not Ty.STR and not (key.ty is Ty.UNKNOWN and current.ty is Ty.DICT):
                self.report(
                    target,
                    "DSF022",
                    "only dict items can be assigned (d['key'] = value)",
                    "build a new list with a comprehension instead of assigning xs[i]",
                )
                return []
            new = self.expr.translate(value)
            merged = runtime.item_set(current, key, new)
            return [ir.Assign(self.bind_target(target.value.id, Ty.DICT, target), merged, self.loc(node))]
        if isinstance(target, ast.Tuple | ast.List):
            return unpacking.lower_unpack(self, node, target, value)
        if isinstance(target, ast.Attribute):
            self.report(
                target,
                "DSF022",
                f"assigning an attribute ('.{target.attr} = ...') is not supported",
                f"typed values are read-only in an orchestrator: keep the new value in a variable "
                f"({target.attr} = ...), or build a dict: {{**{ast.unparse(target.value)}, {target.attr!r}: ...}}",
            )
            return []
        if not isinstance(target, ast.Name):
            self.report(
                target,
                "DSF022",
                "only assignment to names (or d['key']) is supported",
                "assign each value on its own line",
            )
            return []
        if isinstance(value, ast.Await):
            return self.lower_await(value, target, node)
        if isinstance(value, ast.Call) and (dotted_name(value.func) or "").split(".")[-1] == "RetryOptions":
            self.retry_options[target.id] = value  # read where it is used, as a literal policy
            return []
        if (dotted_name(value) or "") in self.retry_options:
            self.retry_options[target.id] = self.retry_options[dotted_name(value) or ""]  # `retry = RETRY`
            return []
        if isinstance(value, ast.Name) and value.id in self.deferred.here and value.id != target.id:
            # `tasks = helper_tasks`: the same pending tasks under another name (e.g. a helper's
            # returned task list), still awaited once, by the caller.
            self.deferred.here[target.id] = self.deferred.here.pop(value.id)
            return []
        if ctx_ops.is_unawaited_task(self, value):
            self.deferred.create(target.id, value, node)
            return []
        if log_calls.bind_logger(self, target, value):
            return []
        if isinstance(value, ast.Lambda):
            self.expr.translate(value)
            return []
        if item_mutations.is_setdefault(value):
            assert isinstance(value, ast.Call)
            return item_mutations.lower_setdefault(self, node, value, target)
        expr = self.expr.translate(value)
        name = self.bind_target(target.id, expr.ty, target)
        # A value that is no number (a datetime, a text, ...) needs no kind: only numbers print by it.
        numeric = expr.ty in (Ty.NUM, Ty.UNKNOWN, Ty.FLOAT, Ty.BOOL)
        companion = self.env.kinds.get(name) if numeric else None
        signed = companion in self.env.signed_kinds
        kind = (companion, runtime.kind_value(expr, signed)) if companion is not None else None
        return [ir.Assign(name, expr, self.loc(node), kind)]

    def visit_Return(self, node: ast.Return) -> list[ir.Stmt]:
        # Out of a try ... finally, the finally block runs after the value is evaluated (backend).
        if node.value is None:
            return [ir.Return(Expr.literal(None), self.loc(node))]
        if isinstance(node.value, ast.Await):
            tmp = self.fresh("result")
            target = ast.Name(id=tmp, ctx=ast.Store(), lineno=node.lineno, col_offset=node.col_offset)
            lowered = self.lower_await(node.value, target, node)
            if not lowered:
                return []
            return dispatch.returned(lowered, ir.Return(Expr.var(tmp), self.loc(node)))
        return [ir.Return(self.expr.translate(node.value), self.loc(node), return_label(node.value))]

    def visit_Raise(self, node: ast.Raise) -> list[ir.Stmt]:
        return try_raise.lower_raise(self, node)

    def visit_Break(self, node: ast.Break) -> list[ir.Stmt]:
        if not self.loop_depth:
            self.report(node, "DSF015", "'break' outside a loop")
            return []
        return [ir.Break(self.loc(node))]  # out of a try ... finally: the finally block runs first

    def visit_Continue(self, node: ast.Continue) -> list[ir.Stmt]:
        if not self.loop_depth:
            self.report(node, "DSF015", "'continue' outside a loop")
            return []
        return [ir.Continue(self.loc(node))]

    # -- compound statements --------------------------------------------------------------------
    def visit_If(self, node: ast.If) -> list[ir.Stmt]:
        cond = self.expr.condition(node.test)
        then = self.block(node.body)
        orelse = self.block(node.orelse)
        if cond.is_const and isinstance(cond.const, bool):
            # e.g. `if not ctx.is_replaying:`: only one branch can ever run, and no state decides.
            return list(then if cond.const else orelse)
        return [ir.If(cond, then, orelse, self.loc(node), source_label(node.test))]

    def visit_While(self, node: ast.While) -> list[ir.Stmt]:
        if node.orelse:
            self.report(node, "DSF001", "while ... else is not supported", "use a flag variable")
        cond = self.expr.condition(node.test)
        self.loop_depth += 1
        body = self.block(node.body)
        self.loop_depth -= 1
        return [ir.While(cond, body, self.loc(node), source_label(node.test))]

    def visit_For(self, node: ast.For) -> list[ir.Stmt]:
        node = dispatch.table_loop(self, node) or node  # `for step in STAGES:` over activities
        deferred = task_lists.lower_task_loop(self, node)
        if deferred is not None:
            return deferred  # `tasks.append(ctx.call_activity(...))`: awaited later, by task_all
        if node.orelse:
            self.report(node, "DSF001", "for ... else is not supported", "use a flag variable")
        unpack: list[ir.Stmt] = []
        if isinstance(node.target, ast.Tuple | ast.List):
            # `for i, x in enumerate(xs)`, `for a, b in pairs`: bind each name from the item.
            looped = loop_targets.lower_loop_target(self, node, node.target)
            if looped is None:
                return []
            target, items, unpack, base = looped.variable, looped.items, looped.unpack, looped.base
        elif isinstance(node.target, ast.Name):
            base = node.target.id
            items = self.expr.iterable(node.iter)
            target = self.bind_target(node.target.id, Ty.UNKNOWN, node.target)
        else:
            self.report(
                node.target,
                "DSF022",
                "for loop targets must be names",
                "loop over the items and read x['key'] inside the loop",
            )
            return []
        index_var = self.fresh(f"{base}_index")
        items_var = self.fresh(f"{base}_items")
        self.loop_depth += 1
        body = (*unpack, *self.block(node.body))
        self.loop_depth -= 1
        self.own_vars |= {index_var, items_var}
        label = f"{source_label(node.target).strip('()')} in {source_label(node.iter)}"
        return [ir.ForEach(target, items, body, self.loc(node), label, index_var, items_var)]

    def visit_Try(self, node: ast.Try) -> list[ir.Stmt]:
        return try_raise.lower_try(self, node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> list[ir.Stmt]:
        if node.decorator_list:
            self.report(node, "DSF007", "decorated nested functions are not supported")
        self.branch_defs[node.name] = node
        return []

    def visit_FunctionDef(self, node: ast.FunctionDef) -> list[ir.Stmt]:
        if node.decorator_list:
            self.report(
                node,
                "DSF007",
                f"decorated nested function '{node.name}' is not supported",
                "define it without decorators: helpers are compiled where they are called",
            )
            return []
        self.helper_defs[node.name] = node  # compiled where it is called (`helpers`)
        return []

    def visit_Global(self, node: ast.Global) -> list[ir.Stmt]:
        self.report(node, "DSF009", "global is not supported: orchestrator state lives in its variables")
        return []

    visit_Nonlocal = visit_Global

    def visit_Import(self, node: ast.Import) -> list[ir.Stmt]:
        if isinstance(node, ast.Import) and all(
            alias.name in IMPORTABLE and alias.asname is None for alias in node.names
        ):
            self.imported.update(alias.name for alias in node.names)
            return []  # a module the compiler knows: nothing to run
        self.report(
            node,
            "DSF018",
            "imports inside an orchestrator are not supported (except `import json` and `import logging`)",
            "import at module level; the orchestrator body may only call ctx operations",
        )
        return []

    visit_ImportFrom = visit_Import


def lower_orchestrator(
    func: ast.AsyncFunctionDef, name: str, file: str, sink: DiagnosticSink, module: ModuleInfo
) -> ir.Orchestration:
    params = [a.arg for a in func.args.posonlyargs + func.args.args]
    if not 1 <= len(params) <= 2 or func.args.vararg or func.args.kwarg or func.args.kwonlyargs:
        sink.report(
            "DSF001",
            "an orchestrator takes (ctx) or (ctx, input)",
            func.lineno,
            func.col_offset,
            "declare it as `async def name(ctx: OrchestrationContext)`",
        )
        params = params[:1] or ["ctx"]
    lowerer = Lowerer(sink, module, params[0], params[1] if len(params) == 2 else None)
    _check_aliasing(func, sink, module, params[0], params[1] if len(params) == 2 else None)
    lowerer.scope_node = func
    lowerer.used_names |= all_names(func)
    lowerer.declare_assigned(func.body)
    unassigned_reads.mark_unassigned_reads(func, params)
    for variable, signed in sorted(number_kinds.kinds(func.body).items()):
        if variable in params:
            continue
        lowerer.env.kinds[variable] = lowerer.fresh(f"{variable}_kind")
        if signed:
            lowerer.env.signed_kinds.add(lowerer.env.kinds[variable])
    body = lowerer.block(func.body)
    return ir.Orchestration(name, file, func.lineno, body, frozenset(lowerer.own_vars))


def _check_aliasing(
    func: ast.AsyncFunctionDef, sink: DiagnosticSink, module: ModuleInfo, ctx: str, input_param: str | None
) -> None:
    """DSF051 for changing a list or dict another name refers to: in the orchestrator, in its
    nested functions and in the module's functions it calls (whose parameters are the caller's)."""
    aliasing.check(func, sink, ctx=ctx, input_parameter=input_param)
    aliasing.mark_shared_augmented(func, ctx=ctx, input_parameter=input_param)
    functions: dict[int, aliasing.Function] = {}
    for node in ast.walk(func):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node is not func:
            functions[id(node)] = node
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called = module.functions.get(node.func.id)
            if called is not None:
                functions[id(called)] = called
    for helper in functions.values():
        parameters = helper.args.posonlyargs + helper.args.args + helper.args.kwonlyargs
        aliasing.check(helper, sink, frozenset(a.arg for a in parameters))
