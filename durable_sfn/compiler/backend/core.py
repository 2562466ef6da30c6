"""The lowering core shared by every IR statement: ids, comments, scopes, frames, Catch lists.

`tasks` adds the statements that become one state each, and `control_flow` the rest on top.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from durable_sfn.compiler import ir
from durable_sfn.compiler.backend.loops import mentions
from durable_sfn.compiler.backend.states import (
    Assigns,
    Catcher,
    Graph,
    State,
)
from durable_sfn.compiler.ir import Expr, Ty

STATUS_VAR = "customStatus"


@dataclass(frozen=True)
class HandlerTarget:
    errors: tuple[str, ...]
    entry: str
    var: str | None


@dataclass
class Frame:
    """The lowering context of one scope position: where break/continue/raise go."""

    break_to: str | None = None
    continue_to: str | None = None
    handlers: tuple[HandlerTarget, ...] = ()  # innermost try's handlers first, then outer ones


@dataclass
class LoweringCore:
    file: str
    whole: ir.Block = ()  # the orchestrator body, to see what a loop body shares with the rest
    # How often each variable is mentioned in `whole` (computed once, read for every loop).
    whole_mentions: Counter[str] = field(init=False)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Per-iteration parts of the entity operation SCOPE (Map indexes, loop counters), outermost first.
    entity_scope: list[Expr] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.whole_mentions = mentions(self.whole)

    def new_id(self) -> str:
        return f"s{next(self.ids)}"

    def comment(self, loc: ir.Loc) -> str:
        return f"{self.file}:{loc.line}: {loc.source}" if loc.source else f"{self.file}:{loc.line}"

    # -- scopes -----------------------------------------------------------------------------------
    def scope(
        self, body: ir.Block, params: tuple[tuple[str, Expr], ...] = (), loc: ir.Loc | None = None
    ) -> Graph:
        graph = Graph(start="")
        end = self.add(
            graph,
            State(
                self.new_id(),
                "Succeed",
                "Return None",
                "end of function: returns None",
                output=Expr.literal(None),
            ),
        )
        entry = self.block(graph, body, end, Frame())
        if params:
            entry = self.add(
                graph,
                State(
                    self.new_id(),
                    "Pass",
                    "Bind " + ", ".join(p for p, _ in params),
                    self.comment(loc) if loc else "",
                    next=entry,
                    assign=params,
                ),
            )
        graph.start = entry
        return graph

    def add(self, graph: Graph, state: State) -> str:
        graph.states[state.id] = state
        return state.id

    def block(self, graph: Graph, block: ir.Block, nxt: str, frame: Frame) -> str:
        entry = nxt
        for stmt in reversed(block):
            entry = self.stmt(graph, stmt, entry, frame)
        return entry

    def catchers(self, frame: Frame) -> tuple[Catcher, ...]:
        out: list[Catcher] = []
        for h in frame.handlers:
            assign: Assigns = ((h.var, Expr.raw("$states.errorOutput", Ty.DICT)),) if h.var else ()
            out.append(Catcher(h.errors, h.entry, assign))
            if "States.ALL" in h.errors:
                break
        return tuple(out)

    # -- statements -----------------------------------------------------------------------------
    def stmt(self, g: Graph, s: ir.Stmt, nxt: str, frame: Frame) -> str:
        method = getattr(self, "lower_" + type(s).__name__)
        entry: str = method(g, s, nxt, frame)
        return entry

    @contextlib.contextmanager
    def iteration(self, part: Expr | None) -> Iterator[None]:
        """Within a loop or Map iteration whose entity operations need `part` in their SCOPE."""
        if part is not None:
            self.entity_scope.append(part)
        try:
            yield
        finally:
            if part is not None:
                self.entity_scope.pop()
