"""One execution: the interpreter loop over states, with history, Retry/Catch and limits.

The loop is deliberately small: enter a state, hand it to the module for its type (a plain
function returning next state, output and assigned variables), apply Retry/Catch on failure,
record the exit. Branches (Parallel, Map) get `run_graph` in their `StateRun` and call it on
their own threads.

A Wait in the top-level flow parks the execution instead of blocking its thread: the loop
returns a `Parked` value, the clock keeps the deadline, and the loop resumes on an engine thread
when it passes (or when the execution is stopped). Thousands of waiting executions hold no
threads.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from durable_sfn.engine import dataflow, errors, history, limits, retry
from durable_sfn.engine.branch import Aborted, Branch
from durable_sfn.engine.clock import Clock, Waiter
from durable_sfn.engine.env import EvalEnv, QueryLanguage
from durable_sfn.engine.errors import ReportedError, StatesError
from durable_sfn.engine.history import History, HistoryLimitExceeded
from durable_sfn.engine.redrive import Journal, StateRecord
from durable_sfn.engine.states import HANDLERS, plain_runner
from durable_sfn.engine.states.base import Services, StateOutcome, StateRun
from durable_sfn.engine.threads import spawn

# Errors raised while evaluating a state's own fields get AWS's location prefix.
_LOCATED = {
    errors.RUNTIME,
    errors.QUERY_EVALUATION_ERROR,
    errors.INTRINSIC_FAILURE,
    errors.PARAMETER_PATH_FAILURE,
    errors.RESULT_PATH_MATCH_FAILURE,
}

_RETRYABLE_TYPES = {"Task", "Map", "Parallel"}
# How long a redrive waits for the previous attempt's thread to let go (it was stopped or ended).
_JOIN_TIMEOUT = 30.0


@dataclass(frozen=True)
class Parked:
    """The top-level flow waits in state `name` until `outcome.resume_at`; no thread holds it."""

    name: str
    prefix: str  # the state type's event prefix ("Wait")
    outcome: StateOutcome


@dataclass
class MachineInfo:
    """A state machine as its executions see it (the client keeps the rest of its record)."""

    arn: str
    name: str
    definition: dict[str, Any]
    role_arn: str
    type: str = "STANDARD"
    # What the interpreter works out once per state rather than on every entry, by id() of the
    # state's dict (see `_StatePlan`).
    plans: dict[int, _StatePlan] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class Execution:
    """One execution of a state machine: what describe_execution reports, its history, its run."""

    services: Services
    machine: MachineInfo
    arn: str
    name: str
    input: Any
    input_text: str
    start_date: datetime
    test_case: str | None = None  # the mock-config test case named in the state machine ARN (`name#case`)
    status: str = "RUNNING"
    output: Any = None
    output_text: str | None = None
    error: str | None = None
    cause: str | None = None
    stop_date: datetime | None = None
    redrive_count: int = 0
    redrive_date: datetime | None = None
    history: History = field(init=False)
    # What completed, per flow, so that a redrive steps over it (Standard executions only).
    journal: Journal | None = field(init=False, default=None)
    root: Branch = field(init=False)
    _done: threading.Event = field(init=False, default_factory=threading.Event)
    _exited: threading.Event = field(init=False, default_factory=threading.Event)
    _watchers: list[Waiter] = field(init=False, default_factory=list)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _execution_info: tuple[int, dict[str, Any]] | None = field(init=False, default=None)
    _machine_context: dict[str, Any] = field(init=False)  # `$$.StateMachine`, shared by every state

    def __post_init__(self) -> None:
        self.history = History(self.services.clock)
        self._machine_context = {"Id": self.machine.arn, "Name": self.machine.name}
        if self.machine.type == "STANDARD":
            self.journal = Journal()
        self.root = self._root_branch()

    def _root_branch(self) -> Branch:
        root = Branch(self.services.clock, self.history, {}, journal=self.journal)
        root.can_park = True
        return root

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def done(self) -> bool:
        return self._done.is_set()

    # --- lifecycle --------------------------------------------------------------------------

    def start(self, *, background: bool = True) -> None:
        """Run on a thread (the clock counts it as a participant from this moment on)."""
        self.history.add(
            "ExecutionStarted",
            0,
            executionStartedEventDetails={
                "input": self.input_text,
                "inputDetails": {"truncated": False},
                "roleArn": self.machine.role_arn,
                "stateMachineArn": self.machine.arn,
            },
        )
        self.root.last_event = 1
        self.clock.enter()
        if background:
            spawn(self._main, f"sfn-{self.name}")
        else:
            self._main()

    def _main(self) -> None:
        ended = True
        try:
            ended = self._run()
        finally:
            self.clock.leave()
            if ended:
                self._exited.set()

    def redrive(self) -> datetime:
        """Run an ended execution again from its unsuccessful step; returns the redrive date.

        The caller (RedriveExecution) has checked that AWS would allow it. The history goes on
        (an ExecutionRedriven event, then the states that run again), states that completed are
        stepped over (see `redrive.py`), and TimeoutSeconds counts from now.
        """
        if not self.join(_JOIN_TIMEOUT):
            raise RuntimeError(f"the previous attempt of {self.arn} is still ending")
        with self._lock:
            now = self.clock.now()
            self.redrive_count += 1
            self.redrive_date = now
            self.status = "RUNNING"
            self.output = self.output_text = self.error = self.cause = None
            self.stop_date = None
            self._done.clear()
            self._exited.clear()
            event_id = self.history.add(
                "ExecutionRedriven",
                executionRedrivenEventDetails={"redriveCount": self.redrive_count},
            )
            self.root = self._root_branch()
            self.root.last_event = event_id
        self.clock.enter()
        spawn(self._main, f"sfn-{self.name}-redrive-{self.redrive_count}")
        return now

    def join(self, timeout: float | None = None) -> bool:
        """Block until the interpreter has let go of this execution (True), or `timeout` real seconds pass.

        After a stop or a timeout the execution is over at once, but its thread may still be
        ending the state it was in (an evaluation, a fan-out); this waits for that too.
        """
        return self._exited.wait(timeout)

    def _run(self) -> bool:
        """Start the top-level flow; True when the execution ended, False when it parked."""
        definition = self.machine.definition
        timeout = definition.get("TimeoutSeconds")
        if isinstance(timeout, int) and timeout > 0:
            # A redrive restarts the count; the previous attempt's timer must not end this one.
            attempt = self.redrive_count
            began = self.redrive_date or self.start_date
            self.clock.call_at(began + timedelta(seconds=timeout), lambda: self._timed_out(attempt))
        return self._drive(lambda: self.run_graph(self.root, definition, self.input))

    def _resume(self, root: Branch, parked: Parked, waiter: Waiter) -> None:
        """Go on with a parked top-level flow (on an engine thread the clock counts as working)."""
        ended = True
        try:
            ended = self._drive(lambda: self._continue(root, parked, waiter))
        finally:
            self.clock.leave()
            if ended:
                self._exited.set()

    def _continue(self, root: Branch, parked: Parked, waiter: Waiter) -> Any:
        root.unpark(waiter)
        next_name, value, text = self._exit_state(root, parked.name, parked.prefix, parked.outcome)
        if next_name is None:
            return value
        return self.run_graph(root, self.machine.definition, value, start=next_name, text=text)

    def _drive(self, flow: Callable[[], Any]) -> bool:
        """Run (part of) the top-level flow and record how it ended; False if it parked again."""
        try:
            output = flow()
            if isinstance(output, Parked):
                return not self._park(output)
            text = history.to_json(output)
            self._finish("SUCCEEDED", output=output, output_text=text)
        except StatesError as exc:
            missing_error = getattr(exc, "missing_error", False)
            missing_cause = getattr(exc, "missing_cause", False)
            self._finish(
                "FAILED",
                error=None if missing_error else exc.error,
                cause=None if missing_cause else exc.cause,
            )
        except Aborted:
            pass  # stop_execution / timeout already recorded the outcome
        except HistoryLimitExceeded:
            self._finish(
                "FAILED",
                error=errors.RUNTIME,
                cause=f"The execution reached the maximum number of history events ({limits.MAX_HISTORY_EVENTS}).",
            )
        except Exception as exc:  # an engine bug must still end the execution cleanly
            self._finish(
                "FAILED", error=errors.RUNTIME, cause=f"Internal engine error: {type(exc).__name__}: {exc}"
            )
        return True

    def _park(self, parked: Parked) -> bool:
        """Hand the flow's deadline to the clock; False if the execution was stopped meanwhile."""
        resume_at = parked.outcome.resume_at
        assert resume_at is not None
        root = self.root
        waiter = Waiter()
        try:
            root.park(waiter)
        except Aborted:
            return False
        self.clock.park(waiter, resume_at, lambda: self._resume(root, parked, waiter))
        return True

    def _timed_out(self, attempt: int) -> None:
        if attempt == self.redrive_count and self._finish(
            "TIMED_OUT", error=errors.TIMEOUT, cause="The execution timed out."
        ):
            self.root.cancel()

    def stop(self, error: str | None, cause: str | None) -> bool:
        if self._finish("ABORTED", error=error, cause=cause):
            self.root.cancel()
            return True
        return False

    def _finish(
        self,
        status: str,
        *,
        output: Any = None,
        output_text: str | None = None,
        error: str | None = None,
        cause: str | None = None,
    ) -> bool:
        with self._lock:
            if self.status != "RUNNING":
                return False
            if status == "SUCCEEDED":
                self.history.add_final(
                    "ExecutionSucceeded",
                    executionSucceededEventDetails={
                        "output": output_text,
                        "outputDetails": {"truncated": False},
                    },
                )
            else:
                details: dict[str, Any] = {}
                if error is not None:
                    details["error"] = error
                if cause is not None:
                    details["cause"] = cause
                kind = {"FAILED": "Failed", "ABORTED": "Aborted", "TIMED_OUT": "TimedOut"}[status]
                self.history.add_final(f"Execution{kind}", **{f"execution{kind}EventDetails": details})
            self.status = status
            self.output = output
            self.output_text = output_text
            self.error = error
            self.cause = cause
            self.stop_date = self.clock.now()
            watchers = list(self._watchers)
            self._watchers.clear()
            self._done.set()
        for waiter in watchers:
            self.clock.fire(waiter, self)
        return True

    def watch(self, waiter: Waiter) -> None:
        """Fire `waiter` (via the clock) when the execution ends."""
        with self._lock:
            if self.status == "RUNNING":
                self._watchers.append(waiter)
                return
        self.clock.fire(waiter, self)

    def wait(self, timeout: float | None = None) -> bool:
        """Block the calling (non-engine) thread until the execution ends."""
        return self._done.wait(timeout)

    # --- the interpreter --------------------------------------------------------------------

    def query_language(self, state: dict[str, Any]) -> QueryLanguage:
        lang = state.get("QueryLanguage") or self.machine.definition.get("QueryLanguage") or "JSONPath"
        return "JSONata" if lang == "JSONata" else "JSONPath"

    def _execution_context(self) -> dict[str, Any]:
        """`$$.Execution`, built once per attempt of the execution (only a redrive changes it).

        Every state's context shares it; nothing changes a context value in place.
        """
        cached = self._execution_info
        if cached is not None and cached[0] == self.redrive_count:
            return cached[1]
        execution: dict[str, Any] = {
            "Id": self.arn,
            "Input": self.input,
            "Name": self.name,
            "RoleArn": self.machine.role_arn,
            "StartTime": history.timestamp_text(self.start_date),
        }
        if self.machine.type == "STANDARD":
            execution["RedriveCount"] = self.redrive_count
            if self.redrive_date is not None:
                execution["RedriveTime"] = history.timestamp_text(self.redrive_date)
        self._execution_info = (self.redrive_count, execution)
        return execution

    def context(
        self, branch: Branch, name: str, entered: datetime, retry_count: int, retryable: bool
    ) -> dict[str, Any]:
        """The context object (`$$`); `retryable`: the state has a retry count (Task, Map, Parallel).

        Its Execution and StateMachine parts are shared by every state; nothing changes a context
        value in place.
        """
        state_info: dict[str, Any] = {"EnteredTime": history.timestamp_text(entered), "Name": name}
        if retryable:
            state_info["RetryCount"] = retry_count
        ctx: dict[str, Any] = {
            "Execution": self._execution_context(),
            "StateMachine": self._machine_context,
            "State": state_info,
        }
        if branch.map_item is not None:
            ctx["Map"] = {"Item": branch.map_item}
        return ctx

    def run_graph(
        self,
        branch: Branch,
        graph: dict[str, Any],
        value: Any,
        *,
        start: str | None = None,
        text: str | None = None,
    ) -> Any:
        """Run states from StartAt (or `start`, resuming) until one ends the flow; returns its output.

        A flow that can park returns `Parked` when a Wait hands back its deadline.
        """
        states = graph["States"]
        name = graph["StartAt"] if start is None else start
        first = start is None
        replayed = False
        while True:
            record = branch.recorded(name)
            if record is not None:  # a redrive steps over a state a previous attempt completed
                branch.check()
                branch.enter_state(name)
                if record.assigned:
                    branch.variables.update(record.assigned)
                text, replayed = record.output_text, True
                if record.next is None:
                    return json.loads(text)
                name = record.next
                continue
            if replayed:
                assert text is not None
                value, replayed = json.loads(text), False
            if not first:
                branch.settle()  # the fan-out's round boundary (the first one is the start's)
            first = False
            branch.check()
            state = states.get(name)
            if state is None:
                raise ReportedError(errors.RUNTIME, f"The state '{name}' does not exist in the definition.")
            step = self.run_state(branch, name, state, value, text)
            if isinstance(step, Parked):
                return step
            next_name, value, text = step
            if next_name is None:
                return value
            name = next_name

    def run_state(
        self,
        branch: Branch,
        name: str,
        state: dict[str, Any],
        raw: Any,
        raw_text: str | None = None,
    ) -> tuple[str | None, Any, str] | Parked:
        """Run one state (with its retries); returns next state, output and the output's JSON text.

        A Wait that parks returns `Parked`; `_exit_state` finishes it once the time has come.
        """
        plans = self.machine.plans
        plan = plans.get(id(state))
        if plan is None or plan.state is not state:
            plan = plans[id(state)] = _StatePlan(state, self.query_language(state))
        kind, prefix, retryable = plan.kind, plan.prefix, plan.retryable
        branch.enter_state(name)
        entered_id = branch.state_event(
            plan.entered, True, name, history.to_json(raw) if raw_text is None else raw_text
        )
        entered_at = self.clock.now()
        handler = plan.handler
        if handler is None:
            raise ReportedError(errors.RUNTIME, f"The state '{name}' has an unsupported Type {kind!r}.")
        attempts: retry.RetryState | None = None  # made on the first failure
        outcome: StateOutcome
        # A state that needs no evaluation view runs without one (see `plain_runner`).
        plain = plan.plain if plan.plain is not None and not dataflow.inspecting() else None
        env: EvalEnv | None = None
        while True:
            try:
                try:
                    if plain is not None:
                        outcome = plain(state, raw, name)
                    else:
                        env = self._state_env(branch, name, plan.lang, raw, entered_at, attempts, retryable)
                        run = StateRun(
                            self.services, self.arn, branch, name, state, env, entered_id, self.run_graph
                        )
                        outcome = handler(run, raw)
                except (StatesError, Aborted, HistoryLimitExceeded):
                    raise
                except Exception as exc:  # an engine bug becomes a located States.Runtime
                    raise StatesError(
                        errors.RUNTIME, f"Internal engine error: {type(exc).__name__}: {exc}"
                    ) from None
                break
            except StatesError as exc:
                if attempts is None:
                    attempts = retry.RetryState()
                failure = locate(exc, name, entered_id)
                if failure.error == errors.QUERY_EVALUATION_ERROR and not isinstance(exc, ReportedError):
                    # AWS records a failed JSONata evaluation of this state's own fields.
                    branch.event(
                        "EvaluationFailed",
                        evaluationFailedEventDetails={
                            "error": failure.error,
                            "cause": failure.cause,
                            "state": name,
                        },
                    )
                # A Task whose result was received is never invoked again: its failure goes
                # to Catch (what AWS does here is not specified; a repeated side effect would
                # be silent). See docs/engine.md, "Errors after a Task's result".
                if retryable and state.get("Retry") and not exc.after_result:
                    delay = retry.next_delay(state["Retry"], failure.error, attempts)
                    if delay is not None:
                        branch.sleep_until(self.clock.now() + timedelta(seconds=delay))
                        continue
                if kind in ("Map", "Parallel") and failure.error != errors.RUNTIME:
                    branch.event(f"{prefix}StateFailed")
                catcher = retry.find_catcher(state.get("Catch", []), failure.error) if retryable else None
                if catcher is None:
                    raise failure from None
                error_output = {"Error": failure.error, "Cause": failure.cause}
                if env is None:
                    env = self._state_env(branch, name, plan.lang, raw, entered_at, attempts, retryable)
                try:
                    output, assigned = dataflow.caught(catcher, raw, error_output, env)
                except StatesError as exc2:
                    raise locate(exc2, name, entered_id) from None
                outcome = StateOutcome(output, catcher.get("Next"), assigned)
                break
        if outcome.resume_at is not None:
            return Parked(name, prefix, outcome)
        return self._exit_state(branch, name, prefix, outcome)

    def _state_env(
        self,
        branch: Branch,
        name: str,
        lang: QueryLanguage,
        raw: Any,
        entered_at: datetime,
        attempts: retry.RetryState | None,
        retryable: bool,
    ) -> EvalEnv:
        """What the expressions of one attempt of a state see."""
        return EvalEnv(
            name,
            lang,
            raw,
            self.context(branch, name, entered_at, attempts.total if attempts else 0, retryable),
            branch.variables,
            limits=self.services.evaluation_limits,
            cancelled=lambda: branch.cancelled,
            now=self.clock.now,
        )

    def _exit_state(
        self, branch: Branch, name: str, prefix: str, outcome: StateOutcome
    ) -> tuple[str | None, Any, str]:
        output, assigned = outcome.output, outcome.assigned
        output_text = dataflow.check_size(output, name)
        if assigned:
            dataflow.check_bounded(assigned, name)
            branch.variables.update(assigned)
        branch.state_event(f"{prefix}StateExited", False, name, output_text, assigned)
        if branch.replay is not None:  # a Standard execution's journal, for a redrive
            branch.record(StateRecord(name, outcome.next, output_text, assigned))
        return outcome.next, output, output_text


class _StatePlan:
    """What the interpreter works out once per state of a definition rather than on every entry.

    Kept per state machine (`MachineInfo.plans`), keyed by id() of the state's dict; the plan
    holds the dict, so the id cannot be reused while the entry exists.
    """

    __slots__ = ("entered", "handler", "kind", "lang", "plain", "prefix", "retryable", "state")

    def __init__(self, state: dict[str, Any], lang: QueryLanguage) -> None:
        self.state = state
        self.kind: str = state.get("Type", "")
        self.handler = HANDLERS.get(self.kind)
        self.prefix = history.STATE_EVENT_PREFIX.get(self.kind, self.kind)
        self.entered = f"{self.prefix}StateEntered"
        self.lang = lang
        self.retryable = self.kind in _RETRYABLE_TYPES
        self.plain = plain_runner(state, lang)


def locate(exc: StatesError, name: str, entered_id: int) -> StatesError:
    """The error as AWS reports it: errors of the state's own fields name the state and its event."""
    if isinstance(exc, ReportedError) or exc.error not in _LOCATED:
        return exc
    if exc.cause.startswith("An error occurred while executing the state"):
        return ReportedError(exc.error, exc.cause)
    return ReportedError(
        exc.error,
        f"An error occurred while executing the state '{name}' (entered at the event id #{entered_id}). {exc.cause}",
    )
