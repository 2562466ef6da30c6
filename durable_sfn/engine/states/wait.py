"""Wait: the flow goes on when a duration or timestamp passes on the engine clock.

A flow that can park (an execution's top-level flow) hands the deadline back to the interpreter,
which lets go of its thread until then; a Parallel branch or Map iteration blocks its thread.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from durable_sfn.engine import dataflow, errors, jsonata
from durable_sfn.engine import jsonpath as jp
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.states.base import StateOutcome, StateRun, next_of

# ISO-8601 extended offset date-time, as AWS accepts it (a zone designator is mandatory).
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def parse_timestamp(text: Any) -> datetime | None:
    if not isinstance(text, str) or not _TIMESTAMP.match(text):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.astimezone(UTC)


def _deadline(run: StateRun, effective: Any) -> datetime:
    state, env = run.state, run.env
    entered = run.clock.now()
    if dataflow.is_jsonata(env):
        if "Seconds" in state:
            seconds = jsonata.evaluate_template(state["Seconds"], env, "Seconds")
            if (
                isinstance(seconds, bool)
                or not isinstance(seconds, int | float)
                or int(seconds) != seconds
                or seconds < 0
            ):
                raise StatesError(
                    errors.QUERY_EVALUATION_ERROR,
                    f"The Seconds field must evaluate to a non-negative integer, but was: {jp.to_json_text(seconds)}",
                )
            return entered + timedelta(seconds=int(seconds))
        text = jsonata.evaluate_template(state.get("Timestamp"), env, "Timestamp")
        when = parse_timestamp(text)
        if when is None:
            raise StatesError(
                errors.QUERY_EVALUATION_ERROR,
                f"The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {text}",
            )
        return when
    if "Seconds" in state:
        return entered + timedelta(seconds=int(state["Seconds"]))
    if "Timestamp" in state:
        when = parse_timestamp(state["Timestamp"])
        if when is None:
            raise StatesError(
                errors.RUNTIME,
                f"The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {state['Timestamp']}",
            )
        return when
    if "SecondsPath" in state:
        path = state["SecondsPath"]
        value = jp.select(effective, path, env)
        if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
            raise StatesError(
                errors.RUNTIME,
                f"The SecondsPath parameter cannot be parsed as a long value: {path} == {jp.to_json_text(value)}",
            )
        if value < 0:
            raise StatesError(
                errors.RUNTIME,
                f"The SecondsPath parameter references a negative value: {path} == {jp.to_json_text(value)}",
            )
        return entered + timedelta(seconds=int(value))
    if "TimestampPath" in state:
        path = state["TimestampPath"]
        value = jp.select(effective, path, env)
        when = parse_timestamp(value)
        if when is None:
            shown = value if isinstance(value, str) else jp.to_json_text(value)
            raise StatesError(
                errors.RUNTIME,
                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time "
                f"format string: {path} == {shown}",
            )
        return when
    raise StatesError(
        errors.RUNTIME, "A Wait state needs one of Seconds, Timestamp, SecondsPath or TimestampPath."
    )


def run(run: StateRun, raw: Any) -> StateOutcome:
    effective = dataflow.state_input(run.state, raw, run.env)
    deadline = _deadline(run, effective)
    output, assigned = dataflow.plain_output(run.state, raw, effective, run.env)
    if deadline > run.clock.now():
        if run.branch.can_park:
            return StateOutcome(output, next_of(run.state), assigned, resume_at=deadline)
        run.branch.sleep_until(deadline)
    return StateOutcome(output, next_of(run.state), assigned)
