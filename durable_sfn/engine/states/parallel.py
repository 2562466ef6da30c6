"""Parallel: run every branch concurrently on the same input; fail fast on the first failure."""

from __future__ import annotations

import copy
from typing import Any

from durable_sfn.engine import dataflow
from durable_sfn.engine.branch import Aborted, Branch
from durable_sfn.engine.fanout import fan_out
from durable_sfn.engine.states.base import StateOutcome, StateRun, next_of


def run(run: StateRun, raw: Any) -> StateOutcome:
    state, env = run.state, run.env
    effective = dataflow.state_input(state, raw, env)
    branch_input = dataflow.arguments(state, effective, env)
    branches = state.get("Branches", [])
    run.event("ParallelStateStarted")
    parent = run.branch

    def make(index: int) -> Branch:
        # Branches see the outer variables but their Assigns stay in the branch.
        return Branch(
            parent.clock,
            parent.history,
            copy.copy(parent.variables),
            parent=parent,
            last_event=parent.last_event,
            key=parent.child_key(index),
        )

    def work(index: int, branch: Branch) -> Any:
        return run.run_graph(branch, branches[index], branch_input)

    outcomes = fan_out(parent.clock, len(branches), len(branches), make, work, lambda o: True)
    failed = next((o for o in outcomes if o.error is not None), None)
    if failed is not None and failed.error is not None:
        raise failed.error
    if parent.cancelled or any(o.aborted for o in outcomes):
        raise Aborted()
    # AWS writes ParallelStateSucceeded after the branch events, before ParallelStateExited
    # (as Map writes MapStateSucceeded).
    run.event("ParallelStateSucceeded")
    result = [o.value for o in outcomes]
    output, assigned = dataflow.finish(state, raw, result, env, has_result=True, assign_data=result)
    return StateOutcome(output, next_of(state), assigned)
