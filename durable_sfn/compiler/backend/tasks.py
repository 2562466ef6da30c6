"""Lowering of the IR statements that become one state each: assignments, status, tasks, waits.

Task-like statements share `_task` (Retry and Catch wiring); control flow lives in `control_flow`."""

from __future__ import annotations

import json
from dataclasses import replace

from durable_sfn._aws import (
    EVENT_WAITER,
    LAMBDA_INVOKE,
    LAMBDA_INVOKE_WAIT_FOR_TOKEN,
    placeholder,
)
from durable_sfn.compiler import ir
from durable_sfn.compiler.backend.core import STATUS_VAR, Frame, LoweringCore
from durable_sfn.compiler.backend.entity_ops import entity_task
from durable_sfn.compiler.backend.logs import LOG_VAR, record
from durable_sfn.compiler.backend.states import (
    TRANSIENT_LAMBDA_RETRY,
    Assigns,
    Graph,
    Retrier,
    State,
)
from durable_sfn.compiler.ir import Expr, Ty


class TaskLowering(LoweringCore):
    def lower_Assign(self, g: Graph, s: ir.Assign, nxt: str, frame: Frame) -> str:
        return self.add(
            g,
            State(
                self.new_id(),
                "Pass",
                f"Set {s.target}",
                self.comment(s.loc),
                next=nxt,
                # The kind first: both are evaluated before either is set, and the kind fails
                # only where the value's operands do.
                assign=((s.kind, (s.target, s.value)) if s.kind else ((s.target, s.value),)),
            ),
        )

    def lower_SetStatus(self, g: Graph, s: ir.SetStatus, nxt: str, frame: Frame) -> str:
        label = s.value.const if s.value.is_const and isinstance(s.value.const, str) else "custom status"
        return self.add(
            g,
            State(
                self.new_id(),
                "Pass",
                f"Status {label}",
                self.comment(s.loc),
                next=nxt,
                assign=((STATUS_VAR, s.value),),
            ),
        )

    def lower_Log(self, g: Graph, s: ir.Log, nxt: str, frame: Frame) -> str:
        label = s.message.const if s.message.is_const and isinstance(s.message.const, str) else s.level
        return self.add(
            g,
            State(
                self.new_id(),
                "Pass",
                f"Log {label}",
                self.comment(s.loc),
                next=nxt,
                assign=((LOG_VAR, record(s.level, s.logger, s.message)),),
            ),
        )

    def _task(
        self,
        g: Graph,
        name: str,
        loc: ir.Loc,
        nxt: str,
        frame: Frame,
        resource: str,
        arguments: dict[str, Expr],
        target: str | None,
        result: str,
        retry: tuple[Retrier, ...],
        timeout: Expr | None = None,
    ) -> str:
        assign: Assigns = ((target, Expr.raw(result)),) if target else ()
        return self.add(
            g,
            State(
                self.new_id(),
                "Task",
                name,
                self.comment(loc),
                next=nxt,
                resource=resource,
                arguments=arguments,
                assign=assign,
                retry=retry,
                catch=self.catchers(frame),
                timeout_seconds=timeout,
            ),
        )

    def lower_CallActivity(self, g: Graph, s: ir.CallActivity, nxt: str, frame: Frame) -> str:
        retry: tuple[Retrier, ...] = (TRANSIENT_LAMBDA_RETRY,)
        if s.retry is not None:
            p = s.retry
            retry += (
                Retrier(p.errors, p.interval_seconds, p.max_attempts, p.backoff_rate, p.max_delay_seconds),
            )
        args = {"FunctionName": Expr.literal(placeholder(s.activity)), "Payload": s.payload}
        return self._task(
            g, s.activity, s.loc, nxt, frame, LAMBDA_INVOKE, args, s.target, "$states.result.Payload", retry
        )

    def lower_CallEntity(self, g: Graph, s: ir.CallEntity, nxt: str, frame: Frame) -> str:
        resource, arguments, retry = entity_task(s, tuple(self.entity_scope))
        name = f"{'Signal' if s.signal else 'Call'} {s.entity} {s.operation}"
        return self._task(
            g, name, s.loc, nxt, frame, resource, arguments, s.target, "$states.result.Payload", retry
        )

    def lower_WaitForEvent(self, g: Graph, s: ir.WaitForEvent, nxt: str, frame: Frame) -> str:
        payload = Expr(
            ("{",),
            Ty.DICT,
            template={
                "executionArn": Expr.raw("$states.context.Execution.Id"),
                "eventName": s.event_name,
                "taskToken": Expr.raw("$states.context.Task.Token"),
            },
        )
        label = s.event_name.const if s.event_name.is_const else "external event"
        args = {"FunctionName": Expr.literal(placeholder(EVENT_WAITER)), "Payload": payload}
        return self._task(
            g,
            f"Wait for {label}",
            s.loc,
            nxt,
            frame,
            LAMBDA_INVOKE_WAIT_FOR_TOKEN,
            args,
            s.target,
            "$states.result",
            (TRANSIENT_LAMBDA_RETRY,),
            timeout=s.timeout_seconds,
        )

    def lower_Timer(self, g: Graph, s: ir.Timer, nxt: str, frame: Frame) -> str:
        if self.guarded(frame, s.seconds, s.timestamp):
            # The time may fail to evaluate inside a try: evaluate it first, where the Catch is.
            seconds = s.seconds is not None
            value = s.seconds if s.seconds is not None else s.timestamp
            assert value is not None
            return self.evaluate_first(
                g,
                frame,
                value,
                lambda v: self.lower_Timer(
                    g, replace(s, seconds=v) if seconds else replace(s, timestamp=v), nxt, frame
                ),
                s.loc,
            )
        name = f"Wait {s.seconds.const} seconds" if s.seconds is not None and s.seconds.is_const else "Wait"
        if s.timestamp is not None:
            name = "Wait until " + (
                s.loc.source.split("create_timer(", 1)[-1].removesuffix(")") or "timestamp"
            )
        return self.add(
            g,
            State(
                self.new_id(),
                "Wait",
                name,
                self.comment(s.loc),
                next=nxt,
                seconds=s.seconds,
                timestamp=s.timestamp,
            ),
        )


def execution_input(value: Expr) -> Expr:
    """StartExecution's Input: an object is serialised by Step Functions, but any other value must
    be passed as JSON text (a bare string would be read as the JSON text itself)."""
    if (
        value.ty is Ty.DICT
        or isinstance(value.template, dict)
        or (value.is_const and isinstance(value.const, dict))
    ):
        return value
    if value.is_const:
        return Expr.literal(json.dumps(value.const))
    return Expr(
        (
            "($__i := ",
            *value.parts,
            "; $type($__i) = 'string' ? $substring($string([$__i]), 1, "
            "$length($string([$__i])) - 2) : $string($__i))",
        ),
        Ty.STR,
        time_dependent=value.time_dependent,
        input_dependent=value.input_dependent,
    )
