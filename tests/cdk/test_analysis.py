"""What the construct reads off a compiled definition: integrations, placeholders, Express limits."""

from __future__ import annotations

from typing import Any

import pytest

from durable_sfn.cdk import OrchestrationConfigError
from durable_sfn.cdk._private.analysis import analyse


def _task(resource: str, arguments: dict[str, Any], **extra: object) -> dict[str, Any]:
    return {"Type": "Task", "Resource": resource, "Arguments": arguments, "End": True, **extra}


def _definition(states: dict[str, Any]) -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", "StartAt": next(iter(states)), "States": states}


def test_classifies_activities_children_and_the_event_waiter_in_nested_states() -> None:
    definition = _definition(
        {
            "Fan out": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Charge",
                    "States": {
                        "Charge": _task(
                            "arn:aws:states:::lambda:invoke", {"FunctionName": "${Charge}", "Payload": 1}
                        )
                    },
                },
                "Next": "Both",
            },
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Child",
                        "States": {
                            "Child": _task(
                                "arn:aws:states:::states:startExecution.sync:2",
                                {"StateMachineArn": "${ChildOrch}"},
                            )
                        },
                    },
                    {
                        "StartAt": "Wait for Approval",
                        "States": {
                            "Wait for Approval": _task(
                                "arn:aws:states:::lambda:invoke.waitForTaskToken",
                                {"FunctionName": "${DurableEventWaiter}", "Payload": {}},
                            )
                        },
                    },
                ],
                "End": True,
            },
        }
    )
    found = analyse(definition)
    assert dict(found.activities) == {"Charge": ("Charge",)}
    assert dict(found.sub_orchestrations) == {"ChildOrch": ("Child",)}
    assert found.sync_sub_orchestrations == {"ChildOrch"}
    assert found.sync_states == ("Child",)
    assert found.task_token_states == ("Wait for Approval",) == found.event_waiter_states
    assert found.waits_for_events
    assert found.placeholders == {"Charge", "ChildOrch", "DurableEventWaiter"}


def test_fire_and_forget_children_need_no_sync_permissions() -> None:
    found = analyse(
        _definition(
            {"Start": _task("arn:aws:states:::states:startExecution", {"StateMachineArn": "${Other}"})}
        )
    )
    assert dict(found.sub_orchestrations) == {"Other": ("Start",)}
    assert found.sync_sub_orchestrations == frozenset() and found.sync_states == ()


def test_continue_as_new_by_context_reference_starts_itself() -> None:
    found = analyse(
        _definition(
            {
                "Again": _task(
                    "arn:aws:states:::states:startExecution",
                    {"StateMachineArn": "{% $states.context.StateMachine.Id %}", "Input": 1},
                )
            }
        )
    )
    assert found.starts_itself and not found.sub_orchestrations


def test_a_placeholder_outside_a_known_integration_is_rejected() -> None:
    definition = _definition({"Note": {"Type": "Pass", "Output": "${Mystery}", "End": True}})
    with pytest.raises(OrchestrationConfigError, match=r"\$\{Mystery\}"):
        analyse(definition)


def test_a_literal_function_name_is_rejected_with_the_state_name() -> None:
    definition = _definition(
        {"Call": _task("arn:aws:states:::lambda:invoke", {"FunctionName": "my-function", "Payload": 1})}
    )
    with pytest.raises(OrchestrationConfigError, match=r"state 'Call'.*placeholder"):
        analyse(definition)
