"""`await ctx.task_all(...)`: a comprehension becomes a Map, a fixed list becomes a Parallel.

Each element becomes a `Branch` lowered by a child lowerer (`branch_lowerer()`): branches run in
their own Step Functions variable scope, so they may read the orchestrator's variables but their
own assignments stay local (as Python's nested `async def` locals do) and values leave only
through the output.
"""

from __future__ import annotations

import ast

from durable_sfn.compiler import ir
from durable_sfn.compiler.expressions.iteration import field, tuple_source
from durable_sfn.compiler.expressions.text import join
from durable_sfn.compiler.frontend import eager_arguments, helpers, number_kinds, s3_fanout, unassigned_reads
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.frontend.task_lists import FLATTENED
from durable_sfn.compiler.ir import Expr, Ty
from durable_sfn.compiler.ir_queries import block_writes, branch_reads

ITEM = Expr.raw("$states.input", inp=True)
# The item when the Map's ItemSelector wraps it with its index ({"item": ..., "index": ...}).
ITEM_SELECTED = Expr.raw("$states.input.item", inp=True)
# The ctx operations whose ids need a per-iteration SCOPE (the Map then passes each item's index).
ENTITY_OPS = {"call_entity", "signal_entity"}


def lower_task_all(lw: LowererCore, call: ast.Call, target: ast.Name | None, loc: ir.Loc) -> list[ir.Stmt]:
    args = lw.bind_args(call, ["tasks", "max_concurrency", "distributed", *s3_fanout.OPTIONS], 1)
    if args is None:
        return []
    tasks = args["tasks"]
    if isinstance(tasks, ast.Name):
        tasks = lw.deferred.take(tasks.id) or tasks
    max_concurrency = _const(lw, args.get("max_concurrency"), int, "max_concurrency")
    distributed = _const(lw, args.get("distributed"), bool, "distributed") or False
    options = {k: v for k, v in args.items() if k in s3_fanout.OPTIONS}
    source = _s3_source(lw, tasks)
    if source is not None:
        assert isinstance(tasks, ast.ListComp)
        return _map(lw, tasks, target, loc, max_concurrency, True, (source, options))
    if options:
        first = next(iter(options.values()))
        lw.report(
            first,
            "DSF014",
            f"{', '.join(options)} apply to a fan-out over S3 items",
            "e.g. await ctx.task_all([ctx.call_activity(f, x) for x in ctx.s3_items(bucket, key, 'jsonl')], "
            "tolerated_failure_percentage=5)",
        )
        return []
    if isinstance(tasks, ast.ListComp):
        if tasks in FLATTENED and target is not None:
            # A loop whose iterations append zero or one task: each iteration returns a list of
            # its results, joined in order after the Map (in the Map's own Assign).
            whole = ast.copy_location(ast.Name(id=lw.fresh("iterations"), ctx=ast.Store()), target)
            stmts = _map(lw, tasks, whole, loc, max_concurrency, bool(distributed))
            if not stmts:
                return []
            joined = join(
                "$reduce(", Expr.var(whole.id, Ty.LIST), ", function($__a, $__r) { $append($__a, $__r) }, [])"
            )
            bound = lw.bind_target(target.id, Ty.LIST, target)
            return [*stmts, ir.Assign(bound, Expr(joined.parts, Ty.LIST), loc)]
        return _map(lw, tasks, target, loc, max_concurrency, bool(distributed))
    if isinstance(tasks, ast.List | ast.Tuple):
        if max_concurrency is not None or distributed:
            lw.report(call, "DSF014", "max_concurrency and distributed apply to a comprehension (a Map)")
        elements = [
            _element(lw, (lw.deferred.take(e.id) or e) if isinstance(e, ast.Name) else e) for e in tasks.elts
        ]
        if not elements:
            lw.report(call, "DSF012", "task_all needs at least one task")
            return []
        branches = []
        for i, element in enumerate(elements, 1):
            branch = _branch(lw, element, {}, f"Branch {i}")
            if branch is None:
                return []
            branches.append(branch)
        values = [
            value
            for element, branch in zip(elements, branches, strict=True)
            for value in eager_arguments.arguments(branch, lw.ctx_call(element) is not None)
        ]
        result = lw.bind_target(target.id, Ty.LIST, target) if target is not None else None
        return [
            *eager_arguments.check_first(lw, values, None, loc),
            ir.ParallelAll(result, tuple(branches), loc),
        ]
    lw.report(
        tasks,
        "DSF012",
        "task_all needs a list of ctx calls or a list comprehension over one",
        "e.g. await ctx.task_all([ctx.call_activity(process, item) for item in items])",
    )
    return []


def _const(lw: LowererCore, node: ast.expr | None, kind: type, name: str) -> object:
    if node is None:
        return None
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, kind)
        and (kind is bool or not isinstance(node.value, bool))
    ):
        if kind is int and isinstance(node.value, int) and node.value < 1:
            lw.report(node, "DSF014", f"{name} must be at least 1")
            return None
        return node.value
    lw.report(node, "DSF014", f"{name} must be a literal {kind.__name__}")
    return None


def _s3_source(lw: LowererCore, tasks: ast.expr) -> ast.Call | None:
    """The `ctx.s3_items(...)`/`ctx.s3_objects(...)` a task_all comprehension iterates, if any."""
    if isinstance(tasks, ast.ListComp) and tasks.generators:
        return s3_fanout.source_call(lw, tasks.generators[-1].iter)
    return None


def _map(
    lw: LowererCore,
    comp: ast.ListComp,
    target: ast.Name | None,
    loc: ir.Loc,
    max_concurrency: object,
    distributed: bool,
    s3_source: tuple[ast.Call, dict[str, ast.expr]] | None = None,
) -> list[ir.Stmt]:
    if (
        not comp.generators
        or (s3_source is not None and len(comp.generators) != 1)
        or not all(isinstance(g.target, ast.Name | ast.Tuple | ast.List) for g in comp.generators)
    ):
        lw.report(comp, "DSF012", "task_all comprehensions need exactly one `for name in items`")
        return []
    gen = comp.generators[0]
    nested = len(comp.generators) > 1
    fanout: ir.S3Fanout | None = None
    if s3_source is not None:
        if not isinstance(gen.target, ast.Name) or gen.ifs:
            lw.report(
                gen.target if gen.ifs == [] else gen.ifs[0],
                "DSF012",
                "a fan-out over S3 items takes one name per item (or batch), without `if`",
                "test the item in the body (a nested async def) instead",
            )
            return []
        fanout = s3_fanout.parse(lw, *s3_source)
        if fanout is None:
            return []
    fields: list[tuple[str, str | None]]
    if fanout is not None:
        assert isinstance(gen.target, ast.Name)
        items = Expr.literal(None)  # the Map reads its items from S3 (ItemReader)
        fields = [(gen.target.id, None)]
        param = lw.expr.local_name(gen.target.id)
        scope = {gen.target.id: param}
    elif nested:
        # `for a in xs for b in ys if c`: the items are the combinations, one object per
        # combination with a field per name, built in Python's order by the comprehension itself.
        found_names = _combination_names(lw, comp)
        if found_names is None:
            return []
        keys = [f"f{i}" for i in range(len(found_names))]
        combinations = ast.copy_location(
            ast.ListComp(
                elt=ast.Dict(
                    keys=[ast.Constant(k) for k in keys],
                    values=[ast.Name(id=n, ctx=ast.Load()) for n in found_names],
                ),
                generators=comp.generators,
            ),
            comp,
        )
        ast.fix_missing_locations(combinations)
        items = lw.expr.translate(combinations)
        fields = list(zip(found_names, keys, strict=True))
        param = "$__" + "_".join(found_names)
        scope = {name: f"{param}.{key}" for name, key in fields}
    elif isinstance(gen.target, ast.Tuple | ast.List):
        # `for k, v in d.items()`: each item is an object with one field per name.
        found = tuple_source(lw.expr, lw.expr.iterable, gen.iter, gen.target)
        if found is None:
            return []
        items, named = found
        fields = list(named)
        param = "$__" + "_".join(name for name, _ in named)
        scope = {name: f"{param}.{key}" for name, key in named}
    else:
        assert isinstance(gen.target, ast.Name)
        items = lw.expr.iterable(gen.iter)
        fields = [(gen.target.id, None)]
        param = lw.expr.local_name(gen.target.id)
        scope = {gen.target.id: param}
    if gen.ifs and not nested:
        lw.env.locals.append(scope)
        try:
            for cond_node in gen.ifs:
                cond = lw.expr.condition(cond_node)
                items = ir.Expr(
                    ("[$filter(", *items.parts, f", function({param}) {{ ", *cond.parts, " })]"), Ty.LIST
                )
        finally:
            lw.env.locals.pop()
    element = _element(lw, comp.elt)
    scope_var = lw.fresh("iteration") if _calls_entities(lw, element) else None
    if scope_var is not None and fanout is not None and fanout.batch_size is not None:
        lw.report(
            comp.elt,
            "DSF013",
            "a batched fan-out over S3 items cannot call or signal entities",
            "drop batch_size, or have an activity do the entity's work",
        )
        return []
    item = ITEM_SELECTED if scope_var else ITEM if fanout is None else s3_fanout.item(fanout)
    bound = {name: item if key is None else field(item, key) for name, key in fields}
    branch = _branch(lw, element, bound, "Iteration")
    if branch is None:
        return []
    checks: list[ir.Stmt] = []
    if fanout is None:  # items read from S3 are not known before the Map
        values = eager_arguments.arguments(branch, lw.ctx_call(element) is not None)
        checks = eager_arguments.check_first(lw, values, items, loc)
    if scope_var is not None:
        # Entity operation ids must differ per iteration: the index comes in through ItemSelector.
        index = Expr.raw("$states.input.index", Ty.NUM, inp=True)
        branch = ir.Branch(((scope_var, index), *branch.params), branch.body, branch.label)
    if distributed:
        outer = branch_reads(branch) - block_writes(branch.body) - {p for p, _ in branch.params}
        if outer:
            lw.report(
                comp,
                "DSF013",
                "a distributed task_all branch cannot read orchestrator variables "
                f"({', '.join(sorted(outer))})",
                "pass what the branch needs inside each item",
            )
            return []
    result = lw.bind_target(target.id, Ty.LIST, target) if target is not None else None
    mc = max_concurrency if isinstance(max_concurrency, int) else None
    if fanout is not None:
        label = _source_label(gen.iter)
    else:
        label = " x ".join(ast.unparse(g.iter) for g in comp.generators)
    return [*checks, ir.MapAll(result, items, branch, mc, distributed, loc, label, scope_var, fanout)]


def _combination_names(lw: LowererCore, comp: ast.ListComp) -> list[str] | None:
    """The names the `for` clauses of a nested task_all comprehension bind, in order, once each."""
    names: list[str] = []
    for gen in comp.generators:
        targets = gen.target.elts if isinstance(gen.target, ast.Tuple | ast.List) else [gen.target]
        for target in targets:
            if not isinstance(target, ast.Name):
                lw.report(target, "DSF022", "comprehension targets must be names")
                return None
            if target.id not in names:
                names.append(target.id)
    return names


def _source_label(call: ast.expr) -> str:
    """`ctx.s3_items(bucket, key, ...)` names the Map by its object key (or prefix) when literal."""
    assert isinstance(call, ast.Call)
    key = (
        call.args[1]
        if len(call.args) > 1
        else next((k.value for k in call.keywords if k.arg in ("key", "prefix")), None)
    )
    if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value:
        return f"S3 {key.value}"
    return "S3 " + (ast.unparse(key) if key is not None else "objects")


def _element(lw: LowererCore, element: ast.expr) -> ast.expr:
    """A task_all element, with a call of a module-level `async def` made a nested one's."""
    if isinstance(element, ast.Call):
        return helpers.as_branch(lw, element) or element
    return element


def _calls_entities(lw: LowererCore, element: ast.expr) -> bool:
    """Whether a task_all element (or the nested async def it calls) calls or signals an entity."""
    nodes: list[ast.AST] = [element]
    if (
        isinstance(element, ast.Call)
        and isinstance(element.func, ast.Name)
        and element.func.id in lw.branch_defs
    ):
        nodes.append(lw.branch_defs[element.func.id])
    return any(
        isinstance(n, ast.Attribute) and n.attr in ENTITY_OPS for node in nodes for n in ast.walk(node)
    )


def _short(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ast.unparse(node)


def _branch(lw: LowererCore, element: ast.expr, bound: dict[str, Expr], label: str) -> ir.Branch | None:
    """Lower one task_all element: a ctx call, or a call of a nested `async def`. `bound` gives
    the comprehension's names (read from the Map item)."""
    child = lw.branch_lowerer()
    child.branch_defs = dict(lw.branch_defs)
    child.env.bound.update(bound)
    params: list[tuple[str, Expr]] = []
    op = lw.ctx_call(element)
    if op is not None:
        tmp = child.fresh("result")
        fake_target = ast.Name(id=tmp, ctx=ast.Store(), lineno=element.lineno, col_offset=element.col_offset)
        stmt = ast.Expr(value=element, lineno=element.lineno, col_offset=element.col_offset)
        body = child.lower_await(
            ast.Await(value=element, lineno=element.lineno, col_offset=element.col_offset),
            fake_target,
            stmt,
        )
        if not body:
            return None
        assert isinstance(element, ast.Call)
        callee = element.args[0] if element.args else element.func
        first = body[0]
        name = f"{first.entity} {first.operation}" if isinstance(first, ir.CallEntity) else _short(callee)
        return ir.Branch((), (*body, ir.Return(Expr.var(tmp), child.loc(element))), name)
    if (
        isinstance(element, ast.Call)
        and isinstance(element.func, ast.Name)
        and element.func.id in lw.branch_defs
    ):
        fn = lw.branch_defs[element.func.id]
        names = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        if element.keywords or len(element.args) != len(names) or fn.args.vararg or fn.args.kwonlyargs:
            lw.report(
                element, "DSF012", f"call '{fn.name}' with exactly its {len(names)} positional argument(s)"
            )
            return None
        values = [child.expr.translate(a) for a in element.args]
        for name in bound:
            del child.env.bound[name]  # the comprehension's names are not visible in the def body
        for name, value in zip(names, values, strict=True):
            params.append((child.bind_target(name, value.ty, fn), value))
        child.declare_assigned(fn.body)
        child.scope_node = fn
        for variable, signed in sorted(number_kinds.kinds(fn.body).items()):
            if variable in names:
                continue
            child.local_kinds[variable] = child.fresh(f"{variable}_kind")
            if signed:
                child.env.signed_kinds.add(child.local_kinds[variable])
        # Reads of the function's locals that some path reaches unassigned raise UnboundLocalError.
        unassigned_reads.mark_unassigned_reads(fn, names)
        return ir.Branch(tuple(params), child.block(fn.body), fn.name)
    lw.report(
        element,
        "DSF012",
        "each task_all element must be a ctx call or a call of a nested async def",
        "e.g. ctx.call_activity(process, item), or process_one(item) with `async def process_one(item): ...`",
    )
    return None
