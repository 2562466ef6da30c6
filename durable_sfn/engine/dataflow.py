"""How data enters and leaves every state, for both query languages: one module, one order.

JSONPath: InputPath -> Parameters -> (work) -> ResultSelector -> ResultPath -> OutputPath.
JSONata:  Arguments -> (work) -> Output, with `$states.input` / `$states.result`.
Assign (both languages) is evaluated with the variable values from *before* the state, and
the new values are applied only after the state's output is computed, so Output and Assign of
the same state never see each other's effects (the AWS rule).
"""

from __future__ import annotations

import threading
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

from durable_sfn.engine import bounds, errors, history, jsonata, payload
from durable_sfn.engine import jsonpath as jp
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.limits import MAX_PAYLOAD_BYTES

# test_state's inspectionData: when set (for one state run), each step records its value here.
inspection: ContextVar[dict[str, Any] | None] = ContextVar("inspection", default=None)


def _record(key: str, value: Any) -> Any:
    seen = inspection.get()
    if seen is not None:
        seen[key] = value
    return value


def is_jsonata(env: EvalEnv) -> bool:
    return env.query_language == "JSONata"


# The JSONPath fields that stand between a state's result and its output.
_RESULT_STEPS = frozenset({"InputPath", "ResultSelector", "ResultPath", "OutputPath", "Assign"})


def result_is_output(state: dict[str, Any]) -> bool:
    """Whether a JSONPath state's result is its output as it is (none of InputPath,
    ResultSelector, ResultPath, OutputPath or Assign), with no test_state inspection recording
    each step: then the steps can be skipped, as each would hand its input on unchanged."""
    return _RESULT_STEPS.isdisjoint(state) and inspection.get() is None


def has_result_steps(state: dict[str, Any]) -> bool:
    """Whether a JSONPath state has any of InputPath, ResultSelector, ResultPath, OutputPath, Assign."""
    return not _RESULT_STEPS.isdisjoint(state)


def inspecting() -> bool:
    """Whether test_state is recording the value after each step (they must then run one by one)."""
    return inspection.get() is not None


def template(value: Any, data: Any, env: EvalEnv, field: str) -> Any:
    """Evaluate a payload template (Parameters/Arguments/ItemSelector/...) in the state's language."""
    if is_jsonata(env):
        return jsonata.evaluate_template(value, env, field)
    return payload.evaluate_template(value, data, env)


def state_input(state: dict[str, Any], raw: Any, env: EvalEnv) -> Any:
    """The effective input: InputPath applied (JSONPath); the raw input in JSONata."""
    if is_jsonata(env) or "InputPath" not in state:
        return _record("afterInputPath", raw) if not is_jsonata(env) else raw
    return _record("afterInputPath", jp.apply_input_path(raw, state["InputPath"], env))


def arguments(state: dict[str, Any], effective_input: Any, env: EvalEnv) -> Any:
    """What a Task/Map/Parallel works on: Parameters (JSONPath) or Arguments (JSONata)."""
    if is_jsonata(env):
        if "Arguments" in state:
            value = jsonata.evaluate_template(state["Arguments"], env, "Arguments")
            check_bounded(value, env.state_name)
            return _record("afterArguments", value)
        return _record("afterArguments", effective_input)
    if "Parameters" in state:
        value = payload.evaluate_template(state["Parameters"], effective_input, env)
        # AWS: the input of a state after Parameters counts against the payload limit.
        check_bounded(value, env.state_name)
        return _record("afterParameters", value)
    return _record("afterParameters", effective_input)


def evaluate_assign(state: dict[str, Any], assign_data: Any, env: EvalEnv) -> dict[str, Any] | None:
    """The variables a state (or a Choice rule, or a Catcher) assigns, computed but not applied."""
    if "Assign" not in state:
        return None
    spec = state["Assign"]
    if is_jsonata(env):
        if jsonata.is_expression(spec):
            value = jsonata.evaluate_expression(spec, env, "Assign")
        else:
            value = jsonata.evaluate_template(spec, env, "Assign")
    else:
        value = payload.evaluate_template(spec, assign_data, env)
    if not isinstance(value, dict):
        raise StatesError(errors.RUNTIME, "The Assign field must evaluate to a JSON object.")
    # Keys written "name.$" in JSONPath templates come back without the suffix already.
    return value


def finish(
    state: dict[str, Any],
    raw_input: Any,
    result: Any,
    env: EvalEnv,
    *,
    has_result: bool,
    assign_data: Any,
) -> tuple[Any, dict[str, Any] | None]:
    """Output and assigned variables of a state that completed normally.

    `result` is the state's work product (a Task's response, a Pass's Result/Parameters, a
    Map's array); `has_result` says whether `$states.result` exists in JSONata mode.
    """
    if is_jsonata(env):
        if has_result:
            _record("result", result)
            env = replace(env, result=result, has_result=True)
        assigned = evaluate_assign(state, None, env)
        if "Output" in state:
            output = jsonata.evaluate_template(state["Output"], env, "Output")
        else:
            output = result if has_result else raw_input
        return output, assigned
    assigned = evaluate_assign(state, assign_data, env)
    _record("result", result)
    if "ResultSelector" in state:
        result = _record(
            "afterResultSelector", payload.evaluate_template(state["ResultSelector"], result, env)
        )
    combined = _record(
        "afterResultPath", jp.apply_result_path(raw_input, result, state.get("ResultPath", "$"))
    )
    output = jp.apply_output_path(combined, state["OutputPath"], env) if "OutputPath" in state else combined
    return output, assigned


def plain_output(
    state: dict[str, Any], raw_input: Any, effective_input: Any, env: EvalEnv
) -> tuple[Any, dict[str, Any] | None]:
    """Output of a state without a result (Wait, Succeed, Choice): OutputPath or Output."""
    if is_jsonata(env):
        assigned = evaluate_assign(state, None, env)
        output = jsonata.evaluate_template(state["Output"], env, "Output") if "Output" in state else raw_input
        return output, assigned
    assigned = evaluate_assign(state, effective_input, env)
    output = (
        jp.apply_output_path(effective_input, state["OutputPath"], env)
        if "OutputPath" in state
        else effective_input
    )
    return output, assigned


def caught(
    catcher: dict[str, Any], raw_input: Any, error_output: dict[str, Any], env: EvalEnv
) -> tuple[Any, dict[str, Any] | None]:
    """Output and assigned variables when a Catcher handles an error."""
    if is_jsonata(env):
        env = replace(env, error_output=error_output, has_error_output=True)
        assigned = evaluate_assign(catcher, None, env)
        output = (
            jsonata.evaluate_template(catcher["Output"], env, "Output")
            if "Output" in catcher
            else error_output
        )
        return output, assigned
    assigned = evaluate_assign(catcher, error_output, env)
    output = jp.apply_result_path(raw_input, error_output, catcher.get("ResultPath", "$"))
    return output, assigned


# A JSON container as values between states hold them. Named once: `dict | list | tuple` written
# inside isinstance() builds a new union object on every call.
_CONTAINER = (dict, list, tuple)

# The last container this thread measured (check_bounded) and wrote out (check_size). A state
# usually hands on the very object it just checked (Parameters become the output, a Task's
# result its output), and the engine never changes a value in place once built, so the same
# object is not measured or written twice in a row.
_last = threading.local()


def check_size(value: Any, state_name: str) -> str:
    """AWS's 256 KiB limit on any payload passed between states; returns the payload's JSON text."""
    written = getattr(_last, "written", None)
    if written is not None and written[0] is value:
        return str(written[1])
    check_bounded(value, state_name)
    text = history.to_json(value)
    if len(text) * 4 > MAX_PAYLOAD_BYTES and len(text.encode()) > MAX_PAYLOAD_BYTES:
        raise _too_large(state_name)
    if isinstance(value, _CONTAINER):
        _last.written = (value, text)
    return text


def check_bounded(value: Any, state_name: str) -> None:
    """Refuse, before writing it out, a value far past the payload limit or nested too deep.

    A value can share one object many times (a template naming `$` a thousand times): small in
    memory, gigabytes as text. Measuring stops as soon as it passes the limit.
    """
    if not isinstance(value, _CONTAINER):
        if isinstance(value, str) and len(value) + 2 > MAX_PAYLOAD_BYTES:
            raise _too_large(state_name)
        return
    if getattr(_last, "measured", None) is value:
        return
    measure = _flat_extent(value)
    if measure is not None:
        size, levels = measure
        if size <= MAX_PAYLOAD_BYTES and levels <= bounds.MAX_JSON_DEPTH:
            _last.measured = value
            return
        if levels == 1:
            raise _too_large(state_name)
        # Past a bound with nested parts: the walk below says which bound, as it always has.
    try:
        bounds.json_extent(value, max_chars=MAX_PAYLOAD_BYTES)
        _last.measured = value
    except bounds.BoundExceeded as exc:
        if exc.code == "D1014":
            raise StatesError(
                errors.RUNTIME,
                f"The state/task '{state_name}' returned a result nested more than "
                f"{bounds.MAX_JSON_DEPTH} levels deep.",
            ) from None
        raise _too_large(state_name) from None


# Longest flat container measured by `_flat_extent` (a longer one goes to the full walk, which
# stops as soon as the bound passes).
_FLAT_ITEMS = 64


def _flat_extent(value: dict[Any, Any] | list[Any] | tuple[Any, ...]) -> tuple[int, int] | None:
    """`bounds.json_measure` (size as JSON text, levels of containers) of a short container whose
    members are scalars or lists and objects a JSONata evaluation just measured
    (`jsonata.measured`); None for any other.

    Most payloads between states are a few scalar fields, and Assign puts freshly measured
    JSONata results in a new object; for those the full walk (a stack of pending nodes, a depth
    per node) costs more than the state's own work. The counts are the same.
    """
    if len(value) > _FLAT_ITEMS:
        return None
    total = 2 + max(0, len(value) - 1)
    levels = 1
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, str):
                total += len(child) + 2
            elif isinstance(child, _CONTAINER):
                known = jsonata.measured(child)
                if known is None:
                    return None
                total += known[0]
                if known[1] >= levels:
                    levels = known[1] + 1
            else:
                total += 1
            total += len(key if type(key) is str else str(key)) + 3
        return total, levels
    for child in value:
        if isinstance(child, str):
            total += len(child) + 2
        elif isinstance(child, _CONTAINER):
            known = jsonata.measured(child)
            if known is None:
                return None
            total += known[0]
            if known[1] >= levels:
                levels = known[1] + 1
        else:
            total += 1
    return total, levels


def _too_large(state_name: str) -> StatesError:
    return StatesError(
        errors.DATA_LIMIT_EXCEEDED,
        f"The state/task '{state_name}' returned a result with a size exceeding the maximum number of bytes service limit.",
    )
