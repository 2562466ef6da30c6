"""One module per state type, each a plain function behind one signature.

    def run(run: StateRun, raw_input: Any) -> StateOutcome

`StateRun` carries the state's definition, its evaluation environment, the branch it runs on
and the engine services; `StateOutcome` is the output, the next state and the assigned
variables (see `base.py`). A state module returns its result and raises `StatesError` on
failure; the interpreter (`execution.py`) does everything around it: history entered/exited
events, Retry and Catch, the payload size limit, applying Assign. Adding a state type is one
module and one line in `HANDLERS`.
"""

from __future__ import annotations

from durable_sfn.engine.states import choice, fail, map_, parallel, pass_, succeed, task, wait
from durable_sfn.engine.states.base import Services, StateHandler, StateOutcome, StateRun

HANDLERS: dict[str, StateHandler] = {
    "Pass": pass_.run,
    "Task": task.run,
    "Choice": choice.run,
    "Wait": wait.run,
    "Succeed": succeed.run,
    "Fail": fail.run,
    "Parallel": parallel.run,
    "Map": map_.run,
}
"""The module that runs each state `Type`."""

__all__ = ["HANDLERS", "Services", "StateHandler", "StateOutcome", "StateRun"]
