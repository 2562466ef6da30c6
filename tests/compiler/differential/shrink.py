"""Shrink a differing program to a small one that differs the same way.

The shrinker keeps only the input that showed the difference, then removes statements of the
orchestrators (and replaces compound statements by one of their bodies) one at a time, keeping
each change after which the program still differs in the same respect (`Outcome.signature`). What is
left is usually a handful of lines: the construct the compiler gets wrong.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from tests.compiler.differential.generator import Program
from tests.compiler.differential.runner import Outcome, judge

FUNCTIONS = {"main", "child"}


def _bodies(tree: ast.Module) -> Iterator[list[ast.stmt]]:
    """Every statement list inside the orchestrators, outermost first."""
    for node in tree.body:
        if isinstance(node, ast.AsyncFunctionDef) and node.name in FUNCTIONS:
            for inner in ast.walk(node):
                for name in ("body", "orelse", "finalbody"):
                    stmts = getattr(inner, name, None)
                    if isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt):
                        yield stmts
                if isinstance(inner, ast.Try):
                    for handler in inner.handlers:
                        yield handler.body


def _candidates(source: str) -> Iterator[str]:
    """Sources with one statement removed or one compound statement replaced by a body of it."""
    tree = ast.parse(source)
    count = sum(len(b) for b in _bodies(tree))
    for index in range(count):
        for mode in ("remove", "hoist"):
            tree = ast.parse(source)
            stmts, position = _locate(tree, index)
            stmt = stmts[position]
            if mode == "remove":
                if len(stmts) == 1 and isinstance(stmt, ast.Pass):
                    continue
                stmts[position : position + 1] = [] if len(stmts) > 1 else [ast.Pass()]
                yield ast.unparse(tree) + "\n"
            else:
                for body in _inner_bodies(stmt):
                    tree = ast.parse(source)
                    stmts, position = _locate(tree, index)
                    replacement = next(
                        b for b in _inner_bodies(stmts[position]) if ast.dump(b[0]) == ast.dump(body[0])
                    )
                    stmts[position : position + 1] = replacement
                    yield ast.unparse(tree) + "\n"


def _inner_bodies(stmt: ast.stmt) -> list[list[ast.stmt]]:
    if isinstance(stmt, ast.If | ast.For | ast.While):
        return [b for b in (stmt.body, stmt.orelse) if b]
    if isinstance(stmt, ast.Try):
        return [b for b in (stmt.body, *(h.body for h in stmt.handlers), stmt.finalbody) if b]
    return []


def _locate(tree: ast.Module, index: int) -> tuple[list[ast.stmt], int]:
    for stmts in _bodies(tree):
        if index < len(stmts):
            return stmts, index
        index -= len(stmts)
    raise IndexError(index)


def shrink(program: Program, outcome: Outcome, directory: Path, budget: int = 400) -> tuple[Program, Outcome]:
    """The smallest program found within `budget` tries that differs as `outcome` does."""
    failing = [value for value, _, _ in outcome.runs[-1:]] or program.inputs
    best, best_outcome = replace(program, inputs=failing), outcome
    trial = judge(best, directory)
    if trial.signature() == outcome.signature():
        best_outcome = trial
    else:
        best = program
    tries = 0
    improved = True
    while improved and tries < budget:
        improved = False
        for candidate in _candidates(best.source):
            tries += 1
            if tries > budget:
                break
            attempt = replace(best, source=candidate)
            result = judge(attempt, directory)
            if result.signature() == outcome.signature():
                best, best_outcome, improved = attempt, result, True
                break
    return best, best_outcome
