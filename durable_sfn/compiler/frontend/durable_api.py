"""Durable Functions' orchestration API members that have no compiled form, each refused at its
line with the reason and the spelling that works (docs/durable-parity.md lists them all, beside
what is supported as is or under another name).

Two Python SDKs are covered: azure-functions-durable (`DurableOrchestrationContext`) and
durabletask (`OrchestrationContext`). Members are refused where they are read (`ctx.version`),
called (`ctx.new_guid()`), awaited (`await ctx.lock_entities(...)`), and keywords where they are
passed (`retry_policy=`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

CODE = "DSF002"


@dataclass(frozen=True)
class Refusal:
    reason: str
    hint: str


# ctx members (read or called) with no compiled form.
MEMBERS: dict[str, Refusal] = {
    "parent_instance_id": Refusal(
        "a child execution does not know its parent's id",
        "pass the parent's ctx.instance_id in the child's input: "
        'ctx.call_sub_orchestrator(child, {"parent": ctx.instance_id, ...})',
    ),
    "custom_status": Refusal(
        "the custom status is written, not read back",
        "keep the value in a variable and pass it to ctx.set_custom_status(value)",
    ),
    "histories": Refusal(
        "a compiled orchestrator does not replay a history",
        "read an execution's history from outside with durable-sfn history or the client",
    ),
    "function_context": Refusal(
        "there is no Azure Functions host context on Step Functions",
        "pass what the orchestrator needs in its input",
    ),
    "will_continue_as_new": Refusal(
        "ctx.continue_as_new(input) ends the orchestrator where it is called",
        "nothing runs after ctx.continue_as_new(...): test the condition that led to it instead",
    ),
    "version": Refusal(
        "orchestrator versions are state machine versions, chosen by the alias an execution starts through",
        "deploy the new code as a new version (the Orchestration construct publishes one per change)",
    ),
    "new_guid": Refusal(
        "Durable's new_guid returns a UUID object, not JSON",
        "use ctx.new_uuid(), which returns the text of a new UUID",
    ),
    "create_replay_safe_logger": Refusal(
        "a compiled orchestrator never replays, so every logger is replay safe",
        "log with the logger itself: logger.info(...) (records go to the execution history)",
    ),
    "lock_entities": Refusal(
        "critical sections over entities are not compiled",
        "call the entity operations one by one: one orchestration's calls and signals to an entity "
        "apply in the order it issues them",
    ),
}

# Keywords of context calls, by keyword, that have no compiled form.
KEYWORDS: dict[str, Refusal] = {
    "retry_policy": Refusal(
        "durabletask's retry_policy= keyword is spelled as its own call here",
        "ctx.call_activity_with_retry(activity, RetryOptions(...), input) or "
        "ctx.call_sub_orchestrator_with_retry(orchestrator, RetryOptions(...), input)",
    ),
    "version": Refusal(
        "a child runs the version its state machine's alias points to",
        "leave version= out: deploy the child orchestration as a new version instead",
    ),
    "save_events": Refusal(
        "events raised before continue_as_new are not carried into the new execution",
        "leave save_events= out; raise the event to the new execution",
    ),
    "signal_time": Refusal(
        "scheduled signals are not compiled",
        "wait with await ctx.create_timer(when), then call ctx.signal_entity(...)",
    ),
    "tags": Refusal(
        "activity tags are not compiled",
        "leave tags= out; pass what the activity needs in its input",
    ),
    "retry_timeout": Refusal(
        "Step Functions retries by count, not by a deadline",
        "bound the retries with max_number_of_attempts and max_retry_interval",
    ),
    "new_input": Refusal(
        "durabletask's keyword for the new input", "pass it positionally: ctx.continue_as_new(value)"
    ),
    "custom_status": Refusal(
        "durabletask's keyword for the status", "pass it positionally: ctx.set_custom_status(value)"
    ),
    "status": Refusal(
        "azure-functions-durable's keyword for the status",
        "pass it positionally: ctx.set_custom_status(value)",
    ),
    "entityId": Refusal(
        "azure-functions-durable's keyword for the entity",
        'pass it positionally: ctx.call_entity(EntityId("Name", key), "operation", input)',
    ),
    "operationName": Refusal(
        "azure-functions-durable's keyword for the operation",
        'pass it positionally: ctx.call_entity(EntityId("Name", key), "operation", input)',
    ),
    "operationInput": Refusal(
        "azure-functions-durable's keyword for the operation's input",
        'pass it positionally: ctx.call_entity(EntityId("Name", key), "operation", input)',
    ),
    "operation_name": Refusal(
        "durabletask's keyword for the operation",
        'pass it positionally: ctx.signal_entity(EntityId("Name", key), "operation", input)',
    ),
    "first_retry_interval_in_milliseconds": Refusal(
        "RetryOptions takes the first interval as a timedelta",
        "RetryOptions(first_retry_interval=timedelta(milliseconds=5000), max_number_of_attempts=3)",
    ),
}

# Module-level functions of durabletask that have ctx spellings here.
FUNCTIONS: dict[str, Refusal] = {
    "when_all": Refusal("durabletask's task.when_all is a ctx method here", "await ctx.task_all([...])"),
    "when_any": Refusal("durabletask's task.when_any is a ctx method here", "await ctx.task_any([...])"),
}


def member(node: ast.expr, ctx_name: str) -> tuple[str, Refusal] | None:
    """(name, refusal) when `node` reads or calls a refused ctx member."""
    target = node.func if isinstance(node, ast.Call) else node
    if (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == ctx_name
        and target.attr in MEMBERS
    ):
        return target.attr, MEMBERS[target.attr]
    return None


def function(node: ast.expr, ctx_name: str) -> tuple[str, Refusal] | None:
    """(name, refusal) when `node` calls durabletask's `when_all` / `when_any` (`task.when_all`),
    not the context's own methods (`ctx.when_any` is supported)."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == ctx_name:
        return None
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return (name, FUNCTIONS[name]) if name in FUNCTIONS else None
