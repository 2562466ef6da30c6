"""Programmer errors fail while the app is constructed (or validated), with what to change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aws_cdk import App, Stack

from durable_sfn import activity
from durable_sfn.cdk import Orchestration, OrchestrationConfigError, StateMachineType
from durable_sfn.cdk._private.functions import entry_point
from durable_sfn.dsl import activity_definition
from tests.cdk import sample_orchestrations as sample
from tests.cdk.sample_app import events_table


def test_express_is_rejected_for_task_tokens(fresh_stack: Stack) -> None:
    with pytest.raises(OrchestrationConfigError) as error:
        Orchestration(
            fresh_stack, "B", orchestrator=sample.booking, state_machine_type=StateMachineType.EXPRESS
        )
    message = str(error.value)
    assert "sample_orchestrations.py" in message and "'CdkSampleBooking'" in message
    assert "state 'Wait for Confirm' waits for a task token (.waitForTaskToken)" in message
    assert "StateMachineType.STANDARD" in message


def test_express_is_rejected_for_synchronous_children(fresh_stack: Stack) -> None:
    with pytest.raises(OrchestrationConfigError, match=r"runs a nested execution synchronously \(\.sync\)"):
        Orchestration(fresh_stack, "T", orchestrator=sample.trip, state_machine_type=StateMachineType.EXPRESS)


def test_express_timeout_is_capped_at_five_minutes(fresh_stack: Stack) -> None:
    with pytest.raises(OrchestrationConfigError, match="at most 5 minutes"):
        Orchestration(
            fresh_stack,
            "Q",
            orchestrator=sample.quote,
            state_machine_type=StateMachineType.EXPRESS,
            timeout=timedelta(minutes=10),
        )


def test_grants_for_an_activity_the_orchestrator_never_calls(fresh_stack: Stack) -> None:
    with pytest.raises(OrchestrationConfigError, match="does not call; its activities are: PriceSeat"):
        Orchestration(fresh_stack, "Q", orchestrator=sample.quote, activity_grants={"ChargeCard": []})


def test_activities_list_must_match_the_calls(fresh_stack: Stack) -> None:
    with pytest.raises(OrchestrationConfigError, match="never calls it"):
        Orchestration(
            fresh_stack, "Q", orchestrator=sample.quote, activities=[sample.price_seat, sample.charge_card]
        )
    with pytest.raises(OrchestrationConfigError, match=r"calls 'PriceSeat'.*no @activity"):
        Orchestration(fresh_stack, "Q2", orchestrator=sample.quote, activities=[])


def test_orchestrator_must_be_decorated(fresh_stack: Stack) -> None:
    async def plain(ctx: Any) -> None:
        return None

    with pytest.raises(OrchestrationConfigError, match="@orchestrator"):
        Orchestration(fresh_stack, "P", orchestrator=plain)


def test_activities_must_be_importable_by_lambda() -> None:
    @activity(name="Nested")
    def nested(x: int) -> int:
        return x

    definition = activity_definition(nested)
    assert definition is not None
    with pytest.raises(OrchestrationConfigError, match="not a module-level function"):
        entry_point(definition)
    reserve_seat = activity_definition(sample.reserve_seat)
    assert reserve_seat is not None
    assert entry_point(reserve_seat) == "tests.cdk.sample_orchestrations:reserve_seat"


def test_missing_sub_orchestration_fails_validation_at_synth() -> None:
    app = App()
    stack = Stack(app, "Lonely")
    Orchestration(stack, "Trip", orchestrator=sample.trip)
    with pytest.raises(Exception, match="no Orchestration in this app deploys it"):
        app.synth()


def test_state_machine_names_are_unique_per_account_and_region() -> None:
    app = App()
    first, second = Stack(app, "One"), Stack(app, "Two")
    Orchestration(first, "Trip", orchestrator=sample.trip)
    Orchestration(second, "Trip", orchestrator=sample.trip)
    Orchestration(first, "Booking", orchestrator=sample.booking, events_table=events_table(first))
    with pytest.raises(Exception, match="'CdkSampleTrip' is used by both"):
        app.synth()


def test_activities_without_a_requirements_file_are_refused(fresh_stack: Stack, tmp_path: Any) -> None:
    import sys

    package = tmp_path / "bare_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "flow.py").write_text(
        "from durable_sfn import activity, orchestrator\n\n"
        "@activity(name='BareStep')\n"
        "def bare_step(x: int) -> int:\n    return x\n\n"
        "@orchestrator(name='BareFlow')\n"
        "async def bare_flow(ctx):\n    return await ctx.call_activity(bare_step, 1)\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        from bare_pkg import flow  # type: ignore[import-not-found]

        with pytest.raises(OrchestrationConfigError, match=r"'BareStep' has no requirements\.txt.*pydantic"):
            Orchestration(fresh_stack, "Bare", orchestrator=flow.bare_flow)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("bare_pkg")]:
            del sys.modules[name]
