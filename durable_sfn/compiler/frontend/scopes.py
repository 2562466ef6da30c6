"""Names and scopes known before lowering: the module's (ModuleInfo) and a body's bindings.

Python decides a name's scope from the whole function body, not from the order of statements, so
the lowering needs every assigned name up front (a loop may read what its next iteration assigns).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from durable_sfn.compiler.frontend.module_names import DispatchTable

RESERVED = {
    "customStatus": "customStatus holds the custom status; use ctx.set_custom_status(value)",
    "states": "$states is reserved by Step Functions",
    # The log records of `logging` and `print` (one variable per nesting depth, see backend/logs).
    **{
        f"orchestratorLog{n or ''}": "orchestratorLog holds log records; log with logging or print()"
        for n in (0, *range(2, 21))
    },
}


@dataclass
class ModuleInfo:
    """What the frontend knows about the orchestrator's module without executing it."""

    activities: dict[str, str] = field(default_factory=dict)  # python name / dotted name -> activity name
    orchestrators: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    retry_options: dict[str, ast.Call] = field(default_factory=dict)
    # Lists and dicts of activities (`frontend/module_names`): they select a call's activity.
    dispatch_tables: dict[str, DispatchTable] = field(default_factory=dict)
    # Module-level names this module changes after binding them (name -> line of a change), which
    # are therefore not constants.
    changed_names: dict[str, int] = field(default_factory=dict)
    # Exception class name -> the names of its known subclasses (from the module and its imports),
    # so that `except Base` also catches errors raised as a subclass, as Python does.
    exception_subclasses: dict[str, set[str]] = field(default_factory=dict)
    # Entity name -> the operations its `@entity(operations=...)` declares (literal lists only).
    entity_operations: dict[str, frozenset[str]] = field(default_factory=dict)
    # The module's dotted name (what `__name__` is when it is imported), for logger names.
    name: str = "module"
    # Names bound to the `logging` module, and module-level loggers (name -> logger name).
    logging_modules: set[str] = field(default_factory=set)
    loggers: dict[str, str] = field(default_factory=dict)
    # Functions defined at module level (undecorated), which orchestrators may call: compiled
    # in place (`frontend/helpers`).
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    # Names bound to the `os` module or its members: local name -> "os", "os.environ", "os.getenv".
    os_names: dict[str, str] = field(default_factory=dict)
    # Every name bound at module level (imports, definitions, assignments).
    globals: set[str] = field(default_factory=set)


def assigned_names(body: list[ast.stmt]) -> list[str]:
    """Every plain name the body assigns (nested functions excluded, reserved names skipped), in
    source order: Python decides a name's scope from the whole body."""
    names: list[str] = []
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            continue  # a nested function's names are its own
        for node in walk_scope(stmt):  # one walk per top-level statement, nested defs excluded
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For):
                targets = [node.target]
            flat = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple | ast.List) else [t])]
            names.extend(
                target.id for target in flat if isinstance(target, ast.Name) and target.id not in RESERVED
            )
    return names


def walk_scope(node: ast.AST) -> list[ast.AST]:
    """ast.walk without descending into nested functions (their own scopes)."""
    out: list[ast.AST] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                stack.append(child)
    return out


def all_names(func: ast.AST) -> set[str]:
    names: set[str] = set()
    for n in ast.walk(func):
        if isinstance(n, ast.Name):
            names.add(n.id)
        elif isinstance(n, ast.arg):
            names.add(n.arg)
    return names
