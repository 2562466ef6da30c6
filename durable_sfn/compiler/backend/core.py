"""The lowering core shared by every IR statement: ids, comments, scopes, frames, Catch lists.

`tasks` adds the statements that become one state each, and `control_flow` the rest on top.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from durable_sfn.compiler import ir
from durable_sfn.compiler.backend.loops import mentions
from durable_sfn.compiler.backend.states import (
    Assigns,
    Catcher,
    Graph,
    State,
)
from durable_sfn.compiler.ir import Expr, Ty, Var
from durable_sfn.compiler.ir_queries import catches_python_errors, is_fallible

STATUS_VAR = "customStatus"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
# The Python error an expression failure stands for: the expression rules fail with
# `$error("<PythonError>: <message>")`, which Step Functions reports as a
# States.QueryEvaluationError whose Cause ends with that text (any other failure keeps its name).
# "Plain": a Python error raised by the orchestrator's own code has no error/cause/message.
PYTHON_ERROR = Expr.raw(
    "($__failure := $states.errorOutput; $__cause := $__failure.Cause; "
    '$__found := $type($__cause) = "string" ? $match($__cause, '
    r"/threw an error during evaluation\. (?:[A-Z][0-9]{4}: )?([A-Za-z_][A-Za-z0-9_]*(?:Error|Exception)): ([\s\S]*)$/)"
    '; $exists($__found) ? {"Error": $__found.groups[0], "Cause": $__found.groups[1], "Plain": true}'
    ' : $merge([$__failure, {"Plain": true}]))',
    Ty.DICT,
)


# The name of the only state of the Map over no items that evaluates an Assign under a Catch.
EVALUATION_ITEM = "No items"


def fallible_assigns(assigns: Assigns) -> bool:
    """Whether one of the values may fail (a loop counter's `$i + 1` cannot)."""
    return any(is_fallible(v) and v.parts != (Var(k), " + 1") for k, v in assigns)


def _fallible_assign(state: State) -> bool:
    return fallible_assigns(tuple((k, v) for k, v in state.assign if k not in state.synthetic))


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
    # Inside a try ... finally: where a `return` goes (the finally block, then on out) and the
    # variable that keeps the returned value meanwhile; the same for `ctx.continue_as_new`.
    return_to: tuple[str, str] | None = None
    continue_as_new_to: tuple[str, str] | None = None


@dataclass
class LoweringCore:
    file: str
    whole: ir.Block = ()  # the orchestrator body, to see what a loop body shares with the rest
    # How often each variable is mentioned in `whole` (computed once, read for every loop).
    whole_mentions: Counter[str] = field(init=False)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Per-iteration parts of the entity operation SCOPE (Map indexes, loop counters), outermost first.
    entity_scope: list[Expr] = field(default_factory=list)
    # The frame of the statement being lowered: `add` guards what its states evaluate with it.
    frame: Frame | None = None
    loc: ir.Loc = field(default_factory=lambda: ir.Loc(0, 0, ""))  # of the statement being lowered
    guards: dict[tuple[HandlerTarget, ...], int] = field(default_factory=dict)
    # The Catch that turns an expression's failure inside a try into the Python error it stands
    # for, per scope and handlers (`expression_catcher`).
    expression_catchers: dict[tuple[int, tuple[HandlerTarget, ...]], Catcher] = field(default_factory=dict)

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
        saved, self.frame = self.frame, Frame()
        try:
            return self._scope_graph(body, params, loc)
        finally:
            self.frame = saved

    def _scope_graph(self, body: ir.Block, params: tuple[tuple[str, Expr], ...], loc: ir.Loc | None) -> Graph:
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
        """Add `state` to `graph`. Inside a try, an expression that may fail must fail where the
        try's Catch takes it, as it does in Python: a state that can carry a Catch gets the one
        that turns an expression failure into its Python error first, and a Pass assigning such
        an expression becomes an evaluation state that can (`evaluation`)."""
        frame = self.frame
        if frame is not None:
            state = replace(state, guard=self.guard(frame))
            if state.guard and state.type in ("Task", "Map", "Parallel"):
                catcher = self.expression_catcher(graph, frame)
                if catcher not in state.catch:
                    state = replace(state, catch=(catcher, *state.catch))
            elif state.guard and state.type == "Pass" and _fallible_assign(state):
                state = self.evaluation(graph, state, frame)
        graph.states[state.id] = state
        return state.id

    def guard(self, frame: Frame) -> int:
        """The handlers an expression's failure goes to here (0 when it goes to none of them: no
        handler can catch what an expression raises, and the execution fails)."""
        if not any(catches_python_errors(h.errors) for h in frame.handlers):
            return 0
        return self.guards.setdefault(frame.handlers, len(self.guards) + 1)

    def guarded(self, frame: Frame, *exprs: Expr | None) -> bool:
        """Whether one of `exprs` may fail where a try's handlers would catch it."""
        return bool(self.guard(frame)) and any(e is not None and is_fallible(e) for e in exprs)

    def evaluation(self, graph: Graph, state: State, frame: Frame) -> State:
        """`state` (a Pass) as a state that evaluates its Assign under the try's Catch: a Map over
        no items, whose Assign runs when it completes (one transition, like the Pass)."""
        processor = Graph(start="")
        processor.start = self.add(
            processor, State(self.new_id(), "Succeed", EVALUATION_ITEM, "evaluates the Assign of its Map")
        )
        catch = (self.expression_catcher(graph, frame), *self.catchers(frame), *state.catch)
        return replace(state, type="Map", items=Expr.literal([]), processor=processor, catch=catch)

    def evaluate_first(
        self, g: Graph, frame: Frame, value: Expr, nxt_of: Callable[[Expr], str], loc: ir.Loc
    ) -> str:
        """Evaluate `value` (which may fail inside a try) into a variable under the try's Catch,
        then continue with the state `nxt_of(variable)` that reads it instead."""
        state_id = self.new_id()
        var = f"__value_{state_id}"
        nxt = nxt_of(Expr.var(var, value.ty))
        return self.add(
            g, State(state_id, "Pass", "Evaluate", self.comment(loc), next=nxt, assign=((var, value),))
        )

    def expression_catcher(self, graph: Graph, frame: Frame) -> Catcher:
        key = (id(graph), frame.handlers)
        catcher = self.expression_catchers.get(key)
        if catcher is None:
            var = f"__expression_error_{len(self.expression_catchers) + 1}"
            saved, self.frame = self.frame, frame
            try:
                dispatch = self.raise_dynamic(graph, Expr.var(var, Ty.DICT), frame)
            finally:
                self.frame = saved
            catcher = Catcher((QUERY_EVALUATION_ERROR,), dispatch, ((var, PYTHON_ERROR),))
            self.expression_catchers[key] = catcher
        return catcher

    def raise_dynamic(self, graph: Graph, error: Expr, frame: Frame) -> str:
        """The entry of raising the error `error` (`{"Error", "Cause"}`) where `frame` is."""
        raise NotImplementedError

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
        saved, self.frame = self.frame, frame
        saved_loc, self.loc = self.loc, getattr(s, "loc", self.loc)
        try:
            entry: str = method(g, s, nxt, frame)
        finally:
            self.frame, self.loc = saved, saved_loc
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
