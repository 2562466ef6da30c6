"""The backend's entry (`lower`) and its control flow: if/elif, while, for, task_all Maps and
Parallels, return, continue-as-new, break/continue, raise and try, on top of `tasks.TaskLowering`.

Blocks are lowered back to front: each statement knows the id of the state that follows it, so
control flow (if, loops, break, return, raise) is plain wiring. Every plain assignment starts as
its own Pass state; `compiler.passes` then folds those into neighbouring states, so this module can
stay naive and obviously correct.

Error handling uses a Catch on every state inside a `try` that can fail (Task, Map, Parallel)
rather than wrapping the try body in a Parallel state: a Parallel branch cannot assign the
orchestrator's variables, and Python code after a try reads what the try body assigned. A `raise`
whose handler is known at compile time becomes a direct jump to that handler.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

from durable_sfn._aws import START_EXECUTION, START_EXECUTION_SYNC, placeholder
from durable_sfn.compiler import ir
from durable_sfn.compiler.backend.core import Frame, HandlerTarget
from durable_sfn.compiler.backend.entity_ops import ITEM_SELECTOR, calls_entities
from durable_sfn.compiler.backend.express_children import standard_reason
from durable_sfn.compiler.backend.http_calls import HttpLowering
from durable_sfn.compiler.backend.loops import runs_as_map
from durable_sfn.compiler.backend.states import (
    Assigns,
    Catcher,
    Graph,
    Retrier,
    Rule,
    State,
)
from durable_sfn.compiler.backend.tasks import TaskLowering, execution_input
from durable_sfn.compiler.ir import Expr, Ty
from durable_sfn.compiler.ir_queries import walk

__all__ = ["Lowering", "lower"]

# Errors that `States.ALL` does not match.
UNCATCHABLE = ("States.DataLimitExceeded", "States.Runtime")
# The error of a value the compiled run refuses where Python goes on (expressions' runtime limits).
RUNTIME_LIMIT = "UnsupportedValueError"
# A failed child's own Error and Cause, from the DescribeExecution record in the Cause of the
# States.TaskFailed its `startExecution.sync:2` Task reports (any other failure stays as it is).
# A child that failed on an expression error no try caught (States.QueryEvaluationError whose
# Cause ends with "<PythonError>: <message>", see backend.core.PYTHON_ERROR) raises that Python
# error in the parent, as the child's exception reaches the caller in Python.
CHILD_ERROR = Expr.raw(
    "($__failure := $states.errorOutput; $__record := $__failure.Cause; "
    '$__record := $type($__record) = "string" and $substring($__record, 0, 1) = "{" ? $parse($__record) : null; '
    '$type($__record) = "object" and $type($__record.Error) = "string" ? ('
    '$__cause := $type($__record.Cause) = "string" ? $__record.Cause : ""; '
    '$__found := $__record.Error = "States.QueryEvaluationError" ? $match($__cause, '
    r"/threw an error during evaluation\. (?:[A-Z][0-9]{4}: )?([A-Za-z_][A-Za-z0-9_]*(?:Error|Exception)): ([\s\S]*)$/)"
    " : []; "
    '$count($__found) > 0 ? {"Error": $__found.groups[0], "Cause": $__found.groups[1]} : '
    '{"Error": $__record.Error, "Cause": $__cause}) : $__failure)',
    Ty.DICT,
)


class Lowering(TaskLowering, HttpLowering):
    """IR -> states: control flow here, single-state statements in TaskLowering."""

    def lower_If(self, g: Graph, s: ir.If, nxt: str, frame: Frame) -> str:
        if self.guarded(frame, s.condition):
            # A condition that may fail inside a try is evaluated first, where the Catch is.
            return self.evaluate_first(
                g,
                frame,
                s.condition,
                lambda cond: self.lower_If(g, replace(s, condition=cond), nxt, frame),
                s.loc,
            )
        rules: list[Rule] = []
        current: ir.If = s
        while True:
            rules.append(Rule(current.condition, self.block(g, current.then, nxt, frame)))
            if (
                len(current.orelse) == 1
                and isinstance(current.orelse[0], ir.If)
                and not self.guarded(frame, current.orelse[0].condition)
            ):
                current = current.orelse[0]  # elif: one Choice with several rules
                continue
            default = self.block(g, current.orelse, nxt, frame)
            break
        return self.add(
            g,
            State(
                self.new_id(),
                "Choice",
                f"If {s.label}",
                self.comment(s.loc),
                rules=tuple(rules),
                default=default,
            ),
        )

    def lower_While(self, g: Graph, s: ir.While, nxt: str, frame: Frame) -> str:
        choice = self.new_id()
        # A condition that may fail inside a try is evaluated before each test, where the Catch is.
        evaluated = self.guarded(frame, s.condition)
        head = self.new_id() if evaluated else choice
        condition = Expr.var(f"__value_{head}", Ty.BOOL) if evaluated else s.condition
        if not calls_entities(s.body):
            inner = replace(frame, break_to=nxt, continue_to=head)
            body = self.block(g, s.body, head, inner)
        else:
            # Entity operation ids need the iteration number: count the loop's iterations.
            counter = f"while_{s.loc.line}_{s.loc.col}_iteration"
            count = Expr.var(counter, Ty.NUM)
            step = self.add(
                g,
                State(
                    self.new_id(),
                    "Pass",
                    f"Next while {s.label}",
                    self.comment(s.loc),
                    next=head,
                    assign=((counter, Expr((*count.parts, " + 1"), Ty.NUM)),),
                    synthetic=frozenset({counter}),
                ),
            )
            inner = replace(frame, break_to=nxt, continue_to=step)
            with self.iteration(count):
                body = self.block(g, s.body, step, inner)
        self.add(
            g,
            State(
                choice,
                "Choice",
                f"While {s.label}",
                self.comment(s.loc),
                rules=(Rule(condition, body),),
                default=nxt,
            ),
        )
        if evaluated:
            test = State(head, "Pass", "Evaluate", self.comment(s.loc), next=choice)
            self.add(g, replace(test, assign=((condition.parts[0].name, s.condition),)))  # type: ignore[union-attr]
        if not calls_entities(s.body):
            return head
        return self.add(
            g,
            State(
                self.new_id(),
                "Pass",
                f"Start while {s.label}",
                self.comment(s.loc),
                next=head,
                assign=((counter, Expr.literal(0)),),
                synthetic=frozenset({counter}),
            ),
        )

    def lower_ForEach(self, g: Graph, s: ir.ForEach, nxt: str, frame: Frame) -> str:
        if runs_as_map(s, self.whole_mentions):
            selected = calls_entities(s.body)
            item = Expr.raw("$states.input.item" if selected else "$states.input", inp=True)
            params: tuple[tuple[str, Expr], ...] = ((s.target, item),)
            if selected:
                params += ((s.index_var, Expr.raw("$states.input.index", Ty.NUM, inp=True)),)
            with self.iteration(Expr.var(s.index_var, Ty.NUM) if selected else None):
                processor = self.scope(s.body, params, s.loc)
            return self.add(
                g,
                State(
                    self.new_id(),
                    "Map",
                    f"For {s.label}",
                    self.comment(s.loc),
                    next=nxt,
                    items=s.items,
                    item_selector=ITEM_SELECTOR if selected else None,
                    processor=processor,
                    max_concurrency=1,
                    catch=self.catchers(frame),
                ),
            )
        head = self.new_id()
        idx, items = Expr.var(s.index_var, Ty.NUM), Expr.var(s.items_var, Ty.LIST)
        step = self.add(
            g,
            State(
                self.new_id(),
                "Pass",
                f"Next {s.target}",
                self.comment(s.loc),
                next=head,
                assign=((s.index_var, Expr((*idx.parts, " + 1"), Ty.NUM)),),
                synthetic=frozenset({s.index_var}),
            ),
        )
        inner = replace(frame, break_to=nxt, continue_to=step)
        with self.iteration(idx if calls_entities(s.body) else None):
            body = self.block(g, s.body, step, inner)
        cond = Expr((*idx.parts, " < $count(", *items.parts, ")"), Ty.BOOL)
        # `$zip` pairs each item with nothing, and the literal index reads it back: a computed index
        # straight into the items loses a null item on some JSONata implementations.
        item = Expr(("($zip(", *items.parts, ")[", *idx.parts, "])[0]"))
        g.states[head] = State(
            head,
            "Choice",
            f"For {s.label}",
            self.comment(s.loc),
            rules=(Rule(cond, body, ((s.target, item),)),),
            default=nxt,
        )
        start = State(
            self.new_id(),
            "Pass",
            f"Start for {s.label}",
            self.comment(s.loc),
            next=head,
            assign=((s.items_var, s.items), (s.index_var, Expr.literal(0))),
            synthetic=frozenset({s.items_var, s.index_var}),
        )
        if self.guarded(frame, s.items):
            start = self.evaluation(g, start, frame)
        return self.add(g, start)

    def lower_MapAll(self, g: Graph, s: ir.MapAll, nxt: str, frame: Frame) -> str:
        with self.iteration(Expr.var(s.scope_var, Ty.NUM) if s.scope_var else None):
            processor = self.scope(s.branch.body, s.branch.params, s.loc)
        assign: Assigns = ((s.target, Expr.raw("$states.result", Ty.LIST)),) if s.target else ()
        name = f"Map {s.branch.label} over {s.items_label}" if s.items_label else f"Map {s.branch.label}"
        comment = self.comment(s.loc)
        express = False
        if s.s3 is not None:
            reason = standard_reason(processor) if s.s3.express else "express=False"
            express = reason is None
            comment += (
                "\nchildren: Express executions" if express else f"\nchildren: Standard executions ({reason})"
            )
        return self.add(
            g,
            State(
                self.new_id(),
                "Map",
                name,
                comment,
                next=nxt,
                items=s.items,
                item_selector=ITEM_SELECTOR if s.scope_var else None,
                processor=processor,
                max_concurrency=s.max_concurrency,
                distributed=s.distributed,
                s3=s.s3,
                express=express,
                assign=assign,
                catch=self.catchers(frame),
            ),
        )

    def lower_ParallelAll(self, g: Graph, s: ir.ParallelAll, nxt: str, frame: Frame) -> str:
        branches = tuple(self.scope(b.body, b.params, s.loc) for b in s.branches)
        assign: Assigns = ((s.target, Expr.raw("$states.result", Ty.LIST)),) if s.target else ()
        return self.add(
            g,
            State(
                self.new_id(),
                "Parallel",
                "Parallel " + ", ".join(b.label for b in s.branches),
                self.comment(s.loc),
                next=nxt,
                branches=branches,
                assign=assign,
                catch=self.catchers(frame),
            ),
        )

    def lower_Return(self, g: Graph, s: ir.Return, nxt: str, frame: Frame) -> str:
        if self.guarded(frame, s.value):
            return self.evaluate_first(
                g,
                frame,
                s.value,
                lambda value: self.lower_Return(g, replace(s, value=value), nxt, frame),
                s.loc,
            )
        if frame.return_to is not None:
            entry, var = frame.return_to
            return self.add(
                g,
                State(
                    self.new_id(),
                    "Pass",
                    f"Return {s.label}" if s.label else "Return",
                    self.comment(s.loc),
                    next=entry,
                    assign=((var, s.value),),
                ),
            )
        return self.add(
            g,
            State(
                self.new_id(),
                "Succeed",
                f"Return {s.label}" if s.label else "Return",
                self.comment(s.loc),
                output=s.value,
            ),
        )

    def lower_ContinueAsNew(self, g: Graph, s: ir.ContinueAsNew, nxt: str, frame: Frame) -> str:
        if frame.continue_as_new_to is not None:
            entry, var = frame.continue_as_new_to
            return self.add(
                g,
                State(
                    self.new_id(),
                    "Pass",
                    "Continue as new",
                    self.comment(s.loc),
                    next=entry,
                    assign=((var, s.value),),
                ),
            )
        args = {
            "StateMachineArn": Expr.raw("$states.context.StateMachine.Id"),
            "Input": execution_input(s.value),
        }
        return self.add(
            g,
            State(
                self.new_id(),
                "Task",
                "Continue as new",
                self.comment(s.loc),
                end=True,
                resource=START_EXECUTION,
                arguments=args,
                output=Expr.literal(None),
                catch=self.catchers(frame),
            ),
        )

    def lower_Break(self, g: Graph, s: ir.Break, nxt: str, frame: Frame) -> str:
        assert frame.break_to is not None
        return frame.break_to

    def lower_Continue(self, g: Graph, s: ir.Continue, nxt: str, frame: Frame) -> str:
        assert frame.continue_to is not None
        return frame.continue_to

    def lower_CallSubOrchestrator(self, g: Graph, s: ir.CallSubOrchestrator, nxt: str, frame: Frame) -> str:
        """A child execution (`startExecution.sync:2`). Step Functions reports a failed child as
        States.TaskFailed on this Task, with the child's DescribeExecution record as the Cause; a
        Catch takes the child's own Error and Cause out of the record and raises them here, as
        Durable Functions (and the direct run) raise the child's exception in the parent."""
        task_id = self.new_id()
        failure = f"__child_error_{task_id}"
        error = Expr.var(failure, Ty.DICT)
        reraise = ir.Raise(
            Expr((*error.parts, ".Error"), Ty.STR), Expr((*error.parts, ".Cause"), Ty.STR), s.loc
        )
        dispatch = self.lower_Raise(g, reraise, nxt, frame, terminal=True)
        args = {
            "StateMachineArn": Expr.literal(placeholder(s.orchestrator)),
            "Input": execution_input(s.payload),
        }
        if s.instance_id is not None:
            args["Name"] = s.instance_id
        retry: tuple[Retrier, ...] = ()
        if s.retry is not None:
            p = s.retry  # each attempt is a new child execution; the last one's failure is raised
            retry = (
                Retrier(
                    ("States.ALL",), p.interval_seconds, p.max_attempts, p.backoff_rate, p.max_delay_seconds
                ),
            )
        return self.add(
            g,
            State(
                task_id,
                "Task",
                s.orchestrator,
                self.comment(s.loc),
                next=nxt,
                resource=START_EXECUTION_SYNC,
                arguments=args,
                retry=retry,
                assign=((s.target, Expr.raw("$states.result.Output")),) if s.target else (),
                catch=(
                    Catcher(("States.TaskFailed",), dispatch, ((failure, CHILD_ERROR),)),
                    *self.catchers(frame),
                ),
            ),
        )

    def lower_Raise(self, g: Graph, s: ir.Raise, nxt: str, frame: Frame, *, terminal: bool = False) -> str:
        """`raise`: a jump to the handler known at compile time, else a Fail (or, for an error
        known only at run time, a Choice on its name). `terminal`: the error may be one that no
        Catch can take (States.DataLimitExceeded, States.Runtime), e.g. a child's."""
        value = Expr(
            (
                '{"Error": ',
                *s.error.parts,
                ', "Cause": ',
                *s.cause.parts,
                ', "Plain": true}' if s.plain else "}",
            ),
            Ty.DICT,
            template={
                "Error": s.error,
                "Cause": s.cause,
                **({"Plain": Expr.literal(True)} if s.plain else {}),
            },
        )
        error_var = s.error.parts[0] if len(s.error.parts) == 2 and s.error.parts[1] == ".Error" else None
        if isinstance(error_var, ir.Var) and s.cause.parts == (error_var, ".Cause"):
            value = Expr.var(error_var.name, Ty.DICT)  # raising a caught error again: all of it
        label = s.error.const if s.error.is_const else "error"
        if s.error.is_const and self.guarded(frame, s.cause):
            # The message may fail inside a try: evaluate it first, where the Catch is.
            return self.evaluate_first(
                g,
                frame,
                s.cause,
                lambda cause: self.lower_Raise(g, replace(s, cause=cause), nxt, frame),
                s.loc,
            )
        fail = self.add(
            g,
            State(self.new_id(), "Fail", f"Raise {label}", self.comment(s.loc), error=s.error, cause=s.cause),
        )
        if s.error.is_const:
            for h in frame.handlers:
                if s.error.const in h.errors or "States.ALL" in h.errors:
                    return self.add(
                        g,
                        State(
                            self.new_id(),
                            "Pass",
                            f"Raise {label}",
                            self.comment(s.loc),
                            next=h.entry,
                            assign=((h.var, value),) if h.var else (),
                        ),
                    )
            return fail
        if not frame.handlers:
            return fail
        # A re-raise: the error name is only known at run time, so dispatch with a Choice.
        rules = []
        for h in frame.handlers:
            if "States.ALL" in h.errors:
                # A catch-all handler (`except Exception`) never takes a documented runtime limit:
                # Python raises nothing there, so the compiled run stops instead of running it.
                passing = [*UNCATCHABLE, RUNTIME_LIMIT] if terminal else [RUNTIME_LIMIT]
                cond = Expr(("$not((", *s.error.parts, f") in {json.dumps(passing)})"), Ty.BOOL)
            else:
                names = ", ".join(f'"{e}"' for e in h.errors)
                cond = Expr(("(", *s.error.parts, f") in [{names}]"), Ty.BOOL)
            rules.append(Rule(cond, h.entry, ((h.var, value),) if h.var else ()))
            if "States.ALL" in h.errors:
                break
        return self.add(
            g,
            State(self.new_id(), "Choice", "Reraise", self.comment(s.loc), rules=tuple(rules), default=fail),
        )

    def raise_dynamic(self, graph: Graph, error: Expr, frame: Frame) -> str:
        loc = self.loc  # the first statement of the try whose expression failure lands here
        reraise = ir.Raise(
            Expr((*error.parts, ".Error"), Ty.STR), Expr((*error.parts, ".Cause"), Ty.STR), loc
        )
        return self.lower_Raise(graph, reraise, "", frame)

    def lower_Try(self, g: Graph, s: ir.Try, nxt: str, frame: Frame) -> str:
        after = nxt
        rethrow: HandlerTarget | None = None
        if s.finalbody:
            after = self.block(g, s.finalbody, nxt, frame)
            # Anything escaping the try (or its handlers) runs the finally block, then re-raises.
            err = f"finally_error_{s.loc.line}"
            reraise = ir.Raise(Expr((ir.Var(err), ".Error")), Expr((ir.Var(err), ".Cause")), s.loc)
            reraise_entry = self.lower_Raise(g, reraise, nxt, frame)
            fin_exc = self.block(g, s.finalbody, reraise_entry, frame)
            rethrow = HandlerTarget(("States.ALL",), fin_exc, err)
        # `break` / `continue` leaving the try run the finally block first (a copy of it that
        # then goes where the loop statement goes).
        exits = frame
        if s.finalbody:
            jumps = {
                type(j)
                for part in (s.body, s.orelse, *(h.body for h in s.handlers))
                for j in loop_exits(part)
            }
            if ir.Break in jumps and frame.break_to is not None:
                exits = replace(exits, break_to=self.block(g, s.finalbody, frame.break_to, frame))
            if ir.Continue in jumps and frame.continue_to is not None:
                exits = replace(exits, continue_to=self.block(g, s.finalbody, frame.continue_to, frame))
            if s.return_var is not None:
                exits = self.exits_through_finally(g, s, s.return_var, frame, exits)
        handler_frame = replace(exits, handlers=((rethrow,) if rethrow else ()) + frame.handlers)
        targets: list[HandlerTarget] = []
        for h in s.handlers:
            entry = self.block(g, h.body, after, handler_frame)
            targets.append(HandlerTarget(h.errors, entry, h.var))
        if rethrow:
            targets.append(rethrow)
        orelse = self.block(g, s.orelse, after, exits if not rethrow else handler_frame)
        body_frame = replace(exits, handlers=tuple(targets) + frame.handlers)
        return self.block(g, s.body, orelse, body_frame)

    def exits_through_finally(self, g: Graph, s: ir.Try, var: str, frame: Frame, exits: Frame) -> Frame:
        """`return` and `ctx.continue_as_new` leaving the try: the value is kept in `var`, the
        finally block runs (a copy of its states on that path), then the exit goes on: out
        through an outer finally block, or it ends the scope / starts the new execution."""
        found = function_exits(s)
        if ir.Return in found:
            end = frame.return_to[0] if frame.return_to is not None else None
            if end is None:
                succeed = State(self.new_id(), "Succeed", "Return", self.comment(s.loc), output=Expr.var(var))
                end = self.add(g, succeed)
            exits = replace(exits, return_to=(self.block(g, s.finalbody, end, frame), var))
        if ir.ContinueAsNew in found:
            if frame.continue_as_new_to is not None:
                end = frame.continue_as_new_to[0]
            else:
                restart = ir.ContinueAsNew(Expr.var(var), s.loc)
                end = self.lower_ContinueAsNew(g, restart, "", replace(frame, continue_as_new_to=None))
            exits = replace(exits, continue_as_new_to=(self.block(g, s.finalbody, end, frame), var))
        return exits


def function_exits(s: ir.Try) -> set[type]:
    """Which of `return` and `ctx.continue_as_new` leave the try (its body, handlers or else)."""
    parts = (s.body, s.orelse, *(h.body for h in s.handlers))
    return {type(x) for part in parts for x in walk(part) if isinstance(x, ir.Return | ir.ContinueAsNew)}


def loop_exits(block: ir.Block) -> Iterator[ir.Break | ir.Continue]:
    """The `break` / `continue` statements of `block` that leave the loop around it (not those of
    loops inside it)."""
    for stmt in block:
        if isinstance(stmt, ir.Break | ir.Continue):
            yield stmt
        elif isinstance(stmt, ir.If):
            yield from loop_exits(stmt.then)
            yield from loop_exits(stmt.orelse)
        elif isinstance(stmt, ir.Try):
            for part in (stmt.body, stmt.orelse, stmt.finalbody, *(h.body for h in stmt.handlers)):
                yield from loop_exits(part)


def lower(orch: ir.Orchestration, file: str) -> Graph:
    return Lowering(file, orch.body).scope(orch.body)
