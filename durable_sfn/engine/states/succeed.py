"""Succeed: ends the flow successfully with its (filtered) input."""

from __future__ import annotations

from typing import Any

from durable_sfn.engine import dataflow
from durable_sfn.engine.states.base import StateOutcome, StateRun


def run(run: StateRun, raw: Any) -> StateOutcome:
    effective = dataflow.state_input(run.state, raw, run.env)
    output, assigned = dataflow.plain_output(run.state, raw, effective, run.env)
    return StateOutcome(output, None, assigned)
