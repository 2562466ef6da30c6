"""Fail: ends the flow with an error and cause (literal, JSONPath ErrorPath/CausePath, or JSONata)."""

from __future__ import annotations

from typing import Any

from durable_sfn.engine import dataflow, errors, jsonata
from durable_sfn.engine import jsonpath as jp
from durable_sfn.engine.errors import ReportedError, StatesError
from durable_sfn.engine.states.base import StateOutcome, StateRun


class FailStateError(ReportedError):
    """A Fail state's error; `error`/`cause` may be absent (None), unlike other failures."""

    def __init__(self, error: str | None, cause: str | None) -> None:
        super().__init__(error or "", cause or "")
        self.missing_error = error is None
        self.missing_cause = cause is None


def run(run: StateRun, raw: Any) -> StateOutcome:
    state, env = run.state, run.env
    error: str | None
    cause: str | None
    if dataflow.is_jsonata(env):
        error = (
            _text(jsonata.evaluate_template(state["Error"], env, "Error"), "Error")
            if "Error" in state
            else None
        )
        cause = (
            _text(jsonata.evaluate_template(state["Cause"], env, "Cause"), "Cause")
            if "Cause" in state
            else None
        )
    else:
        error = state.get("Error")
        cause = state.get("Cause")
        if "ErrorPath" in state:
            error = _text(_select(raw, state["ErrorPath"], env, "ErrorPath"), "ErrorPath")
        if "CausePath" in state:
            cause = _text(_select(raw, state["CausePath"], env, "CausePath"), "CausePath")
    raise FailStateError(error, cause)


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise StatesError(
            errors.RUNTIME, f"The {field} field must evaluate to a string, but was: {jp.to_json_text(value)}"
        )
    return value


def _select(data: Any, path: str, env: Any, field: str) -> Any:
    if path.startswith("States."):
        return dataflow.template({f"{field}.$": path}, data, env, field)[field]
    try:
        return jp.select(data, path, env)
    except jp.JsonPathNotFound:
        raise StatesError(
            errors.RUNTIME,
            f"The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{jp.to_json_text(data)}'",
        ) from None
