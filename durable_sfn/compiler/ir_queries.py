"""Questions asked of IR blocks: every statement in them, what they read and what they write.

Kept apart from `ir` (the node types) because these are the analyses later decisions rest on:
whether a `for` loop can be a Map (`backend/loops`), whether a block needs entity SCOPEs
(`backend/entity_ops`), and what a distributed task_all branch reads (`frontend/task_all`).
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterator

from durable_sfn.compiler.ir import (
    Assign,
    Block,
    Branch,
    CallActivity,
    CallEntity,
    CallHttp,
    CallSubOrchestrator,
    ContinueAsNew,
    Expr,
    ForEach,
    If,
    Log,
    MapAll,
    ParallelAll,
    Raise,
    Return,
    SetStatus,
    Stmt,
    Timer,
    Try,
    Var,
    WaitForEvent,
    While,
)


def walk(block: Block) -> Iterator[Stmt]:
    """Every statement in `block`, nested blocks included, but not inside branches (own scopes)."""
    for stmt in block:
        yield stmt
        if isinstance(stmt, If):
            yield from walk(stmt.then)
            yield from walk(stmt.orelse)
        elif isinstance(stmt, While | ForEach):
            yield from walk(stmt.body)
        elif isinstance(stmt, Try):
            yield from walk(stmt.body)
            for h in stmt.handlers:
                yield from walk(h.body)
            yield from walk(stmt.orelse)
            yield from walk(stmt.finalbody)


def written(stmt: Stmt) -> set[str]:
    """Variables a single statement assigns in the current scope."""
    if isinstance(stmt, Assign):
        return {stmt.target} | ({stmt.kind[0]} if stmt.kind else set())
    if isinstance(
        stmt, CallActivity | CallSubOrchestrator | CallEntity | CallHttp | WaitForEvent | MapAll | ParallelAll
    ):
        return {stmt.target} if stmt.target else set()
    if isinstance(stmt, ForEach):
        return {stmt.target, stmt.index_var, stmt.items_var}
    if isinstance(stmt, Try):
        return {h.var for h in stmt.handlers if h.var}
    return set()


def exprs_of(stmt: Stmt) -> list[Expr]:
    """The expressions a single statement evaluates itself (not those of nested statements)."""
    if isinstance(stmt, Assign) and stmt.kind is not None:
        return [stmt.kind[1], stmt.value]
    if isinstance(stmt, Assign | SetStatus | Return | ContinueAsNew):
        return [stmt.value]
    if isinstance(stmt, Log):
        return [stmt.message]
    if isinstance(stmt, CallActivity):
        return [stmt.payload]
    if isinstance(stmt, CallSubOrchestrator):
        return [stmt.payload] + ([stmt.instance_id] if stmt.instance_id is not None else [])
    if isinstance(stmt, CallEntity):
        return [stmt.key, stmt.payload]
    if isinstance(stmt, CallHttp):
        return [e for e in (stmt.uri, stmt.content, stmt.headers) if e is not None]
    if isinstance(stmt, WaitForEvent):
        return [stmt.event_name] + ([stmt.timeout_seconds] if stmt.timeout_seconds else [])
    if isinstance(stmt, Timer):
        return [e for e in (stmt.seconds, stmt.timestamp) if e is not None]
    if isinstance(stmt, If | While):
        return [stmt.condition]
    if isinstance(stmt, ForEach):
        return [stmt.items]
    if isinstance(stmt, Raise):
        return [stmt.error, stmt.cause]
    if isinstance(stmt, MapAll):
        return [stmt.items, *(stmt.s3.expressions() if stmt.s3 is not None else ())]
    return []


def branch_reads(branch: Branch) -> set[str]:
    """Variables a branch reads (including those it assigns itself)."""
    names: set[str] = set()
    for _, e in branch.params:
        names |= e.reads()
    for stmt in walk(branch.body):
        for e in exprs_of(stmt):
            names |= e.reads()
        if isinstance(stmt, MapAll):
            names |= branch_reads(stmt.branch)
        elif isinstance(stmt, ParallelAll):
            for b in stmt.branches:
                names |= branch_reads(b)
    return names


def block_reads(block: Block) -> set[str]:
    return branch_reads(Branch((), block, ""))


def block_writes(block: Block) -> set[str]:
    names: set[str] = set()
    for stmt in walk(block):
        names |= written(stmt)
    return names


# `$states...` paths, `$uuid()` and string literals (a deploy-time value, `"${env.X}"`): reading
# them cannot fail.
_SAFE_TEXT = re.compile(r'^(\$states(\.[A-Za-z_][A-Za-z0-9_]*)*|\$uuid\(\)|"(?:[^"\\]|\\.)*")$')


def is_fallible(e: Expr) -> bool:
    """Whether evaluating `e` may fail at run time. Conservative: only what certainly cannot fail
    is safe (a literal, a variable, a `$states` path, `$uuid()`, and displays of safe values);
    a `try` must catch anything else where Python would raise (`backend` evaluates such
    expressions in a state that carries the try's Catch)."""
    if e.is_const:
        return False
    if len(e.parts) == 1 and isinstance(e.parts[0], Var):
        return False
    if e.template is not None:
        return any(is_fallible(child) for child in e.children())
    if all(isinstance(p, str) for p in e.parts):
        return not _SAFE_TEXT.match("".join(p for p in e.parts if isinstance(p, str)).strip())
    return True


def catches_python_errors(errors: tuple[str, ...]) -> bool:
    """Whether a handler for these Step Functions error names takes what an expression raises:
    everything, or a Python error class (expressions raise builtin errors, and json.loads
    JSONDecodeError)."""
    return any(
        name in ("States.ALL", "JSONDecodeError")
        or (
            isinstance(getattr(builtins, name, None), type) and issubclass(getattr(builtins, name), Exception)
        )
        for name in errors
    )
