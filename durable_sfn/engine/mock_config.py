"""Step Functions Local MockConfigFile support (StateMachines / TestCases / MockedResponses).

Selecting a test case works as with AWS's Step Functions Local: start the execution with
`stateMachineArn="<state machine ARN>#<TestCase>"`. Mocked Task states return the configured
`Return` value or fail with the configured `Throw` error, per attempt (`"0"`, `"1-2"`, ...), and
each entry may repeat (`"0-2"` covers the first three attempts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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

    def response(self, machine: str, case: str, state: str, attempt: int) -> dict[str, Any] | None:
        """The mocked Return/Throw for `state` on `attempt` (0-based), or None if not mocked."""
        test_case = (self.state_machines.get(machine, {}).get("TestCases") or {}).get(case)
        if test_case is None or state not in test_case:
            return None
        entries = self.responses[test_case[state]]
        for key, value in entries.items():
            low, _, high = str(key).partition("-")
            if int(low) <= attempt <= int(high or low):
                return dict(value)
        return None
