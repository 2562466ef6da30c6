"""What an expression inside a state can see: the one value passed to every evaluator.

JSONPath evaluators read `input`, `context` (`$$`) and `variables`; JSONata evaluators read the
same through the `$states` binding plus the variables. Keeping it in one record means the
interpreter builds it once per state and every evaluator gets the same view. Nothing assigns to
it after it is built (`dataclasses.replace` makes a changed copy); it is not a frozen dataclass
only because building a frozen one costs three times as much, and one is built per state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from durable_sfn.engine.bounds import DEFAULT_LIMITS, EvaluationLimits

QueryLanguage = Literal["JSONPath", "JSONata"]


@dataclass(slots=True)
class EvalEnv:
    state_name: str
    query_language: QueryLanguage
    input: Any
    context: dict[str, Any]
    variables: dict[str, Any] = field(default_factory=dict)
    # Set only after a Task/Parallel/Map produced a result ($states.result) or failed
    # ($states.errorOutput, inside Catch).
    result: Any = None
    has_result: bool = False
    error_output: Any = None
    has_error_output: bool = False
    # Bounds of each evaluation, and whether the execution was stopped (in-flight evaluations end).
    limits: EvaluationLimits = DEFAULT_LIMITS
    cancelled: Callable[[], bool] = field(default=lambda: False, repr=False, compare=False)
    # The engine's clock (virtual or real): `$now()` and `$millis()` read it when evaluated.
    now: Callable[[], datetime] | None = field(default=None, repr=False, compare=False)

    def jsonata_states(self) -> dict[str, Any]:
        """The `$states` reserved variable, holding only the fields defined at this point."""
        states: dict[str, Any] = {"input": self.input, "context": self.context}
        if self.has_result:
            states["result"] = self.result
        if self.has_error_output:
            states["errorOutput"] = self.error_output
        return states
