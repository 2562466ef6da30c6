"""Definite assignment: marks the reads of a local variable that Python may find unassigned.

Python raises UnboundLocalError when a function reads a local it has not assigned yet (`if n > 1:
x = ...` then `return x` with n = 0). A Step Functions variable never assigned is simply undefined,
so a compiled read would fail differently or, inside an expression, compute something else. The
translator guards the reads marked here (`maybe_unassigned` on the `ast.Name`) so that they raise
Python's error; every other read compiles as before. The analysis is conservative: a read is
unmarked only where every path to it assigns the name.
"""

from __future__ import annotations

import ast
import sys

from durable_sfn.compiler.frontend.scopes import assigned_names, walk_scope

MARK = "maybe_unassigned"
# On a marked read inside a nested scope (a lambda, a generator expression, and in Python 3.11 a
# comprehension too): Python raises NameError ("free variable") there, not UnboundLocalError.
FREE = "free_read"
# Comprehensions are functions of their own before Python 3.12 (PEP 709 inlines them).
_COMPREHENSION_SCOPES = sys.version_info < (3, 12)
# The name as the source spells it, on a Name a helper compiled in place renamed.
SOURCE_NAME = "source_name"

# The names definitely assigned at a point; None where the point cannot be reached.
State = frozenset[str] | None


def mark_unassigned_reads(func: ast.AsyncFunctionDef | ast.FunctionDef, params: list[str]) -> None:
    """Mark the reads in `func`'s own body (nested functions excluded) of its locals that some path
    reaches without assigning them."""
    mark_body(func.body, params)


def mark_body(body: list[ast.stmt], params: list[str]) -> None:
    """`mark_unassigned_reads` for a function body on its own (a helper's, renamed where it is
    compiled in place), whose `params` are assigned on entry."""
    _Flow(set(assigned_names(body)) - set(params)).block(body, frozenset(params))


def _merge(*states: State) -> State:
    """Where paths meet: the names every reachable path assigned."""
    reachable = [s for s in states if s is not None]
    if not reachable:
        return None
    return frozenset.intersection(*reachable)


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _stored(node: ast.AST) -> set[str]:
    """The names `node` assigns in this scope (a comprehension's own names are its own scope's)."""
    return {n.id for n in _names(node, frozenset()) if isinstance(n.ctx, ast.Store)}


def _names(node: ast.AST, hidden: frozenset[str]) -> list[ast.Name]:
    """The Names of this scope in `node`: not in nested functions, and not a comprehension's own
    names (`sku` in `[f(sku) for sku in skus]`), which are its scope's, as in Python 3."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return []
    if isinstance(node, ast.Lambda):
        # A key function (`key=lambda x: x[field]`) reads the enclosing names when it is called,
        # during the call it is passed to; the compiler refuses a marked read there.
        arguments = node.args
        params = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        params += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        return _free(_names(node.body, hidden | {a.arg for a in params}))
    if isinstance(node, _COMPREHENSIONS):
        # The first iterable is evaluated in the enclosing scope; the rest in the comprehension's.
        out = _names(node.generators[0].iter, hidden)
        inner = hidden | {
            n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)
        }
        nested: list[ast.Name] = []
        for i, gen in enumerate(node.generators):
            if i:
                nested += _names(gen.iter, inner)
            for cond in gen.ifs:
                nested += _names(cond, inner)
        parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for part in parts:
            nested += _names(part, inner)
        own_scope = isinstance(node, ast.GeneratorExp) or _COMPREHENSION_SCOPES
        return out + (_free(nested) if own_scope else nested)
    if isinstance(node, ast.Name):
        return [] if node.id in hidden else [node]
    out = []
    for child in ast.iter_child_nodes(node):
        out += _names(child, hidden)
    return out


def _free(names: list[ast.Name]) -> list[ast.Name]:
    for name in names:
        setattr(name, FREE, True)
    return names


class _Flow:
    def __init__(self, candidates: set[str]) -> None:
        self.candidates = candidates
        self.breaks: list[list[State]] = []  # per enclosing loop, the states at its `break`s

    def reads(self, node: ast.AST | None, state: State) -> None:
        if node is None or state is None:
            return
        for n in _names(node, frozenset()):
            if isinstance(n.ctx, ast.Load) and n.id in self.candidates and n.id not in state:
                setattr(n, MARK, True)

    def block(self, stmts: list[ast.stmt], state: State) -> State:
        for stmt in stmts:
            if state is None:
                return None
            state = self.stmt(stmt, state)
        return state

    def stmt(self, node: ast.stmt, state: frozenset[str]) -> State:
        if isinstance(node, ast.Return | ast.Raise):
            for child in ast.iter_child_nodes(node):
                self.reads(child, state)
            return None
        if isinstance(node, ast.Continue):
            return None
        if isinstance(node, ast.Break):
            if self.breaks:
                self.breaks[-1].append(state)
            return None
        if isinstance(node, ast.If):
            self.reads(node.test, state)
            return _merge(self.block(node.body, state), self.block(node.orelse, state))
        if isinstance(node, ast.While):
            return self._while(node, state)
        if isinstance(node, ast.For | ast.AsyncFor):
            self.reads(node.iter, state)
            self.breaks.append([])
            self.block(node.body, state | _stored(node.target))
            breaks = self.breaks.pop()
            return _merge(self.block(node.orelse, state), *breaks)
        if isinstance(node, ast.Try | ast.TryStar):
            return self._try(node, state)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for decorator in node.decorator_list:
                self.reads(decorator, state)
            return state | {node.name}
        if isinstance(node, ast.Import | ast.ImportFrom):
            return state | {(a.asname or a.name).split(".")[0] for a in node.names}
        if isinstance(node, ast.Delete):
            return state - _stored(node) - {n.id for n in walk_scope(node) if isinstance(n, ast.Name)}
        if isinstance(node, ast.AnnAssign) and node.value is None:
            return state  # an annotation alone assigns nothing
        target = node.target if isinstance(node, ast.AugAssign) else None
        if isinstance(target, ast.Name) and target.id in self.candidates and target.id not in state:
            # `x += ...` reads x first; the lowering reads it through a Name it copies the mark to.
            setattr(target, MARK, True)
        # Assignments and expression statements: the right side (and a target's own reads) first.
        self.reads(node, state)
        return state | _stored(node)

    def _while(self, node: ast.While, state: frozenset[str]) -> State:
        self.reads(node.test, state)
        self.breaks.append([])
        self.block(node.body, state)
        breaks = self.breaks.pop()
        if isinstance(node.test, ast.Constant) and node.test.value:
            return _merge(*breaks)  # `while True`: left only by a break
        return _merge(self.block(node.orelse, state), *breaks)

    def _try(self, node: ast.Try | ast.TryStar, state: frozenset[str]) -> State:
        # A handler (and a finally block) may start after any statement of the body: only what
        # was assigned before the try is certain there.
        ends = [self.block(node.orelse, self.block(node.body, state))]
        for handler in node.handlers:
            self.reads(handler.type, state)
            start = state | {handler.name} if handler.name else state
            end = self.block(handler.body, start)
            ends.append(end - {handler.name} if end is not None and handler.name else end)
        after = _merge(*ends)
        if not node.finalbody:
            return after
        self.block(node.finalbody, state)  # the reads, on the path of an exception
        return self.block(node.finalbody, after) if after is not None else None
