"""Run one generated orchestrator direct and compiled on its inputs and judge the outcome.

A program either is refused with located diagnostics (every diagnostic names a line of the
program), or runs on each input as plain Python (`run_direct`) and compiled on the local engine
(`run_local`) with the same status, output, error, cause, custom status, activity calls and log
records.
Anything else is a difference: a run that differs, a refusal without a location, a compiler or
runner that raises something other than CompileError.

Activity calls and log records compare in order, or as a multiset when the program fans out (branches run
concurrently), or, when a fan-out may fail, as calls the direct run made too (the compiled run
stops the other branches at the first failure, the direct run starts them all first, and retries
due at the instant of that failure may or may not run). When only the calls of such a program
differ, the run counts apart (`failed_fan_out_calls`): which branches of
a failed fan-out reach their activity before the others are stopped depends on what happens at
the same virtual instant, and on Step Functions on timing.

One difference of error names is accepted, as in test_expression_semantics.py: an expression
error that no `try` catches fails the compiled run with States.QueryEvaluationError whose Cause
starts with Python's error name (Python raises that error itself).

A run the compiled program stops at a documented runtime limit (an integer beyond 2**53, ...:
UnsupportedValueError naming it, where Python goes on) is counted apart (`runtime_limits`), as
test_expression_semantics.py counts them: loud, not silent, and not comparable after that point.

A program with an entity runs each way on a fresh `LocalEntityHost` of its own, and the final
state of every entity key the generator uses must be the same too (kind "entity state").
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import json
import logging
import math
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from durable_sfn._aws import DEFAULT_REGION, EVENT_WAITER
from durable_sfn.asl.placeholders import find_placeholders
from durable_sfn.compiler.diagnostics import CompileError
from durable_sfn.entities import EntityId
from durable_sfn.entities.in_process import LocalEntityHost
from durable_sfn.testing import ExecutionResult, run_direct, run_local
from durable_sfn.testing.compiled import compiled_definition
from tests.compiler.differential.generator import ENTITY, ENTITY_KEYS, Program, events_of
from tests.compiler.test_expression_semantics import RUNTIME_LIMITS

Verdict = Literal["agree", "refused", "differ"]


@dataclass
class Outcome:
    verdict: Verdict
    detail: str = ""
    kind: str = ""  # for a difference: a short name of what differs, used when shrinking
    uncaught_expression_errors: int = 0
    # Runs alike but for the activity calls, in a program whose fan-out may fail: which branches
    # of a failed fan-out call their activity before the others are stopped depends on what
    # happens at the same virtual instant (e.g. branches whose timers end together).
    failed_fan_out_calls: int = 0
    # Runs the compiled program stopped at a documented limit (`runtime_limit`), not compared.
    runtime_limits: int = 0
    runs: list[tuple[Any, ExecutionResult | None, ExecutionResult | None]] = field(default_factory=list)

    def signature(self) -> tuple[Any, ...]:
        """What a shrunk program must keep to differ the same way: the kind of difference and
        each run's status and error name."""
        if not self.runs:
            return (self.verdict, self.kind)
        _, direct, local = self.runs[-1]
        return (
            self.verdict,
            self.kind,
            *((r.status, r.error) if r is not None else (None, None) for r in (direct, local)),
        )


def load(program: Program, directory: Path) -> Callable[..., Any]:
    """Write the program as a module of its own and import its `main` orchestrator."""
    name = f"differential_{program.seed}_{abs(hash(program.source)) % 10**8}"
    path = directory / f"{name}.py"
    path.write_text(program.source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # inspect.getsource finds nested definitions through the module
    spec.loader.exec_module(module)
    return module.main  # type: ignore[no-any-return]


def compile_all(fn: Callable[..., Any]) -> bool:
    """Compile the program's orchestrators (`main` and the `child` it may call); whether `main`
    waits for external events. It does not when every wait is in code that cannot run (a handler
    of an error nothing in its `try` raises), and then `run_local` refuses events."""
    waits = EVENT_WAITER in find_placeholders(compiled_definition(fn))
    compiled_definition(sys.modules[fn.__module__].child)
    return waits


@contextlib.contextmanager
def entity_host(program: Program, fn: Callable[..., Any]) -> Iterator[LocalEntityHost | None]:
    """A fresh host of the program's entity on moto (None when it has none): each run starts
    from no state, and its final state is read before moto forgets it."""
    if not program.uses_entity:
        yield None
        return
    from moto import mock_aws

    with mock_aws():
        dynamodb, sqs = _clients()
        yield LocalEntityHost([sys.modules[fn.__module__].tally], dynamodb_client=dynamodb, sqs_client=sqs)


@functools.cache
def _clients() -> tuple[Any, Any]:
    # Made once: clients made before `mock_aws` starts are still intercepted, and a fresh client
    # per run would reload botocore's service models.
    import boto3

    session = boto3.session.Session(
        region_name=DEFAULT_REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    return session.client("dynamodb"), session.client("sqs")


def entity_states(host: LocalEntityHost | None) -> dict[str, Any]:
    """Each generated key's final state (None when it was never written)."""
    if host is None:
        return {}
    states = {key: host.read(EntityId(ENTITY, key)) for key in ENTITY_KEYS}
    return {key: state.state if state.exists else None for key, state in states.items()}


def unload(fn: Callable[..., Any]) -> None:
    sys.modules.pop(fn.__module__, None)


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values: one number type (3 == 3.0), but booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def cause_essence(cause: str | None) -> Any:
    """The part of a Cause both runs can agree on: Lambda error JSON minus request id and stack."""
    if cause is None:
        return None
    try:
        parsed = json.loads(cause)
    except ValueError:
        return cause
    if isinstance(parsed, dict) and "errorType" in parsed:
        return {"errorType": parsed["errorType"], "errorMessage": parsed.get("errorMessage")}
    if isinstance(parsed, dict) and "ExecutionArn" in parsed:
        return {
            "Status": parsed["Status"],
            "Error": parsed.get("Error"),
            "Cause": cause_essence(parsed.get("Cause")),
        }
    return cause


def uncaught_expression_error(direct: ExecutionResult, local: ExecutionResult) -> bool:
    return (
        local.error == "States.QueryEvaluationError"
        and direct.error is not None
        and f"{direct.error}: " in (local.cause or "")
    )


def runtime_limit(direct: ExecutionResult, local: ExecutionResult) -> str | None:
    """The documented limit (tests/compiler/test_expression_semantics.py RUNTIME_LIMITS) the
    compiled run stopped at, where the direct run did not stop: an integer beyond 2**53, a float
    text Python writes with an exponent, the repr of a list the compiler could not see... The
    compiled run fails loudly with UnsupportedValueError naming the limit; Python goes on."""
    if local.status != "FAILED" or (direct.status == "FAILED" and direct.error == local.error):
        return None
    cause = local.cause or ""
    if local.error == "UnsupportedValueError":
        message = cause
    else:  # the expression's own error, after the expression's text (which quotes every message)
        found = re.match(
            r"(?:[A-Z][0-9]{4}: )?UnsupportedValueError: ([\s\S]*)$",
            cause.rsplit("threw an error during evaluation. ", 1)[-1],
        )
        if found is None:
            return None
        message = found.group(1)
    for cause_name, limit in RUNTIME_LIMITS.items():
        if any(message.startswith(m) for m in limit.messages):
            return cause_name
    return None


def compare(direct: ExecutionResult, local: ExecutionResult, calls: str) -> str:
    """'' when the runs agree, else the name of the first thing that differs."""
    if direct.status != local.status:
        return "status"
    if direct.status == "SUCCEEDED" and not same_json(direct.output, local.output):
        return "output"
    if direct.error != local.error:
        if not uncaught_expression_error(direct, local):
            return "error"
    elif cause_essence(direct.cause) != cause_essence(local.cause):
        return "cause"
    if not same_json(direct.custom_status, local.custom_status):
        return "custom status"
    direct_logs, local_logs = [str(r) for r in direct.logs], [str(r) for r in local.logs]
    if calls == "ordered" and direct_logs != local_logs:
        return "logs"
    if calls == "multiset" and sorted(direct_logs) != sorted(local_logs):
        return "logs"
    if calls == "subset" and not set(local_logs) <= set(direct_logs):
        return "logs"
    direct_calls, local_calls = direct.activity_call_counts(), local.activity_call_counts()
    if calls == "ordered":
        if [(c.name, json.dumps(c.input, sort_keys=True)) for c in direct.activity_calls] != [
            (c.name, json.dumps(c.input, sort_keys=True)) for c in local.activity_calls
        ]:
            return "activity calls"
    elif calls == "multiset":
        if direct_calls != local_calls:
            return "activity calls"
    elif not set(local_calls) <= set(direct_calls):
        # Which retries and branches run before a failure stops a fan-out depends on the order of
        # what happens at the same virtual instant: only calls the direct run never made differ.
        return "activity calls"
    return ""


def calls_mode(program: Program, direct: ExecutionResult, local: ExecutionResult) -> str:
    fan_outs = program.source.split("task_all")[1:]
    if not fan_outs:
        return "ordered"
    may_fail = (
        any("check" in part.split("\n", 1)[0] for part in fan_outs) or "async def work" in program.source
    )
    if direct.status == "SUCCEEDED" and local.status == "SUCCEEDED" and not may_fail:
        return "multiset"
    return "subset"


def describe(result: ExecutionResult | None) -> str:
    if result is None:
        return "-"
    calls = [(c.name, c.input) for c in result.activity_calls]
    return (
        f"status={result.status} output={result.output!r} error={result.error!r} "
        f"cause={str(cause_essence(result.cause))[:300]!r} custom_status={result.custom_status!r} calls={calls!r} "
        f"logs={[str(r) for r in result.logs]!r}"
    )


def judge(program: Program, directory: Path) -> Outcome:
    """Compile and run `program` both ways on each of its inputs."""
    try:
        fn = load(program, directory)
    except Exception as exc:  # the generator wrote something Python refuses: a generator bug
        return Outcome("differ", f"the program does not import: {type(exc).__name__}: {exc}", "import")
    # The direct run keeps the log records Python's logging lets through, the compiled run every
    # level (docs/compiler.md): let every level through, as a test reading logs does. What the
    # program prints is kept in its log records, not shown.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return _judge(program, fn)
    finally:
        root.setLevel(level)
        unload(fn)


def _judge(program: Program, fn: Callable[..., Any]) -> Outcome:
    try:
        waits = compile_all(fn)
    except CompileError as exc:
        unlocated = [d for d in exc.diagnostics if d.line <= 0]
        if unlocated:
            return Outcome("differ", f"refused without a location: {exc}", "unlocated refusal")
        return Outcome("refused", str(exc).splitlines()[0] if str(exc) else "")
    except RecursionError as exc:
        return Outcome("differ", f"the compiler raised RecursionError: {exc}", "compiler crash")
    except Exception as exc:
        return Outcome("differ", f"the compiler raised {type(exc).__name__}: {exc}", "compiler crash")
    outcome = Outcome("agree")
    for value in program.inputs:
        direct: ExecutionResult | None = None
        local: ExecutionResult | None = None
        data, events = events_of(value)
        if not waits:
            events = None
        try:
            with entity_host(program, fn) as host:
                direct = run_direct(fn, data, events=events, entities=host)
                direct_states = entity_states(host)
        except Exception as exc:
            outcome.runs.append((value, None, None))
            return Outcome(
                "differ", f"run_direct raised {type(exc).__name__}: {exc}", "direct raised", runs=outcome.runs
            )
        try:
            with entity_host(program, fn) as host:
                local = run_local(fn, data, events=events, timeout=120.0, entities=host)
                local_states = entity_states(host)
        except Exception as exc:
            outcome.runs.append((value, direct, None))
            return Outcome(
                "differ", f"run_local raised {type(exc).__name__}: {exc}", "local raised", runs=outcome.runs
            )
        outcome.runs.append((value, direct, local))
        if runtime_limit(direct, local) is not None:
            outcome.runtime_limits += 1
            continue
        mode = calls_mode(program, direct, local)
        kind = compare(direct, local, mode)
        if kind == "activity calls" and mode == "subset":
            outcome.failed_fan_out_calls += 1
            kind = ""
        if not kind and not same_json(direct_states, local_states):
            kind = "entity state"
        if kind:
            detail = f"{kind} differs on input {value!r}\n  direct:   {describe(direct)}\n  compiled: {describe(local)}"
            if kind == "entity state":
                detail += f"\n  direct entities:   {direct_states!r}\n  compiled entities: {local_states!r}"
            return Outcome("differ", detail, kind, runs=outcome.runs)
        if direct.error != local.error:
            outcome.uncaught_expression_errors += 1
    return outcome
