"""Tasks created now and awaited later: `t = ctx.call_activity(...)` ... `await t` (or
`await ctx.task_all([t1, t2])`).

A compiled task runs where it is awaited, so the rule is that every task reaches an await in the
block that created it, exactly once, or in the body of a `try` of that block (`tasks = [...]`,
then `try: await ctx.task_all(tasks) except ...`, as Durable users write it). A task that is never
awaited, used as a value, replaced, or awaited inside another nested block is refused at the line
that created it: Python would never run it, run it once although the await sits in a loop, or
hand a coroutine object around, and none of that has a state to compile to.

Python evaluates a task's arguments where the task is created, the compiled Task where it is
awaited. The two agree when nothing in between changes what the arguments read, no time passes
before they read `ctx.current_utc_datetime`, and nothing observable happens before arguments
that may fail are evaluated; otherwise the await is refused (DSF029) with a hint.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from durable_sfn.compiler import ir
from durable_sfn.compiler.ir_queries import block_writes, exprs_of, is_fallible, walk


@dataclass
class PendingTask:
    """A task (or a list of tasks) bound to a name and not yet awaited."""

    node: ast.expr  # the ctx call, nested async def call, list or comprehension of them
    stmt: ast.stmt  # the statement that created it (diagnostics point here)
    start: int  # how many IR statements of its block were lowered before it was created
    # Handed to the body of a `try` that follows (`tasks = [...]`, then `try: await
    # ctx.task_all(tasks)`): what its creating block lowered between its creation and the try.
    before: tuple[ir.Stmt, ...] | None = None
    guarded: bool = False  # that try has a handler for the errors an expression raises


Report = Callable[[ast.AST, str, str, str], None]  # (node, code, message, hint)
_COMPOUND = (ast.If, ast.While, ast.For, ast.Try, ast.With, ast.AsyncFor, ast.AsyncWith, ast.Match)
_HINT = "await each task once, in the block that creates it (`r = await t`, or ctx.task_all([t1, t2]))"


@dataclass
class Deferred:
    """The pending tasks of the block being lowered (`here`), and of the blocks around it."""

    report: Report
    here: dict[str, PendingTask] = field(default_factory=dict)
    outer: list[dict[str, PendingTask]] = field(default_factory=list)
    lowered: list[ir.Stmt] = field(default_factory=list)  # the IR of the block so far
    consumed: list[PendingTask] = field(default_factory=list)  # by the statement being lowered
    # Tasks the next block entered (a `try` body) starts with.
    handoff: dict[str, PendingTask] = field(default_factory=dict)

    def take(self, name: str) -> ast.expr | None:
        """The task `name` stands for, consumed by an await in this block (None if it is not one)."""
        record = self.here.pop(name, None)
        if record is None:
            return None
        self.consumed.append(record)
        return record.node

    def create(self, name: str, node: ast.expr, stmt: ast.stmt) -> None:
        """`name = <task(s)>`: pending until awaited. Pending names in a list are taken into it."""
        starts = [len(self.lowered)]
        if isinstance(node, ast.List | ast.Tuple):
            elements = []
            for e in node.elts:
                record = self.here.pop(e.id, None) if isinstance(e, ast.Name) else None
                if record is not None:
                    starts.append(record.start)
                elements.append(record.node if record is not None else e)
            node = ast.List(elts=elements, ctx=ast.Load(), lineno=node.lineno, col_offset=node.col_offset)
        self.here[name] = PendingTask(node, stmt, min(starts))

    def enter(self, out: list[ir.Stmt]) -> tuple[dict[str, PendingTask], list[ir.Stmt]]:
        saved = (self.here, self.lowered)
        self.outer.append(self.here)
        self.here, self.lowered = self.handoff, out
        self.handoff = {}
        return saved

    def leave(self, saved: tuple[dict[str, PendingTask], list[ir.Stmt]]) -> None:
        for name, record in self.here.items():
            self._refuse(record, name, "is never awaited")
        self.outer.pop()
        self.here, self.lowered = saved

    def lower(self, stmt: ast.stmt, visit: Callable[[ast.stmt], list[ir.Stmt]]) -> list[ir.Stmt]:
        """Lower one statement of the block with `visit`, checking what it does with pending tasks."""
        if not (self.here or any(self.outer)):
            return visit(stmt)
        names = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}
        stored = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        for name in sorted(names):
            record = next((scope.pop(name) for scope in reversed(self.outer) if name in scope), None)
            if record is not None:
                self._refuse(record, name, f"is used in a nested block (line {stmt.lineno})")
        if isinstance(stmt, _COMPOUND):
            for name in sorted(names & self.here.keys()):
                record = self.here.pop(name)
                if isinstance(stmt, ast.Try) and _only_in_body(stmt, name):
                    # Awaited in the try's body, as Python would: the body starts with it.
                    between = tuple(self.lowered[record.start :])
                    guarded = _catches_expression_errors(stmt)
                    self.handoff[name] = PendingTask(record.node, record.stmt, 0, between, guarded)
                    continue
                self._refuse(record, name, f"is used in a nested block (line {stmt.lineno})")
        before = {name: self.here[name] for name in names & self.here.keys()}
        saved, self.consumed = self.consumed, []
        start = len(self.lowered)
        try:
            lowered = visit(stmt)
        finally:
            consumed, self.consumed = self.consumed, saved
        for name, record in before.items():
            now = self.here.get(name)
            if now is record:
                del self.here[name]
                used = "is replaced" if name in stored else "is used as a value"
                self._refuse(record, name, f"{used} before it is awaited (line {stmt.lineno})")
            elif now is not None and record not in consumed:
                self._refuse(record, name, f"is replaced before it is awaited (line {stmt.lineno})")
        if consumed:
            first = min(r.start for r in consumed)
            handed: list[tuple[ir.Stmt, ...]] = [r.before for r in consumed if r.before is not None]
            outside: list[ir.Stmt] = []
            for between in handed:
                outside = list(between) if len(between) > len(outside) else outside
            problem = hazard(lowered, [*outside, *self.lowered[first:start]])
            guarded = any(r.guarded for r in consumed)
            if (
                problem is None
                and guarded
                and any(is_fallible(e) for t in lowered for e in creation_exprs(t))
            ):
                problem = (
                    "its arguments may fail: Python evaluates them where the task is created, "
                    "outside the try whose handlers would catch that, the compiled Task inside it"
                )
            if problem is not None:
                record = min(consumed, key=lambda r: r.start)
                self.report(
                    record.stmt,
                    "DSF029",
                    f"this task runs where it is awaited (line {stmt.lineno}), and {problem}",
                    "await it before the statements in between, or compute its arguments into "
                    "variables that do not change before the await",
                )
        return lowered

    def _refuse(self, record: PendingTask, name: str, what: str) -> None:
        self.report(record.stmt, "DSF028", f"the task '{name}' created here {what}", _HINT)


def _only_in_body(stmt: ast.Try, name: str) -> bool:
    """Whether `name` is read in the try's body only (not its handlers, else or finally)."""
    others = [*stmt.orelse, *stmt.finalbody, *stmt.handlers]
    return not any(isinstance(n, ast.Name) and n.id == name for o in others for n in ast.walk(o))


def _catches_expression_errors(stmt: ast.Try) -> bool:
    """Whether a handler of the try may catch what a failing expression raises: a bare `except`, or
    one naming a builtin exception class (`Exception`, `TypeError`, `LookupError`, ...); a class of
    the user's own never matches a builtin error."""
    for handler in stmt.handlers:
        if handler.type is None:
            return True
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for t in types:
            name = t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else ""
            found = getattr(builtins, name, None)
            if not isinstance(t, ast.Name | ast.Attribute) or (
                isinstance(found, type) and issubclass(found, BaseException)
            ):
                return True
    return False


def creation_exprs(stmt: ir.Stmt) -> list[ir.Expr]:
    """The expressions Python evaluates when the task is created (its arguments)."""
    if isinstance(
        stmt, ir.CallActivity | ir.CallSubOrchestrator | ir.CallEntity | ir.WaitForEvent | ir.Timer
    ):
        return exprs_of(stmt)
    if isinstance(stmt, ir.MapAll):
        return [stmt.items, *_branch_arguments(stmt.branch)]
    if isinstance(stmt, ir.ParallelAll):
        return [e for b in stmt.branches for e in _branch_arguments(b)]
    return []


def _branch_arguments(branch: ir.Branch) -> list[ir.Expr]:
    if branch.params:
        return [e for _, e in branch.params]
    return creation_exprs(branch.body[0]) if branch.body else []


def hazard(tasks: list[ir.Stmt], between: list[ir.Stmt]) -> str | None:
    """Why evaluating the tasks' arguments at the await differs from evaluating them at their
    creation, given the statements lowered in between (None when it does not)."""
    exprs = [e for t in tasks for e in creation_exprs(t)]
    if not exprs or not between:
        return None
    changed = sorted(set().union(*(e.reads() for e in exprs)) & block_writes(tuple(between)))
    if changed:
        names = ", ".join(changed)
        return (
            f"its arguments read {names}, which change{'s' if len(changed) == 1 else ''} before it is awaited"
        )
    effects = [s for s in walk(tuple(between)) if not isinstance(s, ir.Assign)]
    if effects and any(e.time_dependent for e in exprs):
        return "its arguments read ctx.current_utc_datetime, and time passes before it is awaited"
    risky: Sequence[ir.Stmt] = effects or [
        s for s in between if isinstance(s, ir.Assign) and is_fallible(s.value)
    ]
    if risky and any(is_fallible(e) for e in exprs):
        return (
            "its arguments may fail, and Python evaluates them before the statements in between, "
            "the compiled Task only when it is awaited"
        )
    return None
