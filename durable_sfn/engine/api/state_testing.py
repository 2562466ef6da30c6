"""`test_state`: run one state in isolation, like AWS's TestState API.

The state runs through the same interpreter as a full execution (same dataflow, same errors),
with an optional `mock` standing in for the Task's integration. Retry is reported rather than
performed (status RETRIABLE), as AWS does; a matching Catch gives status CAUGHT_ERROR.
"""

from __future__ import annotations

import uuid
from typing import Any

from durable_sfn._aws import execution_arn, role_arn, state_machine_arn
from durable_sfn.engine import history, retry
from durable_sfn.engine.api.errors import error
from durable_sfn.engine.bounds import BoundExceeded, load_json
from durable_sfn.engine.branch import Aborted
from durable_sfn.engine.dataflow import caught, inspection
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.execution import Execution, MachineInfo, Parked, locate
from durable_sfn.engine.states.base import Services


class _MockedServices:
    """The client, except that the tested Task answers from `mock`."""

    def __init__(self, inner: Services, mock: dict[str, Any] | None) -> None:
        self._inner = inner
        self._mock = mock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def mocked_response(self, execution_arn: str, state_name: str, attempt: int) -> dict[str, Any] | None:
        if self._mock is None:
            return None
        if "errorOutput" in self._mock:
            err = self._mock["errorOutput"]
            return {"Throw": {"Error": err.get("error", ""), "Cause": err.get("cause", "")}}
        if "result" in self._mock:
            return {"Return": load_json(self._mock["result"])}
        return None


def run_test_state(
    client: Services,
    *,
    definition: str,
    roleArn: str = role_arn("TestState"),
    input: str = "{}",
    inspectionLevel: str = "INFO",
    revealSecrets: bool = False,
    variables: str | None = None,
    stateName: str | None = None,
    mock: dict[str, Any] | None = None,
    **_: Any,
) -> dict[str, Any]:
    try:
        document = load_json(definition)
        value = load_json(input)
        initial_vars = load_json(variables) if variables else {}
    except BoundExceeded as exc:
        raise error("InvalidExecutionInput", f"Invalid input: {exc.message}", "TestState") from None
    except (TypeError, ValueError) as exc:
        raise error(
            "InvalidDefinition",
            f"TestState needs JSON text for definition, input and variables: {exc}",
            "TestState",
        ) from None
    top_language = None
    if isinstance(document, dict) and "States" in document:
        top_language = document.get("QueryLanguage")
        if stateName is None:
            stateName = document.get("StartAt")
        state = document["States"].get(stateName or "")
        if state is None:
            raise error(
                "ValidationException",
                f"The state '{stateName}' does not exist in the definition.",
                "TestState",
            )
    elif isinstance(document, dict) and "Type" in document:
        state = document
        stateName = stateName or "TestState"
    else:
        raise error(
            "InvalidDefinition",
            "TestState needs a state definition or a state machine definition.",
            "TestState",
        )
    name = stateName or "TestState"
    machine_def: dict[str, Any] = {"StartAt": name, "States": {name: state}}
    if top_language:
        machine_def["QueryLanguage"] = top_language
    machine = MachineInfo(
        arn=state_machine_arn("TestState", region=client.region, account=client.account_id),
        name="TestState",
        definition=machine_def,
        role_arn=roleArn,
    )
    execution = Execution(
        services=_MockedServices(client, mock),
        machine=machine,
        arn=execution_arn("TestState", str(uuid.uuid4()), region=client.region, account=client.account_id),
        name="TestState",
        input=value,
        input_text=input,
        start_date=client.clock.now(),
    )
    execution.root.variables.update(initial_vars)
    execution.root.can_park = False  # one state is tested: there is no flow to resume
    run_state = {k: v for k, v in state.items() if k not in ("Retry", "Catch")}
    out: dict[str, Any] = {}
    seen: dict[str, Any] = {}
    token = inspection.set(seen)
    client.clock.enter()
    try:
        try:
            step = execution.run_state(execution.root, name, run_state, value)
            assert not isinstance(step, Parked)  # the root cannot park (above)
            next_name, output, _text = step
            out["status"] = "SUCCEEDED"
            out["output"] = history.to_json(output)
            if next_name:
                out["nextState"] = next_name
        except StatesError as exc:
            located = locate(exc, name, 1)
            out["error"] = located.error
            out["cause"] = located.cause
            attempts = retry.RetryState()
            catcher = retry.find_catcher(state.get("Catch", []), located.error)
            if state.get("Retry") and retry.next_delay(state["Retry"], located.error, attempts) is not None:
                out["status"] = "RETRIABLE"
            elif catcher is not None:
                out["status"] = "CAUGHT_ERROR"
                out["nextState"] = catcher.get("Next")
                env = EvalEnv(
                    name,
                    execution.query_language(state),
                    value,
                    {},
                    execution.root.variables,
                    limits=client.evaluation_limits,
                )
                caught_output, _assigned = caught(
                    catcher, value, {"Error": located.error, "Cause": located.cause}, env
                )
                out["output"] = history.to_json(caught_output)
            else:
                out["status"] = "FAILED"
        except Aborted:
            out["status"] = "FAILED"
    finally:
        client.clock.leave()
        inspection.reset(token)
    if inspectionLevel in ("DEBUG", "TRACE"):
        # AWS reports each intermediate value as JSON text.
        data = {"input": input, **{k: history.to_json(v) for k, v in seen.items()}}
        data["variables"] = history.to_json(execution.root.variables)
        out["inspectionData"] = data
    return out
