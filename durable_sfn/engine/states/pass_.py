"""Pass: passes its input (or Result/Parameters/Output) through, optionally assigning variables."""

from __future__ import annotations

from typing import Any

from durable_sfn.engine import dataflow
from durable_sfn.engine.states.base import StateOutcome, StateRun, next_of


def run(run: StateRun, raw: Any) -> StateOutcome:
    state, env = run.state, run.env
    if dataflow.is_jsonata(env):
        output, assigned = dataflow.finish(state, raw, None, env, has_result=False, assign_data=None)
        return StateOutcome(output, next_of(state), assigned)
    if dataflow.result_is_output(state):
        result = state["Result"] if "Result" in state else dataflow.arguments(state, raw, env)
        return StateOutcome(result, next_of(state))
    effective = dataflow.state_input(state, raw, env)
    if "Result" in state:
        result = state["Result"]
    else:
        result = dataflow.arguments(state, effective, env)
    output, assigned = dataflow.finish(state, raw, result, env, has_result=True, assign_data=result)
    return StateOutcome(output, next_of(state), assigned)
