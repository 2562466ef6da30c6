"""Task lists built by a loop, the canonical Durable fan-out:

    tasks = []
    for order in orders:
        tasks.append(ctx.call_activity(ship, order))
    results = await ctx.task_all(tasks)

The loop creates no state: it becomes the pending task list `tasks` (a comprehension, exactly as
if the user had written `[ctx.call_activity(ship, order) for order in orders]`), which the
`task_all` that awaits it compiles to one Map. A loop body that does more than append (compute a
payload, log, append under a condition, `continue`) becomes the body of each Map iteration: a
nested function of the loop's names and of the orchestrator variables the body reads, which
ends by awaiting the task it appended. When an iteration may append no task, each iteration
returns the list of its results and the Map's results are joined in order.

Python runs the loop body before any task starts; a Map iteration runs it just before its task.
The two agree because the body may only compute values (no awaits, no other ctx operations, no
time reads), its variables stay inside the loop (nothing outside reads them), and the variables
it reads from the orchestrator are passed in as arguments, so `deferred` refuses the await if
one of them changes between the loop and the `task_all`.
"""

from __future__ import annotations

import ast
import weakref
from collections import Counter
from dataclasses import replace

from durable_sfn.compiler import ir
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.frontend.ctx_ops import is_unawaited_task

# Comprehensions whose element returns a list of results to be joined (see module docstring).
FLATTENED: weakref.WeakSet[ast.ListComp] = weakref.WeakSet()
HINT = (
    "build the task list in one loop whose body only computes values and appends one task, "
    "e.g. `for x in xs: tasks.append(ctx.call_activity(f, x))`, or use a comprehension"
)
# Statements a task-building loop body may contain (besides appends and task assignments).
_ALLOWED = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.If, ast.Expr, ast.Pass, ast.Continue)


def _append(stmt: ast.stmt) -> tuple[str, ast.expr] | None:
    """(list name, value) when `stmt` is `name.append(value)`."""
    if (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Attribute)
        and stmt.value.func.attr == "append"
        and isinstance(stmt.value.func.value, ast.Name)
        and len(stmt.value.args) == 1
        and not stmt.value.keywords
    ):
        return stmt.value.func.value.id, stmt.value.args[0]
    return None


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Every statement in `body`, nested blocks included; nested functions and the bodies of
    nested loops excluded (a nested loop is a task-building loop of its own, or an ordinary one;
    a loop that builds a task list refuses a nested loop by its statement)."""
    out: list[ast.stmt] = []
    for stmt in body:
        out.append(stmt)
        if isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
            continue
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, name, None)
            if isinstance(inner, list) and not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                out.extend(_statements([s for s in inner if isinstance(s, ast.stmt)]))
        for handler in getattr(stmt, "handlers", []):
            out.extend(_statements(handler.body))
    return out


def _task_names(lw: LowererCore, body: list[ast.stmt]) -> set[str]:
    """Names the loop body binds to a task (`t = ctx.call_activity(...)`)."""
    return {
        s.targets[0].id
        for s in _statements(body)
        if isinstance(s, ast.Assign)
        and len(s.targets) == 1
        and isinstance(s.targets[0], ast.Name)
        and is_unawaited_task(lw, s.value)
    }


def lower_task_loop(lw: LowererCore, node: ast.For) -> list[ir.Stmt] | None:
    """The (empty) IR of a loop that builds a task list, registering the list as pending; None
    when the loop appends no task (an ordinary loop)."""
    nested = _nested_loops(lw, node)
    if nested is not None:
        return _lower_nested(lw, node, *nested)
    tasks_in_body = _task_names(lw, node.body)
    appends = [(s, *found) for s in _statements(node.body) if (found := _append(s)) is not None]
    task_appends = [
        (s, name, value)
        for s, name, value in appends
        if is_unawaited_task(lw, value) or (isinstance(value, ast.Name) and value.id in tasks_in_body)
    ]
    if not task_appends:
        return None
    if len(task_appends) != len(appends) or len({name for _, name, _ in appends}) != 1:
        lw.report(
            task_appends[0][0],
            "DSF042",
            "a loop that builds a task list may append only tasks, to one list",
            HINT,
        )
        return []
    listed = task_appends[0][1]
    if node.orelse:
        lw.report(node, "DSF042", "a loop that builds a task list cannot have an else block", HINT)
        return []
    if not _starts_empty(lw, listed):
        lw.report(
            node,
            "DSF042",
            f"the task list '{listed}' must be created empty (`{listed} = []`) right before the loop, "
            "in the same block",
            HINT,
        )
        return []
    if not _body_ok(lw, node, listed):
        return []
    counts = _append_counts(node.body, listed)
    if max(counts) > 1:
        lw.report(
            node,
            "DSF042",
            "an iteration of a loop that builds a task list may append at most one task",
            "append the tasks of one item in a second loop, or build a flat list of inputs first",
        )
        return []
    loop_names = _bound_names(node)
    if not _stays_in_loop(lw, node, loop_names):
        return []
    comp = _simple(lw, node, listed, tasks_in_body)
    if comp is None:
        comp = _general(lw, node, listed, loop_names, flatten=counts != {1})
    lw.deferred.create(listed, comp, node)
    return []


def _nested_loops(lw: LowererCore, loop: ast.For) -> tuple[str, ast.ListComp] | None:
    """(list, comprehension) when `loop` nests loops down to one that appends one task:

        for name in names:
            if name:
                for size in sizes:
                    tasks.append(ctx.call_activity(resize, {"name": name, "size": size}))

    is `[ctx.call_activity(...) for name in names if name for size in sizes]`. Each level may
    hold one `if` (no `else`) around the next; None for any other shape.
    """
    generators: list[ast.comprehension] = []
    current: ast.stmt = loop
    while isinstance(current, ast.For) and not current.orelse:
        body, ifs = current.body, []
        if len(body) == 1 and isinstance(body[0], ast.If) and not body[0].orelse:
            ifs.append(body[0].test)
            body = body[0].body
        generators.append(ast.comprehension(target=current.target, iter=current.iter, ifs=ifs, is_async=0))
        if len(body) != 1:
            return None
        current = body[0]
    found = _append(current)
    if len(generators) < 2 or found is None or not is_unawaited_task(lw, found[1]):
        return None
    comp = ast.copy_location(ast.ListComp(elt=found[1], generators=generators), loop)
    return found[0], comp


def _lower_nested(lw: LowererCore, loop: ast.For, listed: str, comp: ast.ListComp) -> list[ir.Stmt]:
    if not _starts_empty(lw, listed):
        lw.report(
            loop,
            "DSF042",
            f"the task list '{listed}' must be created empty (`{listed} = []`) right before the loop, "
            "in the same block",
            HINT,
        )
        return []
    checked = [*(c for g in comp.generators for c in g.ifs), comp.elt]
    for n in (n for part in checked for n in ast.walk(part)):
        problem = None
        if isinstance(n, ast.Await):
            problem = "await"
        elif isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == lw.env.ctx_name:
            if n.attr == "current_utc_datetime":
                problem = "ctx.current_utc_datetime (an iteration would read a later time)"
        elif isinstance(n, ast.Name) and n.id == listed:
            problem = f"another use of '{listed}'"
        if problem is not None:
            lw.report(n, "DSF042", f"{problem} in a loop that builds a task list", HINT)
            return []
    names = {n.id for g in comp.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
    if not _stays_in_loop(lw, loop, names):
        return []
    lw.deferred.create(listed, comp, loop)
    return []


def append_task(lw: LowererCore, stmt: ast.Expr, listed: str, call: ast.Call) -> list[ir.Stmt] | None:
    """`tasks.append(<task>)` outside a loop: the pending list `tasks` gets one more task (one
    more Parallel branch when task_all awaits it); None when the value is not a task."""
    if not isinstance(call.func, ast.Attribute) or call.func.attr != "append" or len(call.args) != 1:
        return None
    value = call.args[0]
    pending = isinstance(value, ast.Name) and value.id in lw.deferred.here
    if not (pending or is_unawaited_task(lw, value)):
        return None
    if isinstance(value, ast.Name) and pending:
        node = lw.deferred.take(value.id)
        assert node is not None
        value = node
    record = lw.deferred.here.get(listed)
    if record is not None and isinstance(record.node, ast.List):
        lw.deferred.take(listed)
        elements = [*record.node.elts, value]
        grown = ast.copy_location(ast.List(elts=elements, ctx=ast.Load()), record.node)
        lw.deferred.here[listed] = replace(record, node=grown)  # from where its first task was made
        return []
    if record is None and _starts_empty(lw, listed):
        lw.deferred.create(listed, ast.copy_location(ast.List(elts=[value], ctx=ast.Load()), stmt), stmt)
        return []
    lw.report(
        stmt,
        "DSF042",
        f"'{listed}' is not a task list that can take this task here",
        "create the list empty (`tasks = []`) and append in the same block, or build it with one "
        "loop or one comprehension (use `if` inside the comprehension for a condition)",
    )
    return []


def _starts_empty(lw: LowererCore, name: str) -> bool:
    """The last statement of this block that touched `name` made it `[]`."""
    for stmt in reversed(lw.deferred.lowered):
        if isinstance(stmt, ir.Assign) and stmt.target in (name, lw.renamed.get(name)):
            return stmt.value.is_const and stmt.value.const == []
        if name in _mentions(stmt):
            return False
    return False


def _mentions(stmt: ir.Stmt) -> set[str]:
    from durable_sfn.compiler.ir_queries import exprs_of, walk, written

    names: set[str] = set()
    for s in walk((stmt,)):
        names |= written(s)
        for e in exprs_of(s):
            names |= e.reads()
    return names


def _body_ok(lw: LowererCore, loop: ast.For, listed: str) -> bool:
    for stmt in _statements(loop.body):
        if not isinstance(stmt, _ALLOWED):
            lw.report(
                stmt,
                "DSF042",
                f"'{type(stmt).__name__}' is not supported in a loop that builds a task list",
                HINT,
            )
            return False
        own = [stmt.test] if isinstance(stmt, ast.If) else [stmt]  # nested statements come on their own
        for n in (n for part in own for n in ast.walk(part)):
            problem = None
            if isinstance(n, ast.Await):
                problem = "await"
            elif (
                isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name)
                and n.value.id == lw.env.ctx_name
            ):
                if n.attr == "current_utc_datetime":
                    problem = "ctx.current_utc_datetime (an iteration would read a later time)"
                elif n.attr in ("set_custom_status", "continue_as_new", "signal_entity"):
                    problem = f"ctx.{n.attr}()"
            elif isinstance(n, ast.Name) and n.id == listed and not _is_append_of(stmt, listed):
                problem = f"another use of '{listed}'"
            if problem is not None:
                lw.report(n, "DSF042", f"{problem} in a loop that builds a task list", HINT)
                return False
    return True


def _is_append_of(stmt: ast.stmt, listed: str) -> bool:
    found = _append(stmt)
    return found is not None and found[0] == listed


def _append_counts(body: list[ast.stmt], listed: str) -> set[int]:
    """How many appends each path through `body` makes (a path ends at `continue` or the end)."""
    going, done = _paths(body, listed)
    return going | done


def _paths(body: list[ast.stmt], listed: str) -> tuple[set[int], set[int]]:
    """(appends of the paths that reach the end of `body`, of those that `continue`)."""
    going, done = {0}, set()
    for stmt in body:
        if _is_append_of(stmt, listed):
            going = {c + 1 for c in going}
        elif isinstance(stmt, ast.Continue):
            done |= going
            going = set()
        elif isinstance(stmt, ast.If):
            then_going, then_done = _paths(stmt.body, listed)
            else_going, else_done = _paths(stmt.orelse, listed)
            done |= {c + x for c in going for x in then_done | else_done}
            going = {c + x for c in going for x in then_going | else_going}
        if not going:
            break
    return going, done


def _bound_names(loop: ast.For) -> set[str]:
    """The loop's names and every name its body assigns."""
    names = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
    for stmt in _statements(loop.body):
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                names.add(n.id)
    return names


def _stays_in_loop(lw: LowererCore, loop: ast.For, names: set[str]) -> bool:
    """None of the loop's own variables is read outside the loop (a Map iteration keeps them)."""
    scope = lw.scope_node
    if scope is None:
        return True

    def loads(nodes: list[ast.AST]) -> Counter[str]:
        return Counter(
            n.id
            for part in nodes
            for n in ast.walk(part)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in names
        )

    inside = loads([loop])
    excused = Counter[str]()
    for other in (n for part in (scope, *lw.inlined) for n in ast.walk(part)):
        # Another loop binding the name reads its own value inside its body.
        if isinstance(other, ast.For) and other is not loop:
            bound = _bound_names(other) & names
            excused.update({k: v for k, v in loads(list(other.body)).items() if k in bound})
        elif isinstance(other, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            bound = {n.id for g in other.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
            excused.update({k: v for k, v in loads([other]).items() if k in bound})
    for name, count in sorted(loads([scope, *lw.inlined]).items()):
        if count > inside[name] + excused[name]:
            lw.report(
                loop,
                "DSF042",
                f"'{name}' is set by a loop that builds a task list and read outside it: "
                "each task's iteration keeps its own",
                "give the loop's variables names used only inside the loop",
            )
            return False
    return True


def _simple(lw: LowererCore, loop: ast.For, listed: str, task_names: set[str]) -> ast.ListComp | None:
    """`[task for target in items if condition]` when the body is just that."""
    body = loop.body
    ifs: list[ast.expr] = []
    if len(body) == 1 and isinstance(body[0], ast.If) and not body[0].orelse:
        ifs.append(body[0].test)
        body = body[0].body
    element: ast.expr | None = None
    if len(body) == 1 and (found := _append(body[0])) is not None and not isinstance(found[1], ast.Name):
        element = found[1]
    elif (
        len(body) == 2
        and isinstance(body[0], ast.Assign)
        and isinstance(body[0].targets[0], ast.Name)
        and body[0].targets[0].id in task_names
        and (found := _append(body[1])) is not None
        and isinstance(found[1], ast.Name)
        and found[1].id == body[0].targets[0].id
    ):
        element = body[0].value
    if element is None or any(
        isinstance(n, ast.Name) and n.id in _bound_names(loop) - _target_names(loop)
        for n in ast.walk(element)
    ):
        return None
    return ast.copy_location(
        ast.ListComp(
            elt=element,
            generators=[ast.comprehension(target=loop.target, iter=loop.iter, ifs=ifs, is_async=0)],
        ),
        loop,
    )


def _target_names(loop: ast.For) -> set[str]:
    return {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}


def _general(
    lw: LowererCore, loop: ast.For, listed: str, loop_names: set[str], *, flatten: bool
) -> ast.ListComp:
    """The loop body as a nested async function returning its task's result (or the list of its
    results, when an iteration may append none); the comprehension calls it for each item."""
    targets = list(dict.fromkeys(n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)))
    visible = set(lw.env.variables) | set(lw.env.bound) | lw.env.exc_vars
    if lw.env.input_param:
        visible.add(lw.env.input_param)
    reads = sorted(
        {
            n.id
            for stmt in loop.body
            for n in ast.walk(stmt)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in visible
        }
        - loop_names
        - {listed}
    )
    result = lw.fresh("task_result")
    results = lw.fresh("task_results")
    answer = results if flatten else result

    def name(id_: str, at: ast.AST, store: bool = False) -> ast.Name:
        return ast.copy_location(ast.Name(id=id_, ctx=ast.Store() if store else ast.Load()), at)

    def rewrite(stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in stmts:
            found = _append(stmt)
            if found is not None:
                awaited = ast.copy_location(ast.Await(value=found[1]), found[1])
                out.append(
                    ast.copy_location(ast.Assign(targets=[name(result, stmt, True)], value=awaited), stmt)
                )
                if flatten:
                    out.append(_append_stmt(results, name(result, stmt), stmt))
            elif isinstance(stmt, ast.Continue):
                out.append(ast.copy_location(ast.Return(value=name(answer, stmt)), stmt))
            elif isinstance(stmt, ast.If):
                new = ast.copy_location(
                    ast.If(test=stmt.test, body=rewrite(stmt.body), orelse=rewrite(stmt.orelse)), stmt
                )
                if not new.body:
                    new.body = [ast.copy_location(ast.Pass(), stmt)]
                out.append(new)
            else:
                out.append(stmt)
        return out

    first = loop.body[0]
    body = rewrite(loop.body)
    if flatten:
        empty = ast.copy_location(ast.List(elts=[], ctx=ast.Load()), first)
        body.insert(
            0, ast.copy_location(ast.Assign(targets=[name(results, first, True)], value=empty), first)
        )
    last = loop.body[-1]
    body.append(ast.copy_location(ast.Return(value=name(answer, last)), last))
    params = [*targets, *reads]
    fn_name = lw.fresh(f"{listed}_item")
    fn = ast.copy_location(
        ast.AsyncFunctionDef(
            name=fn_name,
            args=ast.arguments(
                posonlyargs=[],
                args=[ast.arg(arg=p) for p in params],
                kwonlyargs=[],
                kw_defaults=[],
                defaults=[],
            ),
            body=body,
            decorator_list=[],
            returns=None,
        ),
        loop,
    )
    ast.fix_missing_locations(fn)
    lw.branch_defs[fn_name] = fn
    call = ast.copy_location(
        ast.Call(func=name(fn_name, loop), args=[name(p, loop) for p in params], keywords=[]), loop
    )
    comp = ast.copy_location(
        ast.ListComp(
            elt=call, generators=[ast.comprehension(target=loop.target, iter=loop.iter, ifs=[], is_async=0)]
        ),
        loop,
    )
    if flatten:
        FLATTENED.add(comp)
    return comp


def _append_stmt(listed: str, value: ast.expr, at: ast.stmt) -> ast.stmt:
    call = ast.Call(
        func=ast.Attribute(value=ast.Name(id=listed, ctx=ast.Load()), attr="append", ctx=ast.Load()),
        args=[value],
        keywords=[],
    )
    return ast.fix_missing_locations(ast.copy_location(ast.Expr(value=call), at))
