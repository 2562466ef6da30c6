"""Python `ast` -> IR. The only module (with expressions.py and builtins.py) that knows Python syntax.

One `visit_<Node>` method per supported statement; any other statement is reported with DSF001, so
the compiler never silently drops code it does not understand. The orchestration context's
operations (`await ctx.call_activity(...)`, ...) are lowered in `ctx_ops.py`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from durable_sfn.compiler import ir
from durable_sfn.compiler.diagnostics import STATEMENT_HINTS, DiagnosticSink
from durable_sfn.compiler.expressions.core import ExprEnv
from durable_sfn.compiler.expressions.text import join, singleton_list
from durable_sfn.compiler.expressions.translator import ExpressionTranslator
from durable_sfn.compiler.frontend.scopes import RESERVED, ModuleInfo, all_names, prescan
from durable_sfn.compiler.frontend.source_labels import dotted_name, return_label, source_label
from durable_sfn.compiler.ir import Expr, Loc, Ty


class Lowerer:
    """Lowers one function body (the orchestrator, or a task_all branch) into an IR block."""

    def __init__(
        self,
        sink: DiagnosticSink,
        module: ModuleInfo,
        ctx_name: str,
        input_param: str | None,
        *,
        outer: Lowerer | None = None,
    ) -> None:
        self.sink = sink
        self.module = module
        self.outer = outer
        self.in_branch = outer is not None
        self.env = ExprEnv(sink, ctx_name, input_param, {}, constants=module.constants)
        if outer is not None:  # a branch reads the enclosing orchestrator's variables
            self.env.variables.update(outer.env.variables)
            self.env.bound.update(outer.env.bound)
            self.env.exc_vars |= outer.env.exc_vars
        self.expr = ExpressionTranslator(self.env)
        self.branch_defs: dict[str, ast.AsyncFunctionDef] = {}
        self.retry_options: dict[str, ast.Call] = dict(outer.retry_options if outer else module.retry_options)
        self.pending: dict[str, ast.expr] = {}  # `t = ctx.call_activity(...)` without await
        self.handler_vars: list[str] = []  # innermost except clause's exception variable last
        self.loop_depth = 0
        self.finally_depth = 0
        self.finally_loops: list[int] = []  # loop depth where each enclosing try ... finally starts
        self.own_vars: set[str] = set()  # variables assigned in this scope (IR names)
        self.renamed: dict[str, str] = {}  # branch locals renamed away from outer variables
        self.used_names: set[str] = outer.used_names if outer else set()
        self._tmp = 0
        self._source_lines = sink.lines

    # -- helpers ----------------------------------------------------------------------------------
    def loc(self, node: ast.AST) -> Loc:
        line = getattr(node, "lineno", 0)
        text = self._source_lines[line - 1].strip() if 0 < line <= len(self._source_lines) else ""
        return Loc(line, getattr(node, "col_offset", 0), text)

    def report(self, node: ast.AST, code: str, message: str, hint: str = "") -> None:
        self.sink.report(code, message, getattr(node, "lineno", 0), getattr(node, "col_offset", 0), hint)

    def fresh(self, base: str) -> str:
        """A synthetic variable name unused anywhere in the orchestrator."""
        name = base
        n = 1
        while name in self.used_names:
            n += 1
            name = f"{base}{n}"
        self.used_names.add(name)
        return name

    def bind_target(self, name: str, ty: Ty, node: ast.AST) -> str:
        """The IR variable for assigning Python name `name` in this scope."""
        if name in RESERVED:
            self.report(node, "DSF006", f"'{name}' is a reserved variable name", RESERVED[name])
        if name.startswith("__"):
            self.report(node, "DSF006", f"'{name}': names starting with '__' are reserved for the compiler")
        if name == self.env.input_param:
            self.env.input_param = None  # from now on the parameter is an ordinary variable
        ir_name = self.renamed.get(name, name)
        if (
            self.in_branch
            and name not in self.renamed
            and name not in self.own_vars
            and name in self.outer_names()
        ):
            # Step Functions variables of an outer scope cannot be reassigned inside a branch;
            # Python makes the name local to the nested function anyway, so give it its own name.
            ir_name = self.renamed[name] = self.fresh(name + "_local")
        old = self.env.variables.get(ir_name)
        self.env.variables[ir_name] = ty if old in (None, ty) or ir_name not in self.own_vars else Ty.UNKNOWN
        if ir_name != name:
            self.env.bound[name] = Expr.var(ir_name, self.env.variables[ir_name])
        elif name in self.env.bound:
            del self.env.bound[name]
        self.env.exc_vars.discard(name)
        self.own_vars.add(ir_name)
        self.used_names.add(ir_name)
        return ir_name

    def outer_names(self) -> set[str]:
        names: set[str] = set()
        lowerer = self.outer
        while lowerer is not None:
            names |= set(lowerer.env.variables) | lowerer.env.exc_vars
            lowerer = lowerer.outer
        return names

    # -- blocks -----------------------------------------------------------------------------------
    def block(self, stmts: list[ast.stmt]) -> ir.Block:
        out: list[ir.Stmt] = []
        terminated: ast.stmt | None = None
        for stmt in stmts:
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
            lowered = method(stmt)
            out.extend(lowered)
            if lowered and isinstance(
                lowered[-1], ir.Return | ir.Raise | ir.ContinueAsNew | ir.Break | ir.Continue
            ):
                terminated = stmt
        return tuple(out)

    # -- simple statements ----------------------------------------------------------------------
    def visit_Pass(self, node: ast.Pass) -> list[ir.Stmt]:
        return []

    def visit_Expr(self, node: ast.Expr) -> list[ir.Stmt]:
        from durable_sfn.compiler.frontend.ctx_ops import lower_await, lower_ctx_statement

        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return []  # a docstring or a string used as a comment
        if isinstance(value, ast.Await):
            return lower_await(self, value, None, node)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            func = value.func
            if isinstance(func.value, ast.Name) and func.value.id == self.env.ctx_name:
                return lower_ctx_statement(self, value, node)
            if isinstance(func.value, ast.Name) and func.attr in ("append", "extend", "update"):
                return self._mutation(node, func.value, func.attr, value)
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id in self.branch_defs
        ):
            self.report(
                node,
                "DSF005",
                f"calling '{value.func.id}(...)' directly is not supported",
                "nested async functions run as task_all branches: await ctx.task_all([...])",
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
        current = self.expr.translate(target)
        arg = self.expr.translate(call.args[0])
        if method == "append":
            value = join("$append(", current, ", ", singleton_list(arg), ")", ty=Ty.LIST)
        elif method == "extend":
            value = join("$append(", current, ", ", arg, ")", ty=Ty.LIST)
        else:
            value = join("$merge([", current, ", ", arg, "])", ty=Ty.DICT)
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
        if not isinstance(node.target, ast.Name):
            self.report(node, "DSF022", "augmented assignment is only supported to a plain name")
            return []
        load = ast.Name(id=node.target.id, ctx=ast.Load(), lineno=node.lineno, col_offset=node.col_offset)
        binop = ast.BinOp(
            left=load, op=node.op, right=node.value, lineno=node.lineno, col_offset=node.col_offset
        )
        return self._assign(node, node.target, binop)

    def _assign(self, node: ast.stmt, target: ast.expr, value: ast.expr) -> list[ir.Stmt]:
        from durable_sfn.compiler.frontend.ctx_ops import is_unawaited_task, lower_await

        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            if isinstance(target.slice, ast.Slice):
                self.report(target, "DSF022", "assignment to a slice is not supported")
                return []
            current = self.expr.translate(target.value)
            key = self.expr.translate(target.slice)
            if key.ty is not Ty.STR:
                self.report(
                    target,
                    "DSF022",
                    "only dict items can be assigned (d['key'] = value)",
                    "build a new list with a comprehension instead of assigning xs[i]",
                )
                return []
            new = self.expr.translate(value)
            merged = join("$merge([", current, ", {", key, ": ", new, "}])", ty=Ty.DICT)
            return [ir.Assign(self.bind_target(target.value.id, Ty.DICT, target), merged, self.loc(node))]
        if not isinstance(target, ast.Name):
            self.report(
                target,
                "DSF022",
                "only assignment to a single name (or d['key']) is supported",
                "assign each value on its own line",
            )
            return []
        if isinstance(value, ast.Await):
            return lower_await(self, value, target, node)
        if isinstance(value, ast.Call) and (dotted_name(value.func) or "").split(".")[-1] == "RetryOptions":
            self.retry_options[target.id] = value  # read where it is used, as a literal policy
            return []
        if is_unawaited_task(self, value):
            self.pending[target.id] = value
            return []
        if isinstance(value, ast.Lambda):
            self.expr.translate(value)
            return []
        expr = self.expr.translate(value)
        return [ir.Assign(self.bind_target(target.id, expr.ty, target), expr, self.loc(node))]

    def visit_Return(self, node: ast.Return) -> list[ir.Stmt]:
        from durable_sfn.compiler.frontend.ctx_ops import lower_await

        if self.finally_depth:
            self.report(
                node,
                "DSF026",
                "return inside try ... finally is not supported",
                "assign the result to a variable and return it after the try statement",
            )
            return []
        if node.value is None:
            return [ir.Return(Expr.literal(None), self.loc(node))]
        if isinstance(node.value, ast.Await):
            tmp = self.fresh("result")
            target = ast.Name(id=tmp, ctx=ast.Store(), lineno=node.lineno, col_offset=node.col_offset)
            lowered = lower_await(self, node.value, target, node)
            if not lowered:
                return []
            return [*lowered, ir.Return(Expr.var(tmp), self.loc(node))]
        return [ir.Return(self.expr.translate(node.value), self.loc(node), return_label(node.value))]

    def visit_Raise(self, node: ast.Raise) -> list[ir.Stmt]:
        from durable_sfn.compiler.frontend.try_raise import lower_raise

        return lower_raise(self, node)

    def visit_Break(self, node: ast.Break) -> list[ir.Stmt]:
        if not self.loop_depth:
            self.report(node, "DSF015", "'break' outside a loop")
            return []
        if self.finally_loops and self.finally_loops[-1] == self.loop_depth:
            self.report(
                node,
                "DSF026",
                "'break' out of a try ... finally is not supported",
                "set a flag variable and break after the try statement",
            )
            return []
        return [ir.Break(self.loc(node))]

    def visit_Continue(self, node: ast.Continue) -> list[ir.Stmt]:
        if not self.loop_depth:
            self.report(node, "DSF015", "'continue' outside a loop")
            return []
        if self.finally_loops and self.finally_loops[-1] == self.loop_depth:
            self.report(
                node,
                "DSF026",
                "'continue' out of a try ... finally is not supported",
                "set a flag variable and continue after the try statement",
            )
            return []
        return [ir.Continue(self.loc(node))]

    # -- compound statements --------------------------------------------------------------------
    def visit_If(self, node: ast.If) -> list[ir.Stmt]:
        cond = self.expr.condition(node.test)
        then = self.block(node.body)
        orelse = self.block(node.orelse)
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
        if node.orelse:
            self.report(node, "DSF001", "for ... else is not supported", "use a flag variable")
        if not isinstance(node.target, ast.Name):
            self.report(
                node.target,
                "DSF022",
                "for loop targets must be a single name",
                "loop over the items and read x['key'] inside the loop",
            )
            return []
        items = self.expr.iterable(node.iter)
        index_var = self.fresh(f"{node.target.id}_index")
        items_var = self.fresh(f"{node.target.id}_items")
        target = self.bind_target(node.target.id, Ty.UNKNOWN, node.target)
        self.loop_depth += 1
        body = self.block(node.body)
        self.loop_depth -= 1
        self.own_vars |= {index_var, items_var}
        label = f"{node.target.id} in {source_label(node.iter)}"
        return [ir.ForEach(target, items, body, self.loc(node), label, index_var, items_var)]

    def visit_Try(self, node: ast.Try) -> list[ir.Stmt]:
        from durable_sfn.compiler.frontend.try_raise import lower_try

        return lower_try(self, node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> list[ir.Stmt]:
        if node.decorator_list:
            self.report(node, "DSF007", "decorated nested functions are not supported")
        self.branch_defs[node.name] = node
        return []

    def visit_FunctionDef(self, node: ast.FunctionDef) -> list[ir.Stmt]:
        self.report(
            node,
            "DSF007",
            f"nested function '{node.name}' is not supported",
            "only `async def` branches passed to ctx.task_all are compiled; move other logic into an activity",
        )
        return []

    def visit_Global(self, node: ast.Global) -> list[ir.Stmt]:
        self.report(node, "DSF009", "global is not supported: orchestrator state lives in its variables")
        return []

    visit_Nonlocal = visit_Global

    def visit_Import(self, node: ast.Import) -> list[ir.Stmt]:
        self.report(
            node,
            "DSF018",
            "imports inside an orchestrator are not supported",
            "import at module level; the orchestrator body may only call ctx operations",
        )
        return []

    visit_ImportFrom = visit_Import


def new_lowerer(
    sink: DiagnosticSink,
    module: ModuleInfo,
    ctx_name: str,
    input_param: str | None,
    outer: Lowerer | None = None,
) -> Lowerer:
    return Lowerer(sink, module, ctx_name, input_param, outer=outer)


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
    lowerer = new_lowerer(sink, module, params[0], params[1] if len(params) == 2 else None)
    lowerer.used_names |= all_names(func)
    prescan(lowerer, func.body)
    body = lowerer.block(func.body)
    return ir.Orchestration(name, file, func.lineno, body, frozenset(lowerer.own_vars))
