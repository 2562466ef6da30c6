"""Passes over the state graph: drop what is dead, fold assignments into neighbours, fold returns
into the state before them (`naming` then gives states readable unique names).

Folding is what makes compiled code cost no more transitions than hand-written ASL: `x = ...` and
`ctx.set_custom_status(...)` are Pass states after lowering, and most of them disappear into the
Assign of the state before (evaluated when that state completes, exactly when Python would run the
statement) or, for plain variables, of the state after.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from durable_sfn.compiler.backend.core import (
    EVALUATION_ITEM,
    QUERY_EVALUATION_ERROR,
    STATUS_VAR,
    fallible_assigns,
)
from durable_sfn.compiler.backend.logs import is_log_var, merge_assigns
from durable_sfn.compiler.backend.states import Assigns, Catcher, Graph, Retrier, Rule, State
from durable_sfn.compiler.expressions.text import negate
from durable_sfn.compiler.ir import Expr, Ty, Var
from durable_sfn.compiler.ir_queries import is_fallible

Edge = tuple[str, str, int]  # (predecessor id, "next" | "rule" | "default" | "catch", index)
DURATION_TYPES = ("Task", "Wait", "Map", "Parallel")
CATCHING = ("Task", "Map", "Parallel")


def all_graphs(graph: Graph) -> Iterator[Graph]:
    yield graph
    for s in graph.states.values():
        if s.processor is not None:
            yield from all_graphs(s.processor)
        for b in s.branches:
            yield from all_graphs(b)


def predecessors(graph: Graph) -> dict[str, list[Edge]]:
    preds: dict[str, list[Edge]] = {sid: [] for sid in graph.states}
    preds.setdefault(graph.start, []).append(("", "start", 0))
    for s in graph.states.values():
        if s.next:
            preds[s.next].append((s.id, "next", 0))
        for i, r in enumerate(s.rules):
            preds[r.next].append((s.id, "rule", i))
        if s.default:
            preds[s.default].append((s.id, "default", 0))
        for i, c in enumerate(s.catch):
            preds[c.next].append((s.id, "catch", i))
    return preds


def _out_edges(s: State) -> Iterator[tuple[str, Edge]]:
    """(target, edge) for every transition out of `s`, in the order `predecessors` lists them."""
    if s.next:
        yield s.next, (s.id, "next", 0)
    for i, r in enumerate(s.rules):
        yield r.next, (s.id, "rule", i)
    if s.default:
        yield s.default, (s.id, "default", 0)
    for i, c in enumerate(s.catch):
        yield c.next, (s.id, "catch", i)


class Preds:
    """The predecessor edges of every state of one graph, kept up to date while a pass replaces,
    deletes and rewires states: recomputing them for each candidate state made the passes
    quadratic in the size of the orchestrator."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.edges = predecessors(graph)

    def of(self, sid: str) -> list[Edge]:
        return self.edges.get(sid, [])

    def put(self, state: State) -> None:
        """Add `state`, or replace the state of the same id (keeping its place in the graph)."""
        old = self.graph.states.get(state.id)
        if old is not None:
            self._unlink(old)
        self.graph.states[state.id] = state
        for target, edge in _out_edges(state):
            self.edges.setdefault(target, []).append(edge)

    def delete(self, sid: str) -> None:
        self._unlink(self.graph.states.pop(sid))

    def _unlink(self, old: State) -> None:
        for target, edge in _out_edges(old):
            self.edges[target].remove(edge)

    def redirect(self, old: str, new: str) -> None:
        """Every transition (and StartAt) into `old` goes to `new` instead."""
        if self.graph.start == old:
            self.graph.start = new
            self.edges[old].remove(("", "start", 0))
            self.edges.setdefault(new, []).append(("", "start", 0))
        for pid in dict.fromkeys(pid for pid, kind, _ in list(self.of(old)) if kind != "start"):
            p = self.graph.states[pid]
            self.put(
                replace(
                    p,
                    next=new if p.next == old else p.next,
                    default=new if p.default == old else p.default,
                    rules=tuple(
                        Rule(r.condition, new if r.next == old else r.next, r.assign) for r in p.rules
                    ),
                    catch=tuple(
                        Catcher(c.errors, new if c.next == old else c.next, c.assign) for c in p.catch
                    ),
                )
            )


def prune(graph: Graph) -> None:
    """Remove states unreachable from StartAt (e.g. the implicit `return None` after a return)."""
    seen: set[str] = set()
    stack = [graph.start]
    while stack:
        sid = stack.pop()
        if sid in seen:
            continue
        seen.add(sid)
        stack.extend(graph.states[sid].successors())
    graph.states = {k: v for k, v in graph.states.items() if k in seen}


def _merge(first: Assigns, second: Assigns) -> Assigns:
    """`first` then `second` as one simultaneous Assign: `second` reads what `first` assigned."""
    values = dict(first)
    return merge_assigns(first, tuple((key, expr.substitute(values)) for key, expr in second))


def _is_assign_pass(s: State) -> bool:
    """A state that only assigns: a Pass, or the Map over no items that evaluates an Assign
    which may fail inside a try (`backend.core.evaluation`)."""
    return (s.type == "Pass" or is_evaluation(s)) and s.output is None and not s.end and s.next is not None


def is_evaluation(s: State) -> bool:
    """The Map over no items that `backend.core.evaluation` makes, not a fan-out of the user's over
    an empty literal list (whose ItemProcessor does the work and whose result is read)."""
    if not (s.type == "Map" and s.items is not None and s.items.is_const and s.items.const == []):
        return False
    states = list(s.processor.states.values()) if s.processor is not None else []
    return len(states) == 1 and states[0].type == "Succeed" and states[0].name == EVALUATION_ITEM


def _time_dependent(s: State) -> bool:
    return any(e.time_dependent for _, e in s.assign)


def _join_comments(a: str, b: str) -> str:
    return a + "\n" + b if a and b else a or b


def _catches(s: State) -> bool:
    return s.type in CATCHING


def _guard_at(pred: State, kind: str) -> int:
    """The handlers a failure of an Assign on this edge of `pred` goes to: the state's own Catch
    for its Assign, none for a Choice rule's or a catcher's Assign (the execution fails)."""
    return pred.guard if kind == "next" and _catches(pred) else 0


def _records(assigns: Assigns) -> bool:
    """Whether an Assign sets the custom status or writes a log record: values that stay visible
    after the execution fails, so they must not share an Assign with a later failing value (an
    Assign whose expression fails assigns nothing, where Python has already set them)."""
    return any(k == STATUS_VAR or is_log_var(k) for k, _ in assigns)


def _fallible_values(assigns: Assigns) -> bool:
    """Whether an Assign may fail, leaving log records aside (a log message never fails)."""
    return fallible_assigns(tuple((k, v) for k, v in assigns if not is_log_var(k)))


def _drops_failure(first: Assigns, second: Assigns) -> bool:
    """Whether `second`, merged after `first` into one Assign, would drop a value of `first` that
    may fail: a variable assigned again while nothing in `second` reads the first value. Python
    evaluates the first assignment, so its failure must stay (`xs.append(xs[9]); xs = []`)."""
    later = dict(second)
    read: set[str] = set()
    for value in later.values():
        read |= _unconditional_reads(value)  # read under a condition, the value may never be
    return any(
        k in later and k not in read and not is_log_var(k) and fallible_assigns(((k, v),)) for k, v in first
    )


def _reorders_failures(first: Assigns, second: Assigns) -> bool:
    """Whether merging would evaluate a value of `second` that may fail before a value of `first`
    that may fail: an Assign evaluates its entries in order, and a variable assigned again keeps
    its first place (`x = d["a"]; y = xs[9]; x = int(s)`: Python fails on xs[9] first)."""
    keys = [k for k, _ in first]
    for position, (key, value) in enumerate(second):
        if key in keys and fallible_assigns(((key, value),)):
            # Moved to its first place: ahead of first's later values and second's earlier ones.
            overtaken = [*first[keys.index(key) + 1 :], *second[:position]]
            if any(fallible_assigns(((k, v),)) for k, v in overtaken):
                return True
    return False


def _edge_assign(pred: State, kind: str, index: int) -> Assigns:
    if kind == "next":
        return pred.assign
    if kind == "rule":
        return pred.rules[index].assign
    if kind == "catch":
        return pred.catch[index].assign
    return ()


def _fold_into(pred: State, kind: str, index: int, state: State) -> State | None:
    """`pred` with the assignment-only Pass `state` folded into the edge (kind, index) that leads
    to it, or None when that edge cannot carry an Assign. An assignment that may fail moves only
    where its failure reaches the same handlers (`State.guard`)."""
    assert state.next is not None
    if fallible_assigns(state.assign) and _guard_at(pred, kind) != state.guard:
        return None
    if _fallible_values(state.assign) and _records(_edge_assign(pred, kind, index)):
        return None  # a failure would take the status or log record set before it with it
    if _drops_failure(_edge_assign(pred, kind, index), state.assign):
        return None
    if _reorders_failures(_edge_assign(pred, kind, index), state.assign):
        return None
    if _fallible_values(state.assign) and _guard_at(pred, kind) and pred.assign:
        # Caught, the failure would undo what `pred` assigns (an activity's result, say), which
        # Python had assigned before the failing statement ran, and the handler may read it.
        return None
    if kind == "next" and pred.type in ("Task", "Pass", "Wait", "Map", "Parallel"):
        if _time_dependent(state) and pred.type in DURATION_TYPES:
            return None
        return replace(
            pred,
            assign=_merge(pred.assign, state.assign),
            next=state.next,
            comment=_join_comments(pred.comment, state.comment),
            synthetic=pred.synthetic | state.synthetic,
        )
    if kind == "rule":
        rules = list(pred.rules)
        rule = rules[index]
        rules[index] = Rule(rule.condition, state.next, _merge(rule.assign, state.assign))
        return replace(pred, rules=tuple(rules), synthetic=pred.synthetic | state.synthetic)
    if kind == "default":
        # Only rules can assign. With one rule, swap the branches by negating its condition;
        # otherwise the default becomes a last rule that always matches.
        if len(pred.rules) == 1 and not pred.rules[0].assign:
            rule = pred.rules[0]
            swapped = (Rule(negate(rule.condition), state.next, state.assign),)
            return replace(pred, rules=swapped, default=rule.next, synthetic=pred.synthetic | state.synthetic)
        always = Rule(Expr.raw("true", Ty.BOOL), state.next, state.assign)
        return replace(
            pred, rules=(*pred.rules, always), default=None, synthetic=pred.synthetic | state.synthetic
        )
    if kind == "catch" and not _time_dependent(state):
        catchers = list(pred.catch)
        c = catchers[index]
        catchers[index] = Catcher(c.errors, state.next, _merge(c.assign, state.assign))
        return replace(pred, catch=tuple(catchers), synthetic=pred.synthetic | state.synthetic)
    return None


def fold_backward(graph: Graph) -> bool:
    """Fold an assignment-only Pass into the Assign of every predecessor (Task, Pass, Wait, Map,
    Parallel on their Next; a Choice rule or default; a Catch), when all of them can take it:
    the Pass's work then happens on each way in, and the transition disappears."""
    changed = False
    preds = Preds(graph)
    for sid in list(graph.states):
        state = graph.states.get(sid)
        if state is None or not _is_assign_pass(state):
            continue
        edges = list(preds.of(sid))
        if not edges or any(kind == "start" or pid == sid for pid, kind, _ in edges):
            continue
        if len({pid for pid, _, _ in edges}) != len(edges):
            continue  # two edges from one state (e.g. a rule and the default): keep it simple
        folded = {pid: _fold_into(graph.states[pid], kind, index, state) for pid, kind, index in edges}
        if any(new is None for new in folded.values()):
            continue
        for new in folded.values():
            assert new is not None
            preds.put(new)
        preds.delete(sid)
        changed = True
    return changed


def merge_choices(graph: Graph) -> bool:
    """A Choice whose Default leads to another Choice reached no other way: one Choice with the
    rules of both (conditions are pure and nothing is assigned between them)."""
    changed = False
    preds = Preds(graph)
    for sid in list(graph.states):
        first = graph.states.get(sid)
        if first is None or first.type != "Choice" or not first.default:
            continue
        second = graph.states.get(first.default)
        if second is None or second.type != "Choice" or second.id == sid:
            continue
        if len(preds.of(second.id)) != 1:
            continue
        merged = replace(
            first,
            rules=first.rules + second.rules,
            default=second.default,
            comment=_join_comments(first.comment, second.comment),
        )
        preds.delete(second.id)
        preds.put(merged)
        changed = True
    return changed


def _substitute_state(s: State, values: dict[str, Expr]) -> State:
    def sub(e: Expr | None) -> Expr | None:
        return e.substitute(values) if e is not None else None

    return replace(
        s,
        arguments={k: v.substitute(values) for k, v in s.arguments.items()} if s.arguments else s.arguments,
        timeout_seconds=sub(s.timeout_seconds),
        seconds=sub(s.seconds),
        timestamp=sub(s.timestamp),
        output=sub(s.output),
        rules=tuple(
            Rule(
                r.condition.substitute(values), r.next, tuple((k, v.substitute(values)) for k, v in r.assign)
            )
            for r in s.rules
        ),
        assign=tuple((k, v.substitute(values)) for k, v in s.assign),
        catch=tuple(
            Catcher(c.errors, c.next, tuple((k, v.substitute(values)) for k, v in c.assign)) for c in s.catch
        ),
    )


def fold_forward(graph: Graph) -> bool:
    """Fold an assignment-only Pass into the state after it when that state has no other way in:
    the values are substituted where that state reads them and assigned with its own Assign."""
    changed = False
    preds = Preds(graph)
    for sid in list(graph.states):
        state = graph.states.get(sid)
        if state is None or not _is_assign_pass(state):
            continue
        assert state.next is not None
        succ = graph.states.get(state.next)
        if succ is None or succ.id == sid or len(preds.of(succ.id)) != 1:
            continue
        if succ.type not in ("Task", "Wait", "Pass", "Choice") and not is_evaluation(succ):
            continue
        if fallible_assigns(state.assign) and (state.guard or succ.catch):
            continue  # a failure would be caught elsewhere, or the catchers would fail again
        if succ.type in DURATION_TYPES and not _failures_come_first(state.assign, succ):
            continue  # a Task's Assign runs after its work: a failure must come before it
        keys = {k for k, _ in state.assign}
        if (STATUS_VAR in keys or any(map(is_log_var, keys))) and succ.type not in ("Pass", "Choice"):
            # The status must be visible while the task runs, and a log record written before
            # it (and even if it fails), not after it.
            continue
        if _records(state.assign) and _may_fail_evaluating(succ):
            continue  # set before a condition or value that may fail, as Python sets them
        if any(_drops_failure(state.assign, a) for a in (succ.assign, *(r.assign for r in succ.rules))):
            continue
        if any(_reorders_failures(state.assign, a) for a in (succ.assign, *(r.assign for r in succ.rules))):
            continue
        if _fallible_values(state.assign) and any(is_fallible(r.condition) for r in succ.rules):
            continue  # the Choice's conditions run before its rules' Assign: a failure would come first
        if any(_drops_failure(state.assign, c.assign) for c in succ.catch):
            continue
        values = dict(state.assign)
        new = _substitute_state(succ, values)
        if succ.type == "Choice":
            # Every way out of the Choice assigns the values (the default through a last rule).
            rules = [Rule(r.condition, r.next, merge_assigns(state.assign, r.assign)) for r in new.rules]
            if new.default:
                rules.append(Rule(Expr.raw("true", Ty.BOOL), new.default, state.assign))
            preds.put(
                replace(
                    new,
                    rules=tuple(rules),
                    default=None,
                    comment=_join_comments(state.comment, succ.comment),
                    synthetic=succ.synthetic | state.synthetic,
                )
            )
            _remove_pass(preds, sid, succ.id)
            changed = True
            continue
        # A caught error skips the state's own Assign: its catchers must assign the values too.
        catch = tuple(Catcher(c.errors, c.next, merge_assigns(state.assign, c.assign)) for c in new.catch)
        new = replace(
            new,
            catch=catch,
            assign=merge_assigns(state.assign, new.assign),
            comment=_join_comments(state.comment, succ.comment),
            synthetic=succ.synthetic | state.synthetic,
            name=succ.name if succ.type != "Pass" else state.name,
        )
        preds.put(new)
        _remove_pass(preds, sid, succ.id)
        changed = True
    return changed


def _failures_come_first(assigns: Assigns, succ: State) -> bool:
    """Whether every value of `assigns` that may fail is read, unconditionally, by a field that
    `succ` evaluates before its work (a Task's Arguments, a Wait's time): folded forward, the value
    is substituted there, so it fails before the work starts, as Python fails before the call."""
    fields = [*(succ.arguments or {}).values(), succ.timeout_seconds, succ.seconds, succ.timestamp]
    failing = [k for k, v in assigns if not is_log_var(k) and fallible_assigns(((k, v),))]
    read: set[str] = set()
    for e in fields:
        if e is not None:
            read |= _unconditional_reads(e)
    return all(k in read for k in failing)


def _unconditional_reads(e: Expr) -> set[str]:
    """The variables `e` always reads: none inside a conditional, a short-circuit or a function
    (a display, e.g. a payload dict, evaluates each of its items)."""
    names: set[str] = set()
    if e.template is not None:
        for child in e.children():
            names |= _unconditional_reads(child)
        return names
    # JSONata evaluates left to right; a variable is read unconditionally unless a conditional,
    # and/or or function begun at its nesting depth (or above it) is still open where it appears.
    depth = 0
    open_at: int | None = None  # the depth of the outermost branch still open
    quote = ""
    for part in e.parts:
        if isinstance(part, Var):
            if open_at is None:
                names.add(part.name)
            continue
        i = 0
        while i < len(part):
            ch = part[i]
            if quote:
                if ch == "\\":
                    i += 1
                elif ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if open_at is not None and depth < open_at:
                    open_at = None
            elif ch == "?" or part.startswith((" and ", " or ", "function"), i):
                open_at = depth if open_at is None else min(open_at, depth)
            i += 1
    return names


def _may_fail_evaluating(s: State) -> bool:
    """Whether evaluating a Pass's Assign or a Choice's conditions and Assigns may fail."""
    if _fallible_values(s.assign):
        return True
    return any(is_fallible(r.condition) or _fallible_values(r.assign) for r in s.rules)


def _remove_pass(preds: Preds, sid: str, successor: str) -> None:
    """Delete the Pass `sid` and send everything that led to it to `successor`."""
    preds.delete(sid)
    preds.redirect(sid, successor)
    preds.edges.pop(sid, None)


def fold_returns(graph: Graph) -> bool:
    """`x = await task; return f(x)`: the task ends the execution with Output f(result)."""
    changed = False
    preds = Preds(graph)
    for sid in list(graph.states):
        state = graph.states.get(sid)
        if state is None or state.type != "Succeed" or len(preds.of(sid)) != 1:
            continue
        pid, kind, _ = preds.of(sid)[0]
        if kind != "next" or pid not in graph.states:
            continue
        pred = graph.states[pid]
        if pred.type not in ("Task", "Pass", "Map", "Parallel", "Wait") or pred.output is not None:
            continue
        if state.output is not None and is_fallible(state.output) and _guard_at(pred, "next") != state.guard:
            continue  # the return value's failure would reach other handlers
        # (What substituting the predecessor's Assign adds fails exactly when that Assign does.)
        output = (state.output or Expr.literal(None)).substitute(dict(pred.assign))
        if output.time_dependent and pred.type in DURATION_TYPES:
            continue  # `ctx.current_utc_datetime` after a wait is not the time the wait began
        preds.put(
            replace(
                pred, next=None, end=True, output=output, comment=_join_comments(pred.comment, state.comment)
            )
        )
        preds.delete(sid)
        changed = True
    return changed


def drop_dead_variables(root: Graph) -> None:
    """Remove Assign entries for variables nothing reads (the custom status and the log records
    are read by clients)."""
    read: set[str] = set()
    for g in all_graphs(root):
        for s in g.states.values():
            for e in s.expressions():
                read |= e.reads()
    read.add(STATUS_VAR)

    def keep(assigns: Assigns) -> Assigns:
        # An assignment that may fail stays even when nothing reads it: Python raises there.
        return tuple((k, v) for k, v in assigns if k in read or is_log_var(k) or fallible_assigns(((k, v),)))

    for g in all_graphs(root):
        for sid, s in list(g.states.items()):
            g.states[sid] = replace(
                s,
                assign=keep(s.assign),
                rules=tuple(Rule(r.condition, r.next, keep(r.assign)) for r in s.rules),
                catch=tuple(Catcher(c.errors, c.next, keep(c.assign)) for c in s.catch),
            )
        # A Pass left with nothing to do is skipped entirely.
        preds = Preds(g)
        for sid in list(g.states):
            s = g.states[sid]
            if s.type == "Pass" and not s.assign and s.output is None and s.next and s.next != sid:
                _remove_pass(preds, sid, s.next)


def drop_unused_expression_catchers(root: Graph) -> None:
    """Remove the catcher of expression failures (`backend.core.expression_catcher`) from states
    that evaluate nothing that may fail, then the dispatch states nothing leads to any more."""
    for g in all_graphs(root):
        for sid, s in list(g.states.items()):
            if s.catch and s.catch[0].errors == (QUERY_EVALUATION_ERROR,) and not _may_fail(s):
                g.states[sid] = replace(s, catch=s.catch[1:])
    for g in all_graphs(root):
        prune(g)


def no_retry_of_expression_failures(root: Graph) -> None:
    """A Task retried on any error (`call_activity_with_retry`) is not retried when its own
    expressions fail: Python raises before the call, once."""
    for g in all_graphs(root):
        for sid, s in list(g.states.items()):
            if s.type == "Task" and any("States.ALL" in r.errors for r in s.retry) and _may_fail(s):
                once = Retrier((QUERY_EVALUATION_ERROR,), 1, 0, 1.0)
                g.states[sid] = replace(s, retry=(once, *s.retry))


def _may_fail(s: State) -> bool:
    """Whether evaluating the state's own fields, or anything in its branches, may fail."""
    own = [*s.assign, *((k, v) for k, v in (s.arguments or {}).items())]
    if fallible_assigns(tuple(own)):
        return True
    fields = (s.output, s.items, s.item_selector, s.timeout_seconds, s.seconds, s.timestamp)
    if any(e is not None and is_fallible(e) for e in fields):
        return True
    for child in [*([s.processor] if s.processor else []), *s.branches]:
        for g in all_graphs(child):
            for inner in g.states.values():
                if any(is_fallible(e) for e in inner.expressions()):
                    return True
    return False


def optimise(root: Graph) -> None:
    for g in all_graphs(root):
        prune(g)
    drop_dead_variables(root)
    for g in all_graphs(root):
        while merge_choices(g) | fold_backward(g) | fold_forward(g) | fold_returns(g):
            pass
        prune(g)
    drop_dead_variables(root)
    drop_unused_expression_catchers(root)
    no_retry_of_expression_failures(root)
