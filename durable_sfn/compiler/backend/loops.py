"""When a sequential `for` loop can run as a Map with MaxConcurrency 1 instead of a counted
Choice loop: the body must keep all its variables to itself, because a Map iteration has its own
variable scope (nothing it assigns is visible after the loop, or in the next iteration).

A Map costs one transition for the loop plus the body's, where the counted loop adds a Choice per
item (and one more at the end), so eligible loops get cheaper, never different.
"""

from __future__ import annotations

from collections import Counter

from durable_sfn.compiler import ir, ir_queries


def mentions(block: ir.Block) -> Counter[str]:
    """How often each variable is read or written in `block` (branches included)."""
    counts: Counter[str] = Counter()
    for stmt in ir_queries.walk(block):
        for e in ir_queries.exprs_of(stmt):
            counts.update(e.reads())
        counts.update(ir_queries.written(stmt))
        if isinstance(stmt, ir.MapAll):
            counts.update(ir_queries.branch_reads(stmt.branch))
        elif isinstance(stmt, ir.ParallelAll):
            for b in stmt.branches:
                counts.update(ir_queries.branch_reads(b))
    return counts


def _escapes(block: ir.Block) -> bool:
    """Statements that act on the orchestration as a whole, or on the loop itself."""
    return any(
        isinstance(s, ir.Return | ir.Break | ir.Continue | ir.SetStatus | ir.ContinueAsNew)
        for s in ir_queries.walk(block)
    )


def _reads(block: ir.Block) -> set[str]:
    names: set[str] = set()
    for stmt in ir_queries.walk(block):
        for e in ir_queries.exprs_of(stmt):
            names |= e.reads()
        if isinstance(stmt, ir.MapAll):
            names |= ir_queries.branch_reads(stmt.branch)
        elif isinstance(stmt, ir.ParallelAll):
            for b in stmt.branches:
                names |= ir_queries.branch_reads(b)
    return names


def _assigned_before_read(body: ir.Block, local: set[str]) -> bool:
    """Every body variable is assigned (in straight-line code) before anything reads it, so no
    value flows from one iteration to the next."""
    assigned: set[str] = set()
    for stmt in body:
        if (_reads((stmt,)) & local) - assigned:
            return False
        if not isinstance(stmt, ir.If | ir.While | ir.ForEach | ir.Try):
            assigned |= ir_queries.written(stmt)  # assignments inside if/loops/try may not happen
    return True


def runs_as_map(loop: ir.ForEach, everywhere: Counter[str]) -> bool:
    """`everywhere`: the `mentions` of the whole orchestrator body (counted once per compile)."""
    if _escapes(loop.body):
        return False
    inside = mentions(loop.body)
    local = ir_queries.block_writes(loop.body) | {loop.target}
    if any(everywhere[name] != inside[name] + (1 if name == loop.target else 0) for name in local):
        return False  # read or assigned outside the loop body
    return _assigned_before_read(loop.body, local - {loop.target})
