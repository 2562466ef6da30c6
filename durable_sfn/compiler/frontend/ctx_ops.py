"""What `ctx.*` means: awaited operations (activities, sub-orchestrations, entities, timers,
external events) and the context's statements (custom status, continue-as-new, signals).

`ctx.task_all` is handed to the lowerer's `lower_task_all` hook (module `task_all`).
"""

from __future__ import annotations

import ast
import math
import re

from durable_sfn.compiler import ir
from durable_sfn.compiler.expressions.calls import AWAITED_CTX
from durable_sfn.compiler.frontend import dispatch, helpers, http_calls, retry_filters
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.frontend.source_labels import dotted_name
from durable_sfn.compiler.ir import Expr, Ty

_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
MAX_RETRY_NUMBER = 99_999_999
MAX_RETRY_DELAY = 31_622_400
CALL_OPS = {
    "call_activity",
    "call_activity_with_retry",
    "call_sub_orchestrator",
    "call_sub_orchestrator_with_retry",
    "call_entity",
}
# A child execution's name (`instance_id`): what StartExecution accepts, 1-80 characters without
# whitespace, brackets, wildcards, special or control characters.
_EXECUTION_NAME = re.compile(r"^[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}$")
# Durable's race operations, not compiled: their hint names what to write instead.
RACES = {"task_any", "when_any"}


def resolve_name(lw: LowererCore, node: ast.expr, table: dict[str, str], kind: str) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if not _NAME_RE.match(node.value):
            lw.report(
                node,
                "DSF011",
                f"{node.value!r} is not a valid {kind} name",
                "use 1-64 letters, digits, '-' or '_', starting with a letter",
            )
            return None
        return node.value
    dotted = dotted_name(node)
    if dotted and dotted in table:
        return table[dotted]
    lw.report(
        node,
        "DSF011",
        f"cannot tell which {kind} this is"
        + (f": '{dotted}' is not decorated with @{kind}" if dotted else ""),
        f"pass the @{kind} function defined or imported in this module, or its name as a string",
    )
    return None


def _payload(lw: LowererCore, node: ast.expr | None) -> Expr:
    return Expr.literal(None) if node is None else lw.expr.translate(node)


def _target(lw: LowererCore, target: ast.Name | None, ty: Ty) -> str | None:
    return lw.bind_target(target.id, ty, target) if target is not None else None


def lower_await(lw: LowererCore, node: ast.Await, target: ast.Name | None, stmt: ast.stmt) -> list[ir.Stmt]:
    value = node.value
    if isinstance(value, ast.Name):
        value = lw.deferred.take(value.id) or value
    op = lw.ctx_call(value)
    if op is None:
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and (value.func.id in lw.branch_defs or helpers.find(lw, value.func.id) is not None)
        ):
            hint = (
                f"await the call where it is made (`x = await {value.func.id}(...)`, compiled in place), "
                "or pass the calls to ctx.task_all([...])"
            )
        else:
            hint = "only ctx operations can be awaited (call_activity, create_timer, task_all, ...)"
        lw.report(node, "DSF005", "await on something other than a ctx operation", hint)
        return []
    name, call = op
    loc = lw.loc(stmt)
    if name == "call_entity":
        return lower_entity_op(lw, call, target, loc, signal=False)
    if name in CALL_OPS:
        return _lower_call(lw, name, call, target, loc)
    if name == "call_http":
        return http_calls.lower_call_http(lw, call, target, loc)
    if name == "create_timer":
        args = lw.bind_args(call, ["fire_at"], 1)
        if args is None:
            return []
        when = lw.expr.translate(args["fire_at"])
        if target is not None:
            lw.report(
                stmt,
                "DSF014",
                "create_timer returns nothing to assign",
                "write `await ctx.create_timer(...)`",
            )
        if when.ty is Ty.TIMEDELTA:
            seconds = when if when.is_const else ir.Expr(("$round(", *when.parts, ")"), Ty.NUM)
            if when.is_const:
                seconds = Expr.literal(max(0, math.ceil(when.const)))
            return [ir.Timer(seconds, None, loc)]
        if when.ty is Ty.DATETIME:
            return [ir.Timer(None, when, loc)]
        lw.report(
            args["fire_at"],
            "DSF024",
            "create_timer needs a datetime or a timedelta expression",
            "e.g. ctx.current_utc_datetime + timedelta(minutes=5), or timedelta(seconds=30)",
        )
        return []
    if name == "wait_for_external_event":
        args = lw.bind_args(call, ["name", "timeout"], 1)
        if args is None:
            return []
        event = lw.expr.translate(args["name"])
        timeout = None
        if "timeout" in args:
            t = lw.expr.translate(args["timeout"])
            if t.is_const and t.const is None:
                timeout = None
            elif t.ty in (Ty.TIMEDELTA, Ty.NUM):
                timeout = (
                    Expr.literal(max(1, math.ceil(t.const)))
                    if t.is_const
                    else Expr(("$ceil(", *t.parts, ")"), Ty.NUM)
                )
            else:
                lw.report(args["timeout"], "DSF014", "timeout must be a timedelta (or a number of seconds)")
        return [ir.WaitForEvent(_target(lw, target, Ty.UNKNOWN), event, timeout, loc)]
    if name == "task_all":
        return lw.lower_task_all(call, target, loc)
    if name in ("set_custom_status", "continue_as_new"):
        lw.report(node, "DSF005", f"ctx.{name}(...) is not awaitable", f"call ctx.{name}(...) without await")
        return []
    if name in RACES:
        lw.report(
            node,
            "DSF005",
            f"ctx.{name} is not supported",
            "to wait for an event or a timeout, await ctx.wait_for_external_event(name, timeout=...) "
            "and catch TimeoutError; to run tasks together, await ctx.task_all([...])",
        )
        return []
    supported = ", ".join(sorted(AWAITED_CTX - RACES))
    lw.report(node, "DSF005", f"ctx.{name} cannot be awaited", "supported: " + supported)
    return []


def _lower_call(
    lw: LowererCore, name: str, call: ast.Call, target: ast.Name | None, loc: ir.Loc
) -> list[ir.Stmt]:
    if name in ("call_sub_orchestrator", "call_sub_orchestrator_with_retry"):
        return _lower_sub_orchestrator(lw, name, call, target, loc)
    retry = None
    if name == "call_activity_with_retry":
        args = lw.bind_args(call, ["activity", "retry_options", "input"], 2)
        if args is None:
            return []
        retry = parse_retry(lw, args["retry_options"])
    else:
        args = lw.bind_args(call, ["activity", "input"], 1)
        if args is None:
            return []
    selected = dispatch.selection(lw, args["activity"])  # `TABLE[key]`: a Choice over its activities
    activity = (
        resolve_name(lw, args["activity"], lw.module.activities, "activity") if selected is None else ""
    )
    payload = _payload(lw, args.get("input"))
    if activity is None:
        return []
    task = ir.CallActivity(_target(lw, target, Ty.UNKNOWN), activity, payload, retry, loc)
    return [task] if selected is None else dispatch.lower_call(lw, selected, task, args["activity"], loc)


def _lower_sub_orchestrator(
    lw: LowererCore, name: str, call: ast.Call, target: ast.Name | None, loc: ir.Loc
) -> list[ir.Stmt]:
    """`call_sub_orchestrator(orchestrator, input, instance_id)` and its `_with_retry` form
    (`orchestrator, retry_options, input, instance_id`): a child execution, named `instance_id`
    when given (StartExecution's Name), retried as Durable retries it."""
    retried = name == "call_sub_orchestrator_with_retry"
    names = (
        ["orchestrator", "retry_options", "input", "instance_id"]
        if retried
        else ["orchestrator", "input", "instance_id"]
    )
    args = lw.bind_args(call, names, 2 if retried else 1)
    if args is None:
        return []
    retry = parse_retry(lw, args["retry_options"]) if retried else None
    if retry is not None and retry.errors != ("States.ALL",):
        lw.report(
            args["retry_options"],
            "DSF021",
            "a retried sub-orchestration retries every failure: its Task fails with States.TaskFailed "
            "whatever the child raised",
            "leave retry_on/handle out, or catch the child's error and call it again in a loop",
        )
        return []
    instance_id = None
    if "instance_id" in args and not (
        isinstance(args["instance_id"], ast.Constant) and args["instance_id"].value is None
    ):
        node = args["instance_id"]
        if retried:
            lw.report(
                node,
                "DSF014",
                "a retried sub-orchestration cannot have an instance_id",
                "each retry starts a new child execution, and Step Functions never reuses an "
                "execution name: leave instance_id out, or retry in a loop with a new id per attempt",
            )
            return []
        instance_id = lw.expr.translate(node)
        if instance_id.is_const and not (
            isinstance(instance_id.const, str) and _EXECUTION_NAME.match(instance_id.const)
        ):
            lw.report(
                node,
                "DSF014",
                f"{instance_id.const!r} cannot name a child execution",
                'use 1-80 characters without whitespace, brackets, wildcards or " # % \\ ^ | ~ ` $ & , ; : /',
            )
            return []
    orch = resolve_name(lw, args["orchestrator"], lw.module.orchestrators, "orchestrator")
    payload = _payload(lw, args.get("input"))
    if orch is None or (retried and retry is None):
        return []
    return [ir.CallSubOrchestrator(_target(lw, target, Ty.UNKNOWN), orch, payload, loc, retry, instance_id)]


def parse_retry(lw: LowererCore, node: ast.expr) -> ir.RetryPolicy | None:
    """`RetryOptions(first_retry_interval, max_number_of_attempts, backoff_coefficient=1.0,
    max_retry_interval=None)` written out (or a module-level constant) -> ASL numbers."""
    held = dotted_name(node)  # a RetryOptions constant, of this module or an imported one
    if held is not None and held in lw.retry_options:
        node = lw.retry_options[held]
    if not (isinstance(node, ast.Call) and (dotted_name(node.func) or "").split(".")[-1] == "RetryOptions"):
        lw.report(
            node,
            "DSF021",
            "retry options must be a RetryOptions(...) call with literal values",
            "write RetryOptions(timedelta(seconds=5), 3) here or in a module-level constant",
        )
        return None
    names = [
        *("first_retry_interval", "max_number_of_attempts", "backoff_coefficient", "max_retry_interval"),
        *("retry_on", "handle"),
    ]
    args = lw.bind_args(node, names, 2)
    if args is None:
        return None
    errors = retry_filters.errors(lw, args.pop("retry_on", None), args.pop("handle", None))
    if errors is None:
        return None
    values = {k: lw.expr.translate(v) for k, v in args.items()}
    for key in ("first_retry_interval", "max_retry_interval"):
        if key in values and values[key].ty is not Ty.TIMEDELTA and values[key].const is not None:
            lw.report(
                args[key],
                "DSF021",
                f"RetryOptions' {key} is a timedelta",
                "write timedelta(seconds=5) (Durable's milliseconds: timedelta(milliseconds=5000))",
            )
            return None
    if not all(v.is_const for v in values.values()):
        lw.report(
            node,
            "DSF021",
            "RetryOptions values must be literals (the retry policy is part of the definition)",
        )
        return None
    interval = values["first_retry_interval"].const
    attempts = values["max_number_of_attempts"].const
    backoff = values["backoff_coefficient"].const if "backoff_coefficient" in values else 1.0
    max_interval = values["max_retry_interval"].const if "max_retry_interval" in values else None
    if not (
        isinstance(interval, int | float)
        and interval >= 1
        and isinstance(attempts, int)
        and attempts >= 1
        and isinstance(backoff, int | float)
        and backoff >= 1
    ):
        lw.report(
            node,
            "DSF021",
            "RetryOptions needs first_retry_interval >= 1 second, max_number_of_attempts >= 1 "
            "and backoff_coefficient >= 1",
        )
        return None
    # Step Functions' ranges: IntervalSeconds and MaxAttempts up to 99999999, MaxDelaySeconds up
    # to 31622400 (366 days), and a BackoffRate that is a finite number.
    if (
        math.ceil(interval) > MAX_RETRY_NUMBER
        or attempts - 1 > MAX_RETRY_NUMBER
        or not math.isfinite(backoff)
        or (isinstance(max_interval, int | float) and not 1 <= math.ceil(max_interval) <= MAX_RETRY_DELAY)
    ):
        lw.report(
            node,
            "DSF021",
            f"RetryOptions beyond Step Functions' ranges: first_retry_interval up to {MAX_RETRY_NUMBER:,} "
            f"seconds, max_number_of_attempts up to {MAX_RETRY_NUMBER + 1:,}, max_retry_interval from 1 "
            f"second to {MAX_RETRY_DELAY:,} seconds",
        )
        return None
    return ir.RetryPolicy(
        interval_seconds=math.ceil(interval),
        max_attempts=attempts - 1,
        backoff_rate=float(backoff),
        max_delay_seconds=math.ceil(max_interval) if isinstance(max_interval, int | float) else None,
        errors=errors,
    )


def is_unawaited_task(lw: LowererCore, node: ast.expr) -> bool:
    """A task created now and awaited later (`t = ctx.call_activity(...)`, `tasks = [...]`, a list
    of tasks created before)."""
    if isinstance(node, ast.ListComp):
        return is_unawaited_task(lw, node.elt)
    if isinstance(node, ast.List | ast.Tuple):
        return bool(node.elts) and all(
            is_unawaited_task(lw, e) or (isinstance(e, ast.Name) and e.id in lw.deferred.here)
            for e in node.elts
        )
    op = lw.ctx_call(node)
    if op is not None:
        return op[0] in CALL_OPS or op[0] in ("create_timer", "wait_for_external_event")
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return False
    if node.func.id in lw.branch_defs:
        return True
    helper = helpers.find(lw, node.func.id)  # a module-level `async def` called without await
    return helper is not None and isinstance(helper[0], ast.AsyncFunctionDef)


def lower_ctx_statement(lw: LowererCore, call: ast.Call, stmt: ast.stmt) -> list[ir.Stmt]:
    name = call.func.attr if isinstance(call.func, ast.Attribute) else ""
    loc = lw.loc(stmt)
    if name in ("set_custom_status", "continue_as_new"):
        if lw.in_branch:
            lw.report(
                call,
                "DSF013",
                f"ctx.{name}() cannot be called inside a task_all branch",
                "branches run as Map or Parallel iterations with their own variables; "
                "call it in the orchestrator body before or after task_all",
            )
            return []
        key = "value" if name == "set_custom_status" else "input"
        args = lw.bind_args(call, [key], 1)
        if args is None:
            return []
        value = lw.expr.translate(args[key])
        return [ir.SetStatus(value, loc) if name == "set_custom_status" else ir.ContinueAsNew(value, loc)]
    if name == "signal_entity":
        return lower_entity_op(lw, call, None, loc, signal=True)
    if name in AWAITED_CTX:
        lw.report(call, "DSF005", f"ctx.{name}(...) must be awaited", f"write `await ctx.{name}(...)`")
        return []
    lw.expr.translate(call)
    return []


def lower_entity_op(
    lw: LowererCore, call: ast.Call, target: ast.Name | None, loc: ir.Loc, *, signal: bool
) -> list[ir.Stmt]:
    """`ctx.call_entity(EntityId("Name", key), "operation", input)` and `ctx.signal_entity(...)`.

    The entity name selects a function (a `${Name}` placeholder) and the operation is part of the
    operation's identity, so both must be literals; the key and the input are expressions.
    """
    args = lw.bind_args(call, ["entity_id", "operation", "input"], 2)
    if args is None:
        return []
    parsed = _entity_id(lw, args["entity_id"])
    operation_node = args["operation"]
    if not (isinstance(operation_node, ast.Constant) and isinstance(operation_node.value, str)):
        lw.report(
            operation_node,
            "DSF027",
            "the entity operation must be a string literal",
            'write the operation name in place, e.g. ctx.call_entity(EntityId("Counter", key), "add", 1)',
        )
        return []
    payload = _payload(lw, args.get("input"))
    if parsed is None:
        return []
    entity, key = parsed
    declared = lw.module.entity_operations.get(entity)
    if declared is not None and operation_node.value not in declared:
        lw.report(
            operation_node,
            "DSF027",
            f"entity {entity!r} has no operation {operation_node.value!r}",
            f"its @entity(operations=...) declares: {', '.join(sorted(declared))}",
        )
        return []
    bound = _target(lw, target, Ty.UNKNOWN)
    return [ir.CallEntity(bound, entity, key, operation_node.value, payload, signal, loc)]


def _entity_id(lw: LowererCore, node: ast.expr) -> tuple[str, Expr] | None:
    hint = 'write EntityId("Counter", key) in place: the name (a literal) selects the entity function'
    dotted = dotted_name(node.func) if isinstance(node, ast.Call) else None
    if not isinstance(node, ast.Call) or dotted is None or dotted.split(".")[-1] != "EntityId":
        lw.report(node, "DSF027", "cannot tell which entity this is", hint)
        return None
    if any(isinstance(a, ast.Starred) for a in node.args) or len(node.args) > 2:
        lw.report(node, "DSF027", "EntityId takes (name, key)", hint)
        return None
    given: dict[str, ast.expr] = dict(zip(("name", "key"), node.args, strict=False))
    for kw in node.keywords:
        if kw.arg not in ("name", "key") or kw.arg in given:
            lw.report(node, "DSF027", "EntityId takes (name, key)", hint)
            return None
        given[kw.arg] = kw.value
    if "name" not in given or "key" not in given:
        lw.report(node, "DSF027", "EntityId takes (name, key)", hint)
        return None
    name_node = given["name"]
    if not (isinstance(name_node, ast.Constant) and isinstance(name_node.value, str)):
        lw.report(name_node, "DSF027", "the entity name must be a string literal", hint)
        return None
    if not _NAME_RE.match(name_node.value):
        lw.report(
            name_node,
            "DSF011",
            f"{name_node.value!r} is not a valid entity name",
            "use 1-64 letters, digits, '-' or '_', starting with a letter (the name given to @entity)",
        )
        return None
    return name_node.value, lw.expr.translate(given["key"])
