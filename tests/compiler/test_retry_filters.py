"""Retry options that retry only some errors (`retry_on=(...)`, or Durable's predicate
`handle=lambda e: isinstance(e, ...)`) compile to the Retry's ErrorEquals and the direct run
applies the same filter: the same errors are retried, the others fail at once."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, RetryOptions, activity, orchestrator
from durable_sfn.compiler import CompileError, compile_orchestrator, compile_source
from durable_sfn.errors import DefinitionError
from durable_sfn.testing import run_direct, run_local


class TransientError(Exception):
    pass


class ThrottledError(TransientError):
    pass


class InvalidOrder(Exception):
    pass


_attempts: dict[str, int] = {}


@activity(name="RfSubmit")
def submit(order: dict[str, JsonValue]) -> str:
    key = str(order["id"])
    _attempts[key] = _attempts.get(key, 0) + 1
    if _attempts[key] <= int(str(order.get("failures", 0))):
        kind = {"transient": TransientError, "throttled": ThrottledError, "invalid": InvalidOrder}
        raise kind[str(order["kind"])](f"attempt {_attempts[key]} failed")
    return f"{key} submitted after {_attempts[key]} attempt(s)"


def is_transient(error: BaseException) -> bool:
    return isinstance(error, (TransientError, TimeoutError))


RETRY_ON = RetryOptions(timedelta(seconds=2), 3, retry_on=(TransientError,))
HANDLE = RetryOptions(timedelta(seconds=2), 3, handle=lambda e: isinstance(e, TransientError))
HANDLE_FUNCTION = RetryOptions(timedelta(seconds=2), 3, handle=is_transient)


@orchestrator(name="RfRetryOn")
async def with_retry_on(ctx: OrchestrationContext) -> JsonValue:
    return await ctx.call_activity_with_retry(submit, RETRY_ON, ctx.get_input())


@orchestrator(name="RfHandle")
async def with_handle(ctx: OrchestrationContext) -> JsonValue:
    retry = HANDLE
    return await ctx.call_activity_with_retry(submit, retry, ctx.get_input())


@orchestrator(name="RfHandleFunction")
async def with_handle_function(ctx: OrchestrationContext) -> JsonValue:
    return await ctx.call_activity_with_retry(submit, HANDLE_FUNCTION, ctx.get_input())


ORCHESTRATORS = [with_retry_on, with_handle, with_handle_function]
CASES = [
    {"kind": "transient", "failures": 2},  # retried, succeeds on the third attempt
    {"kind": "throttled", "failures": 1},  # a subclass: retried too
    {"kind": "transient", "failures": 5},  # retried until the attempts run out
    {"kind": "invalid", "failures": 1},  # not named: fails at once
]


@pytest.mark.parametrize("orch", ORCHESTRATORS, ids=lambda o: o.__name__)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['kind']}-{c['failures']}")
def test_only_the_named_errors_are_retried_in_both_runs(orch: Any, case: dict[str, JsonValue]) -> None:
    order = {"id": "o1", **case}
    _attempts.clear()
    direct = run_direct(orch, order)
    direct_attempts = dict(_attempts)
    _attempts.clear()
    compiled = run_local(orch, order)
    assert (compiled.status, compiled.output, compiled.error) == (direct.status, direct.output, direct.error)
    assert _attempts == direct_attempts
    expected = {"transient-2": 3, "throttled-1": 2, "transient-5": 3, "invalid-1": 1}
    assert direct_attempts["o1"] == expected[f"{case['kind']}-{case['failures']}"]


def test_the_filter_is_the_retriers_error_list() -> None:
    for orch, names in [
        (with_retry_on, ["TransientError", "ThrottledError"]),
        (with_handle, ["TransientError", "ThrottledError"]),
        (with_handle_function, ["TransientError", "ThrottledError", "TimeoutError"]),
    ]:
        definition = compile_orchestrator(orch)
        (task,) = (s for s in definition["States"].values() if s["Type"] == "Task")
        assert task["Retry"][-1]["ErrorEquals"] == names
        assert task["Retry"][-1]["MaxAttempts"] == 2


PREAMBLE = """\
from datetime import timedelta
from durable_sfn import RetryOptions, activity, orchestrator

class TransientError(Exception):
    pass

@activity(name="Step")
def step(x):
    return x

@orchestrator(name="Child")
async def child(ctx):
    return 1

@orchestrator(name="Refused")
async def refused(ctx):
"""


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (
            "r = RetryOptions(timedelta(seconds=1), 3, handle=lambda e: 'timeout' in str(e))",
            "a retry filter must be `lambda e: isinstance(e, (ErrorA, ErrorB))`",
        ),
        (
            "r = RetryOptions(timedelta(seconds=1), 3, retry_on=(TransientError,), handle=lambda e: True)",
            "retry_on= or handle=, not both",
        ),
        ("r = RetryOptions(5000, 3)", "first_retry_interval is a timedelta"),
    ],
)
def test_a_filter_that_is_not_a_list_of_names_is_refused(body: str, says: str, tmp_path: Path) -> None:
    source = PREAMBLE + textwrap.indent(
        f"{body}\nreturn await ctx.call_activity_with_retry(step, r, 1)", "    "
    )
    with pytest.raises(CompileError) as error:
        compile_source(source + "\n", str(tmp_path / "refused.py"))
    diagnostic = error.value.diagnostics[0]
    assert diagnostic.code == "DSF021" and says in diagnostic.message and diagnostic.hint
    assert diagnostic.line == PREAMBLE.count("\n") + 1


def test_a_filtered_retry_of_a_sub_orchestration_is_refused(tmp_path: Path) -> None:
    body = (
        "r = RetryOptions(timedelta(seconds=1), 3, retry_on=(TransientError,))\n"
        "return await ctx.call_sub_orchestrator_with_retry(child, r, 1)"
    )
    with pytest.raises(CompileError, match="retries every failure"):
        compile_source(PREAMBLE + textwrap.indent(body, "    ") + "\n", str(tmp_path / "child.py"))


def test_the_direct_run_checks_the_options_as_they_are_built() -> None:
    with pytest.raises(DefinitionError, match="timedelta"):
        RetryOptions(5000, 3)  # type: ignore[arg-type]
    with pytest.raises(DefinitionError, match="not both"):
        RetryOptions(timedelta(seconds=1), 3, retry_on=(TransientError,), handle=lambda e: True)
    assert RetryOptions(timedelta(seconds=1), 2, retry_on=(TransientError,)).retries(ThrottledError())
    assert not RetryOptions(timedelta(seconds=1), 2, retry_on=(TransientError,)).retries(InvalidOrder())
    assert RetryOptions(timedelta(seconds=1), 2).retries(InvalidOrder())
