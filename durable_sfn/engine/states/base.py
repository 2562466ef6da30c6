"""What every state module shares: its input (`StateRun`), its result (`StateOutcome`) and the
engine services it may call.

A state module is a plain function `run(run: StateRun, raw_input) -> StateOutcome`. It reaches
the interpreter only through the values in `StateRun`: `run_graph` runs a nested flow (a
Parallel branch, a Map iteration) and `services` is the engine hosting the execution. So the
interpreter (`execution.py`) imports the state modules, and no state module imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from durable_sfn.engine.bounds import EvaluationLimits
from durable_sfn.engine.branch import Branch
from durable_sfn.engine.clock import Clock
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.integrations.aws_clients import AwsClients
from durable_sfn.engine.integrations.callbacks import TokenRegistry
from durable_sfn.engine.integrations.http import HttpReach
from durable_sfn.engine.integrations.lambda_ import LambdaFunctions
from durable_sfn.engine.integrations.nested import ExecutionStarter
from durable_sfn.engine.map_runs import MapRunRegistry


class Services(LambdaFunctions, AwsClients, ExecutionStarter, TokenRegistry, HttpReach, Protocol):
    """What an execution needs from the engine that hosts it (implemented by the client)."""

    clock: Clock
    evaluation_limits: EvaluationLimits
    map_runs: MapRunRegistry  # the Distributed Maps' progress (DescribeMapRun)

    def mocked_response(self, execution_arn: str, state_name: str, attempt: int) -> dict[str, Any] | None:
        """The mock-config answer for this run of the Task (`{"Return": ...}` / `{"Throw": ...}`), if any.

        `attempt` is the state's retry count; a mock config indexes its responses per invocation
        of the state instead, which the implementation counts itself."""
        ...


RunGraph = Callable[[Branch, dict[str, Any], Any], Any]
"""Run a flow (`{"StartAt": ..., "States": ...}`) on a branch from an input; returns its output."""


@dataclass(slots=True)
class StateOutcome:
    """What a state produced: its output, the next state (None ends the flow), assigned variables.

    Never changed once made (slotted rather than frozen: one is made per state, and a frozen
    dataclass costs three times as much to build).

    `resume_at`: the state is done, but the flow goes on only at that time (a Wait in a flow that
    can park, see `Branch.can_park`); the interpreter then lets go of its thread meanwhile.
    """

    output: Any
    next: str | None
    assigned: dict[str, Any] | None = None
    resume_at: datetime | None = None


@dataclass(slots=True)
class StateRun:
    """Everything a state module sees for one attempt of one state."""

    services: Services
    execution_arn: str
    branch: Branch
    name: str
    state: dict[str, Any]
    env: EvalEnv
    entered_event: int
    run_graph: RunGraph

    @property
    def clock(self) -> Clock:
        return self.branch.clock

    def event(self, event_type: str, **details: Any) -> int:
        return self.branch.event(event_type, **details)


StateHandler = Callable[[StateRun, Any], StateOutcome]
"""The one signature of every state module's `run`."""


def next_of(state: dict[str, Any]) -> str | None:
    """The state's `Next`, or None when it ends the flow (`End: true`)."""
    return None if state.get("End") else state.get("Next")
