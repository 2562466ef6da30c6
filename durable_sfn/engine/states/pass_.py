"""Pass: passes its input (or Result/Parameters/Output) through, optionally assigning variables."""

from __future__ import annotations

from typing import Any

from durable_sfn.engine import dataflow, payload
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


def is_plain(state: dict[str, Any]) -> bool:
    """Whether this JSONPath Pass state's output is its Result, its Parameters or its input as
    they are, with Parameters reading the input alone: then `run_plain` gives what `run` does
    without the evaluation view (context object, variables) that `run` is handed.

    A chain of such states is the commonest shape of data passing in JSONPath definitions.
    """
    return not dataflow.has_result_steps(state) and (
        "Result" in state or payload.reads_only_data(state.get("Parameters"))
    )


def run_plain(state: dict[str, Any], raw: Any, name: str) -> StateOutcome:
    """`run` for a state `is_plain` accepts, outside test_state's inspection (which records
    each step: see `dataflow.inspecting`)."""
    if "Result" in state:
        return StateOutcome(state["Result"], next_of(state))
    if "Parameters" not in state:
        return StateOutcome(raw, next_of(state))
    value = payload.evaluate_template(state["Parameters"], raw)
    # AWS: the input of a state after Parameters counts against the payload limit.
    dataflow.check_bounded(value, name)
    return StateOutcome(value, next_of(state))
