"""Step Functions Local MockConfigFile support (StateMachines / TestCases / MockedResponses).

Selecting a test case works as with AWS's Step Functions Local: start the execution with
`stateMachineArn="<state machine ARN>#<TestCase>"`. Mocked Task states return the configured
`Return` value or fail with the configured `Throw` error, per invocation of the state in the
execution (`"0"`, `"1-2"`, ...; a retry and a loop's next pass are both a new invocation), and
each entry may repeat (`"0-2"` covers the first three invocations). As in Step Functions Local,
a mocked state never calls the service: an invocation that no entry covers fails the state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from durable_sfn.engine import errors
from durable_sfn.engine.errors import StatesError


class MockConfigError(ValueError):
    """The mock configuration is malformed; the message names the offending entry."""


@dataclass(frozen=True)
class MockConfig:
    state_machines: dict[str, Any]
    responses: dict[str, Any]

    @classmethod
    def load(cls, source: str | Path | dict[str, Any]) -> MockConfig:
        if isinstance(source, dict):
            data = source
        else:
            path = Path(source)
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise MockConfigError(f"Cannot read mock config {path}: {exc}") from None
        if not isinstance(data, dict):
            raise MockConfigError("A mock config is a JSON object with StateMachines and MockedResponses.")
        machines = data.get("StateMachines", {})
        responses = data.get("MockedResponses", {})
        for sm_name, sm in machines.items():
            for case, mapping in (sm.get("TestCases") or {}).items():
                for state, response_name in mapping.items():
                    if response_name not in responses:
                        raise MockConfigError(
                            f"StateMachines.{sm_name}.TestCases.{case}.{state} refers to MockedResponses "
                            f"'{response_name}', which is not defined."
                        )
        return cls(machines, responses)

    def mocks(self, machine: str, case: str, state: str) -> bool:
        """True when the test case mocks `state` (it then never reaches the service)."""
        test_case = (self.state_machines.get(machine, {}).get("TestCases") or {}).get(case)
        return test_case is not None and state in test_case

    def response(self, machine: str, case: str, state: str, invocation: int) -> dict[str, Any] | None:
        """The mocked Return/Throw for the `invocation`-th (0-based) run of `state`, or None if
        the state is not mocked. A mocked state with no entry for `invocation` is a States.Runtime
        error naming the test case and state."""
        test_case = (self.state_machines.get(machine, {}).get("TestCases") or {}).get(case)
        if test_case is None or state not in test_case:
            return None
        entries = self.responses[test_case[state]]
        for key, value in entries.items():
            low, _, high = str(key).partition("-")
            if int(low) <= invocation <= int(high or low):
                return dict(value)
        raise StatesError(
            errors.RUNTIME,
            f"The mock config's test case '{case}' of state machine '{machine}' has no response for "
            f"invocation {invocation} of state '{state}' (MockedResponses '{test_case[state]}' covers "
            f"{', '.join(map(str, entries))}); a mocked state never calls the service.",
        )
