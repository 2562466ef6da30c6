"""Choice: input, output and Assign around the rule matching of `engine/choice_rules.py`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from durable_sfn.engine import dataflow
from durable_sfn.engine.choice_rules import choose_next
from durable_sfn.engine.states.base import StateOutcome, StateRun


def run(run: StateRun, raw: Any) -> StateOutcome:
    state = run.state
    env = run.env
    effective = dataflow.state_input(state, raw, env)
    rule_env = env if dataflow.is_jsonata(env) else replace(env, input=effective)
    chosen = choose_next(state, rule_env)
    # The matched rule's Assign entries win over the state's; its Output replaces the state's.
    merged = dict(state)
    if chosen.rule_assign is not None:
        state_assign = state.get("Assign")
        if isinstance(state_assign, dict):
            merged["Assign"] = {**state_assign, **chosen.rule_assign}
        else:
            merged["Assign"] = chosen.rule_assign
    if chosen.has_rule_output:
        merged["Output"] = chosen.rule_output
    output, assigned = dataflow.plain_output(merged, raw, effective, env)
    return StateOutcome(output, chosen.next_state, assigned)
