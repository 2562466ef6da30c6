"""Our evaluators seen through the harness: (expression, bindings) -> `Outcome`.

The engine's entry point is `evaluate_expression("{% ... %}", env, field)`, which returns a JSON
value or raises `StatesError(States.QueryEvaluationError, cause)` with AWS's cause texts. The
adapter builds the `EvalEnv` from the bindings (`$states` -> input, context, result, errorOutput;
the rest are variables) and reads the outcome back from the cause text, so what is compared is
exactly what a state would see.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import StatesError
from tests.engine.jsonata_js.node import Outcome

Evaluator = Callable[[str, Mapping[str, Any]], Outcome]

_THREW = re.compile(r"threw an error during evaluation\. (?P<rest>.*)\Z", re.S)


class EvaluateExpression(Protocol):
    def __call__(self, expression: str, env: EvalEnv, field: str) -> Any: ...


def env_from_bindings(bindings: Mapping[str, Any]) -> EvalEnv:
    states = bindings.get("states") or {}
    variables = {k: v for k, v in bindings.items() if k != "states"}
    return EvalEnv(
        state_name="S",
        query_language="JSONata",
        input=states.get("input"),
        context=states.get("context") or {},
        variables=variables,
        result=states.get("result"),
        has_result="result" in states,
        error_output=states.get("errorOutput"),
        has_error_output="errorOutput" in states,
    )


def _has_nonfinite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list):
        return any(_has_nonfinite(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nonfinite(v) for v in value.values())
    return False


def outcome_from_cause(cause: str) -> Outcome:
    if cause.endswith("returned nothing (undefined)."):
        return Outcome("undefined")
    if cause.endswith("returned an unsupported result type."):
        return Outcome("unsupported")
    m = _THREW.search(cause)
    if m is None:
        return Outcome.of_error("UNPARSED", cause)
    code, _, message = m.group("rest").partition(": ")
    return Outcome.of_error(code, message)


def engine_evaluator(evaluate: EvaluateExpression) -> Evaluator:
    """An evaluator calling an engine-shaped `evaluate_expression` (ours, or a candidate's)."""

    def run(expression: str, bindings: Mapping[str, Any]) -> Outcome:
        try:
            value = evaluate("{% " + expression + " %}", env_from_bindings(bindings), "Harness")
        except StatesError as exc:
            return outcome_from_cause(exc.cause or "")
        except RecursionError:
            return Outcome.of_error("RecursionError", "escaped the evaluator")
        except Exception as exc:  # anything else escaping the evaluator is a finding of its own
            return Outcome.of_error(f"escaped:{type(exc).__name__}", str(exc))
        if _has_nonfinite(value):
            return Outcome("nonfinite")
        return Outcome.of_value(value)

    return run


def jsonata_python() -> Evaluator:
    """The engine's evaluator (durable_sfn.engine.jsonata, on jsonata-python)."""
    from durable_sfn.engine import jsonata

    return engine_evaluator(jsonata.evaluate_expression)


def jsonatapy_adapter() -> Evaluator | None:
    """The jsonatapy-based prototype (durable_sfn.engine.jsonata_fast), when jsonatapy is installed."""
    try:
        from durable_sfn.engine import jsonata_fast
    except ImportError:
        return None
    return engine_evaluator(jsonata_fast.evaluate_expression)


EVALUATORS: dict[str, Callable[[], Evaluator | None]] = {
    "jsonata-python": jsonata_python,
    "jsonatapy": jsonatapy_adapter,
}
