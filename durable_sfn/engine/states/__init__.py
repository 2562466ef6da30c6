"""One module per state type; each exposes `run(run: StateRun, raw_input) -> StateOutcome`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from durable_sfn.engine.execution import StateRun


@dataclass(frozen=True)
class StateOutcome:
    """What a state produced: its output, the next state (None ends the flow), assigned variables."""

    output: Any
    next: str | None
    assigned: dict[str, Any] | None = None


def next_of(state: dict[str, Any]) -> str | None:
    return None if state.get("End") else state.get("Next")


Handler = Callable[["StateRun", Any], StateOutcome]


def _handlers() -> dict[str, Handler]:
    from durable_sfn.engine.states import choice, fail, map_, parallel, pass_, succeed, task, wait

    return {
        "Pass": pass_.run,
        "Task": task.run,
        "Choice": choice.run,
        "Wait": wait.run,
        "Succeed": succeed.run,
        "Fail": fail.run,
        "Parallel": parallel.run,
        "Map": map_.run,
    }


class _Lazy(dict[str, Handler]):
    """The dispatch table, filled on first use (state modules import the interpreter)."""

    def get(self, key: str, default: Any = None) -> Any:
        if not self:
            self.update(_handlers())
        return super().get(key, default)


HANDLERS: dict[str, Handler] = _Lazy()
