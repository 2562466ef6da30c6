"""`break` and `continue` out of a `try ... finally` inside a loop: the finally block runs first,
then the loop goes on or ends, as in Python; an error the finally block raises propagates, and a
`break` in the finally block ends the loop even while an error is in flight (Python drops it).

Each orchestrator runs direct and compiled on inputs that take every path.
"""

from __future__ import annotations

from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.testing import run_direct, run_local


class Declined(Exception):
    pass


@activity(name="LfStep")
def step(x: Any) -> Any:
    if x == "fail":
        raise Declined("no")
    return x


@orchestrator(name="LfBreakContinue")
async def breaking(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    log = []
    for x in data:
        try:
            r = await ctx.call_activity(step, x)
            if r == "stop":
                break
            if r == "skip":
                continue
            log.append(r)
        except Declined:
            log.append("declined")
            if len(log) > 2:
                break
            continue
        finally:
            log.append("finally")
        log.append("after")
    i = 0
    while i < 3:
        i += 1
        try:
            if i == 2:
                continue
            try:
                if i == 3:
                    break
            finally:
                log.append(f"inner {i}")
        finally:
            log.append(f"outer {i}")
    return log


@orchestrator(name="LfFinallyRaises")
async def raising(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    out = []
    try:
        for x in data:
            try:
                if x == "b":
                    break
                out.append(await ctx.call_activity(step, x))
            finally:
                out.append("f")
                if x == "b" and len(out) > 3:
                    raise ValueError("from finally")
                if x == "fail":
                    break  # noqa: B012 - drops the activity's error, as Python does
    except ValueError as e:
        out.append(str(e))
    return out


@pytest.mark.parametrize(
    ("orch", "data"),
    [
        (breaking, ["a", "stop", "b"]),
        (breaking, ["skip", "a"]),
        (breaking, ["fail", "a", "fail", "fail", "x"]),
        (breaking, []),
        (raising, ["a", "b"]),
        (raising, ["a", "a", "b"]),
        (raising, ["fail", "a"]),
        (raising, ["a", "fail", "b"]),
    ],
)
def test_loop_exits_run_the_finally_block_as_in_python(orch: object, data: JsonValue) -> None:
    direct, local = run_direct(orch, data), run_local(orch, data)  # type: ignore[arg-type]
    assert (local.status, local.error) == (direct.status, direct.error) == ("SUCCEEDED", None)
    assert local.output == direct.output


def test_the_paths_give_pythons_order() -> None:
    assert run_local(breaking, ["a", "stop", "b"]).output == [
        *("a", "finally", "after", "finally"),
        *("inner 1", "outer 1", "outer 2", "inner 3", "outer 3"),
    ]
    assert run_local(raising, ["a", "a", "b"]).output == ["a", "f", "a", "f", "f", "from finally"]
    assert run_local(raising, ["fail", "a"]).output == ["f"]
