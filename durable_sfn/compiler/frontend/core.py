"""`LowererCore`: the state and helpers that every part of the frontend lowers with.

The lowering of one function body is spread over modules by subject: statements (`lowerer`), the
orchestration context's operations (`ctx_ops`), `ctx.task_all` branches (`task_all`) and error
handling (`try_raise`). Each of those needs to lower a nested block, an awaited operation, or a
branch body in a child lowerer; they reach those through the abstract methods here, which the
concrete `lowerer.Lowerer` implements, so none of them imports the lowerer or each other.
"""

from __future__ import annotations

import ast
from abc import ABC, abstractmethod

from durable_sfn.compiler import ir
from durable_sfn.compiler.diagnostics import DiagnosticSink
from durable_sfn.compiler.expressions.core import ExprEnv
from durable_sfn.compiler.frontend import durable_api, outside
from durable_sfn.compiler.frontend.deferred import Deferred
from durable_sfn.compiler.frontend.scopes import RESERVED, ModuleInfo, assigned_names
from durable_sfn.compiler.ir import Expr, Loc, Ty

# Keywords Durable Functions' Python SDKs accept on context calls to say what type a result or
# an event's data is deserialised to; accepted and ignored (values cross every boundary as JSON).
# Keyed by the operation's first parameter: `return_type` on calls, `data_type` on events.
DURABLE_TYPE_KEYWORDS = {
    "activity": "return_type",
    "orchestrator": "return_type",
    "entity_id": "return_type",
    "name": "data_type",
}


class LowererCore(ABC):
    """Lowers one function body (the orchestrator, or a task_all branch) into an IR block."""

    def __init__(
        self,
        sink: DiagnosticSink,
        module: ModuleInfo,
        ctx_name: str,
        input_param: str | None,
        *,
        outer: LowererCore | None = None,
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
            self.env.kinds.update(outer.env.kinds)
            self.env.signed_kinds |= outer.env.signed_kinds
        self.expr = outside.Translator(self.env, module)
        if outer is not None:  # variables of the enclosing body that hold an EntityId
            self.expr.entity_ids.update(outer.expr.entity_ids)
        self.branch_defs: dict[str, ast.AsyncFunctionDef] = {}
        self.retry_options: dict[str, ast.Call] = dict(outer.retry_options if outer else module.retry_options)
        self.deferred = Deferred(self.report)  # `t = ctx.call_activity(...)` without await, awaited later
        # Loggers bound in the body (`log = logging.getLogger(...)`: name -> logger name) and
        # modules imported in the body (`import json`).
        self.loggers: dict[str, str] = dict(outer.loggers) if outer else {}
        # The function whose body this lowers (the orchestrator, or a task_all branch's def), and
        # the helper bodies expanded into it (`helpers`).
        self.scope_node: ast.AST | None = outer.scope_node if outer else None
        self.inlined: list[ast.AST] = []
        # Plain `def` helpers nested in the orchestrator, compiled where they are called.
        self.helper_defs: dict[str, ast.FunctionDef] = dict(outer.helper_defs) if outer else {}
        self.imported: set[str] = set(outer.imported) if outer else set()
        self.handler_vars: list[str] = []  # innermost except clause's exception variable last
        # Caught errors that may be plain Python exceptions (without error/cause/message).
        self.plain_errors: set[str] = set(outer.plain_errors) if outer else set()
        self.loop_depth = 0
        self.finally_depth = 0
        # The variable holding a value returned through a finally block (one per function scope).
        self.return_var: str | None = None
        self.own_vars: set[str] = set()  # variables assigned in this scope (IR names)
        self.renamed: dict[str, str] = {}  # branch locals renamed away from outer variables
        # A branch function's locals that keep their number kind (frontend/number_kinds): Python
        # name -> kind variable, given to the IR variable the name is bound to.
        self.local_kinds: dict[str, str] = {}
        self.used_names: set[str] = outer.used_names if outer else set()
        self._source_lines = sink.lines

    # -- what the concrete lowerer provides -------------------------------------------------------
    @abstractmethod
    def block(self, stmts: list[ast.stmt]) -> ir.Block:
        """Lower a statement list (a body, a branch of an `if`, a handler) in this scope."""

    @abstractmethod
    def lower_await(self, node: ast.Await, target: ast.Name | None, stmt: ast.stmt) -> list[ir.Stmt]:
        """Lower `await <ctx operation>` as statement `stmt`, assigning the result to `target`."""

    @abstractmethod
    def lower_task_all(self, call: ast.Call, target: ast.Name | None, loc: Loc) -> list[ir.Stmt]:
        """Lower the `ctx.task_all(...)` call of an awaited statement."""

    @abstractmethod
    def branch_lowerer(self) -> LowererCore:
        """A lowerer for a task_all branch: its own variable scope, reading this one's variables."""

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

    def declare_assigned(self, body: list[ast.stmt]) -> None:
        """Declare every name the body assigns (with an unknown type), so that a loop may read a
        variable its next iteration assigns, as Python allows. Outer variables stay the outer's."""
        outer = self.outer_names()
        for name in assigned_names(body):
            if name not in outer:
                self.env.variables.setdefault(name, Ty.UNKNOWN)

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
        if name in self.local_kinds:
            self.env.kinds[ir_name] = self.local_kinds[name]
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

    # -- ctx calls ----------------------------------------------------------------------------------
    def ctx_call(self, node: ast.expr) -> tuple[str, ast.Call] | None:
        """(operation name, call) when `node` is `ctx.<operation>(...)`."""
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == self.env.ctx_name
        ):
            return node.func.attr, node
        return None

    def bind_args(self, call: ast.Call, names: list[str], required: int) -> dict[str, ast.expr] | None:
        """Match positional and keyword arguments to parameter names, reporting mistakes."""
        out: dict[str, ast.expr] = {}
        if len(call.args) > len(names) or any(isinstance(a, ast.Starred) for a in call.args):
            self.report(call, "DSF014", f"too many arguments: expected ({', '.join(names)})")
            return None
        for name, arg in zip(names, call.args, strict=False):
            out[name] = arg
        aliases = {"input_": "input"}
        for kw in call.keywords:
            if kw.arg is not None and kw.arg == DURABLE_TYPE_KEYWORDS.get(names[0]):
                continue  # Durable's typing hints for (de)serialisation: values here are JSON
            if kw.arg in ("fn", "name") and kw.arg not in names:
                # The context's methods take the called function first, positionally: a keyword
                # for it would fail in the direct run, and activities are found by position.
                self.report(
                    kw.value,
                    "DSF014",
                    f"{kw.arg}= is not supported: the {names[0]} is the first positional argument",
                    f"pass it first: ctx.{_method_name(call)}({ast.unparse(kw.value)}, ...)",
                )
                return None
            key = aliases.get(kw.arg or "", kw.arg or "")
            if key not in names and key in durable_api.KEYWORDS:
                refusal = durable_api.KEYWORDS[key]
                self.report(kw.value, "DSF014", f"{kw.arg}= is not supported: {refusal.reason}", refusal.hint)
                return None
            if key not in names or key in out:
                self.report(
                    kw.value,
                    "DSF014",
                    f"unexpected keyword argument {kw.arg!r}: expected ({', '.join(names)})",
                )
                return None
            out[key] = kw.value
        missing = [n for n in names[:required] if n not in out]
        if missing:
            self.report(call, "DSF014", f"missing argument(s): {', '.join(missing)}")
            return None
        return out


def _method_name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else "call"
