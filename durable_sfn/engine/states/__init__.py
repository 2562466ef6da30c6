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

from collections.abc import Callable
from typing import Any

from durable_sfn.engine.env import QueryLanguage
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

PlainRun = Callable[[dict[str, Any], Any, str], StateOutcome]
"""Run a state from its definition, input and name alone: `(state, raw_input, name) -> outcome`."""


def plain_runner(state: dict[str, Any], query_language: QueryLanguage) -> PlainRun | None:
    """A way to run this state that needs no `StateRun` (evaluation view, services), for the
    states whose output depends on their input alone: a JSONPath Pass that `pass_.is_plain`
    accepts. It gives the same outcome and errors as the state's handler, at a fraction of the
    cost. The interpreter uses it only outside test_state's inspection."""
    if state.get("Type") == "Pass" and query_language == "JSONPath" and pass_.is_plain(state):
        return pass_.run_plain
    return None


__all__ = ["HANDLERS", "PlainRun", "Services", "StateHandler", "StateOutcome", "StateRun", "plain_runner"]
