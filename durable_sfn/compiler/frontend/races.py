"""`await ctx.task_any([...])` (Durable's `when_any`): the first task to finish wins.

Step Functions has no "first branch wins" state, so a race is a Parallel whose branches each run
one task and then fail with the dedicated error `RACE_ERROR`, its Cause carrying the winner's
record (`{"id": index, "done": true, "result": value}`). The first branch to fail ends the
Parallel (Step Functions stops the other branches: a Wait is cancelled, a pending event is no
longer awaited), and the Parallel's Catch on `RACE_ERROR` assigns the winner. A task that fails
instead fails the Parallel with its own error, so the race raises it (as the direct run does).

After the race, the winner and every task variable of the race hold such a record, and the
statements that follow are rewritten (`rewrite`) so that Python's task API reads it:
`winner == approval` compares the ids, `.result` / `.get_result()` read the result (None for a
task that lost), `.is_completed` reads `done`, and `timer.cancel()` does nothing more (the race has
already stopped every losing branch). Any other use of a task object is refused (DSF028): it has
no JSON value to compile to.

Transitions: the Parallel, plus in each branch the states its task started before the race ended
(the winner's task and its Fail): 3 for a race of one activity, event or timer against others
that have started, plus one per losing branch's started task.
"""

from __future__ import annotations

import ast
import copy
import weakref
from dataclasses import replace

from durable_sfn.compiler import ir
from durable_sfn.compiler.expressions.runtime import LIMIT, block, raise_
from durable_sfn.compiler.expressions.text import join
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.frontend.task_lists import FLATTENED
from durable_sfn.compiler.ir import Expr, Ty

RACE_ERROR = "DurableSfn.TaskAnyWinner"
RACE_OPS = ("task_any", "when_any")
NO_TASKS = "task_any needs at least one task"  # the ValueError of a race over no tasks
_HINT = (
    "compare the winner with the task variables (`winner == approval`) and read "
    "`.result`, `.get_result()` or `.is_completed`"
)
# Per lowerer: the names that hold a race task's record after its race.
_RACE_NAMES: weakref.WeakKeyDictionary[LowererCore, set[str]] = weakref.WeakKeyDictionary()


def lower_task_any(
    lw: LowererCore, call: ast.Call, target: ast.Name | None, stmt: ast.stmt, loc: ir.Loc
) -> list[ir.Stmt]:
    if not _winner_is_named(target, stmt):
        # `return await ctx.task_any(...)`, a race as a task_all element or inside another race,
        # `x += await ...`: the winner is a task object, which has no JSON value to compile to.
        lw.report(
            call,
            "DSF028",
            "the winner of task_any is a task, not a value",
            "assign it (`winner = await ctx.task_any([...])`), then " + _HINT,
        )
        return []
    args = lw.bind_args(call, ["tasks"], 1)
    if args is None:
        return []
    tasks = args["tasks"]
    if isinstance(tasks, ast.Name):
        tasks = lw.deferred.take(tasks.id) or tasks
    if isinstance(tasks, ast.ListComp) and target is not None:
        return _race_map(lw, call, tasks, target, loc)
    if not isinstance(tasks, ast.List | ast.Tuple) or not tasks.elts:
        lw.report(
            tasks,
            "DSF012",
            "task_any needs a list of at least one ctx call or task variable",
            "e.g. winner = await ctx.task_any([approval, timer]) with approval = "
            'ctx.wait_for_external_event("Approval") and timer = ctx.create_timer(timedelta(hours=1))',
        )
        return []
    names: list[str | None] = []
    elements: list[ast.expr] = []
    for e in tasks.elts:
        taken = lw.deferred.take(e.id) if isinstance(e, ast.Name) else None
        names.append(e.id if isinstance(e, ast.Name) and taken is not None else None)
        elements.append(taken if taken is not None else e)
    branches: list[ir.Branch] = []
    for index, element in enumerate(elements):
        if lw.ctx_call(element) is None:
            lw.report(
                element,
                "DSF012",
                "each task_any element must be a ctx call (or a variable holding one)",
                "e.g. ctx.call_activity(check, order), ctx.wait_for_external_event(name), ctx.create_timer(delta)",
            )
            return []
        branch = _branch(lw, element, index, loc)
        if branch is None:
            return []
        branches.append(branch)
    failure = lw.fresh("race")
    record = join("$parse(", Expr.var(failure, Ty.DICT), ".Cause)", ty=Ty.DICT)
    winner = lw.bind_target(target.id, Ty.DICT, target) if target is not None else lw.fresh("winner")
    handler: list[ir.Stmt] = [ir.Assign(winner, record, loc)]
    for index, name in enumerate(names):
        if name is None:
            continue
        lost = f'{{"id": {index}, "done": false, "result": null}}'
        won = Expr.var(winner, Ty.DICT)
        value = join("(", won, f".id = {index} ? ", won, f" : {lost})", ty=Ty.DICT)
        handler.append(ir.Assign(lw.bind_target(name, Ty.DICT, tasks), value, loc))
    known = _RACE_NAMES.setdefault(lw, set())
    known.update(n for n in names if n is not None)
    if target is not None:
        known.add(target.id)
    race = ir.ParallelAll(None, tuple(branches), loc)
    return [
        ir.Try(
            (race,),
            (ir.Handler((RACE_ERROR,), failure, tuple(handler), loc),),
            (),
            (),
            loc,
        )
    ]


# Whether every number in a JSON value keeps its value through $string (15 significant digits).
_EXACT = (
    "function($v) { $type($v) = 'number' ? $number($string($v)) = $v"
    " : $type($v) = 'array' ? $not(false in $map($v, $__exact))"
    " : $type($v) = 'object' ? $not(false in $map($keys($v), function($k) { $__exact($lookup($v, $k)) }))"
    " : true }"
)


def _winner_is_named(target: ast.Name | None, stmt: ast.stmt) -> bool:
    """Whether the race is a statement of its own or assigns its winner to a variable of the
    orchestrator (not to a name the compiler made up to hold a returned or combined value)."""
    if target is None:
        return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Await)
    if isinstance(stmt, ast.Assign):
        return (
            len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id == target.id
        )
    if isinstance(stmt, ast.AnnAssign):
        return isinstance(stmt.target, ast.Name) and stmt.target.id == target.id
    return False


def _branch(lw: LowererCore, element: ast.expr, index: int, loc: ir.Loc) -> ir.Branch | None:
    """One racing task in its own branch, ending with the race's failure carrying its record."""
    op = lw.ctx_call(element)
    assert op is not None
    child = lw.branch_lowerer()
    timer = op[0] == "create_timer"  # a timer's result is None
    result = child.fresh("result")
    target = None if timer else ast.copy_location(ast.Name(id=result, ctx=ast.Store()), element)
    stmt = ast.copy_location(ast.Expr(value=element), element)
    body = child.lower_await(ast.copy_location(ast.Await(value=element), element), target, stmt)
    if not body:
        return None
    value = Expr.literal(None) if timer else Expr.var(result)
    label = ast.unparse(op[1].args[0]) if op[1].args else op[0]
    return ir.Branch((), (*body, _winning(str(index), value, loc)), label.strip("'\""))


def _winning(index: str, value: Expr, loc: ir.Loc) -> ir.Raise:
    """The end of a racing branch: the race's failure, carrying the winner's record."""
    record = join(f'{{"id": {index}, "done": true, "result": ', value, "}", ty=Ty.DICT)
    # The record travels as text: Step Functions' $string writes numbers with 15 significant
    # digits, so a result that the text would change fails instead of arriving altered.
    cause = block(
        [("$__exact", Expr.raw(_EXACT)), ("$__race", record)],
        "$__exact($__race) ? $string($__race) : ",
        raise_(LIMIT, "a task_any result with a number of more than 15 significant digits"),
        ty=Ty.STR,
    )
    return ir.Raise(Expr.literal(RACE_ERROR), cause, loc)


def _race_map(
    lw: LowererCore, call: ast.Call, tasks: ast.ListComp, target: ast.Name, loc: ir.Loc
) -> list[ir.Stmt]:
    """First of N: `await ctx.task_any([ctx.call_activity(f, x) for x in xs])` (or a list built by
    a loop). The Map of that comprehension, each iteration ending in the race's failure, so the
    first iteration to finish ends the Map; a Map over no items raises ValueError, as the direct
    run does. The winner's `.result` and `.is_completed` read its record; its position in the list
    is not kept, so it cannot be compared with the list's items (refused)."""
    if lw.ctx_call(tasks.elt) is None or tasks in FLATTENED:
        lw.report(
            tasks,
            "DSF012",
            "task_any over a list comprehension needs one ctx call per item",
            "e.g. winner = await ctx.task_any([ctx.call_activity(quote, s) for s in suppliers]), "
            "or a loop whose body is just tasks.append(ctx.call_activity(quote, s))",
        )
        return []
    whole = ast.Attribute(value=ast.Name(id=lw.env.ctx_name, ctx=ast.Load()), attr="task_all", ctx=ast.Load())
    fan_out = ast.copy_location(ast.Call(func=whole, args=[tasks], keywords=[]), call)
    lowered = lw.lower_task_all(ast.fix_missing_locations(fan_out), None, loc)
    if not lowered or not isinstance(lowered[-1], ir.MapAll):
        return []
    mapped = lowered[-1]
    *body, returned = mapped.branch.body
    assert isinstance(returned, ir.Return)
    branch = replace(mapped.branch, body=(*body, _winning("null", returned.value, loc)))
    failure = lw.fresh("race")
    winner = lw.bind_target(target.id, Ty.DICT, target)
    record = join("$parse(", Expr.var(failure, Ty.DICT), ".Cause)", ty=Ty.DICT)
    _RACE_NAMES.setdefault(lw, set()).add(target.id)
    nothing = ir.Raise(Expr.literal("ValueError"), Expr.literal(NO_TASKS), loc)
    return [
        ir.Try(
            (*lowered[:-1], replace(mapped, branch=branch), nothing),
            (ir.Handler((RACE_ERROR,), failure, (ir.Assign(winner, record, loc),), loc),),
            (),
            (),
            loc,
        )
    ]


def rewrite(lw: LowererCore, stmt: ast.stmt) -> ast.stmt:
    """`stmt` with the task API on race records (`.result`, `==`, `.cancel()`) made key access."""
    names = _RACE_NAMES.get(lw)
    if not names or not any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(stmt)):
        return stmt
    api = _TaskApi(names)
    new = api.visit(copy.deepcopy(stmt))
    assert isinstance(new, ast.stmt)
    if not api.read and not api.changed:
        new = stmt  # unchanged: other passes know its nodes by identity
    ast.fix_missing_locations(new)
    # Statements in nested blocks come back here once rewritten: their record reads are fine.
    api.read.update(
        id(node.value)
        for node in ast.walk(new)
        if isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Constant)
        and node.slice.value in ("id", "done", "result")
    )
    for node in ast.walk(new):
        if (
            isinstance(node, ast.Name)
            and node.id in names
            and isinstance(node.ctx, ast.Load)
            and id(node) not in api.read
        ):
            lw.report(
                node,
                "DSF028",
                f"the task '{node.id}' is used as a value after task_any",
                _HINT,
            )
            break
    if any(
        isinstance(node, ast.Name) and node.id in names and isinstance(node.ctx, ast.Store)
        for node in ast.walk(new)
    ):
        names.difference_update(
            node.id
            for node in ast.walk(new)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
        )
    return new


class _TaskApi(ast.NodeTransformer):
    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.read: set[int] = set()  # the task names read through the task API
        self.changed = False

    def _is_task(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and node.id in self.names

    def _key(self, node: ast.expr, key: str) -> ast.expr:
        self.read.add(id(node))
        return ast.copy_location(ast.Subscript(value=node, slice=ast.Constant(key), ctx=ast.Load()), node)

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        call = node.value
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and self._is_task(call.func.value)
            and call.func.attr == "cancel"
            and not call.args
            and not call.keywords
        ):
            self.changed = True
            return ast.copy_location(ast.Pass(), node)  # the race already stopped the losers
        return self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if self._is_task(node.value) and isinstance(node.ctx, ast.Load):
            if node.attr == "result":
                return ast.copy_location(self._key(node.value, "result"), node)
            if node.attr == "is_completed":
                return ast.copy_location(self._key(node.value, "done"), node)
        return self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and self._is_task(func.value)
            and func.attr == "get_result"
            and not node.args
            and not node.keywords
        ):
            return ast.copy_location(self._key(func.value, "result"), node)
        return self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        if (
            len(node.ops) == 1
            and isinstance(node.ops[0], ast.Eq | ast.NotEq | ast.Is | ast.IsNot)
            and self._is_task(node.left)
            and self._is_task(node.comparators[0])
        ):
            op: ast.cmpop = ast.Eq() if isinstance(node.ops[0], ast.Eq | ast.Is) else ast.NotEq()
            return ast.copy_location(
                ast.Compare(
                    left=self._key(node.left, "id"),
                    ops=[op],
                    comparators=[self._key(node.comparators[0], "id")],
                ),
                node,
            )
        return self.generic_visit(node)
