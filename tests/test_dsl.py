"""The authoring API: decorators record definitions, the context is abstract, exports are pinned."""

from __future__ import annotations

import inspect
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import durable_sfn
import durable_sfn.testing
from durable_sfn import (
    DefinitionError,
    OrchestrationContext,
    OrchestrationError,
    RetryOptions,
    activity,
    orchestrator,
)
from durable_sfn.dsl import activity_definition, orchestrator_definition
from durable_sfn.testing.direct import DirectContext


@activity
def validate_order(order_id: str) -> dict[str, bool]:
    return {"IsValid": bool(order_id)}


@activity(name="ValidateOrderActivity")
def validate_order_named(order_id: str) -> dict[str, bool]:
    return {"IsValid": bool(order_id)}


@orchestrator
async def order_processing(ctx: OrchestrationContext) -> None:
    return None


@orchestrator(name="OrderProcessingOrchestration")
async def order_processing_with_input(ctx: OrchestrationContext, order_id: str) -> None:
    return None


def test_activity_names_default_to_pascal_case_and_can_be_given() -> None:
    assert activity_definition(validate_order).name == "ValidateOrder"  # type: ignore[union-attr]
    definition = activity_definition(validate_order_named)
    assert definition is not None
    assert (definition.name, definition.function, definition.source_file) == (
        "ValidateOrderActivity",
        validate_order_named,
        __file__,
    )
    assert definition.line == inspect.getsourcelines(validate_order_named)[1]
    assert validate_order_named("o-1") == {"IsValid": True}  # still a plain function


def test_orchestrator_definitions_record_the_input_parameter() -> None:
    plain = orchestrator_definition(order_processing)
    with_input = orchestrator_definition(order_processing_with_input)
    assert plain is not None and with_input is not None
    assert (plain.name, plain.input_parameter) == ("OrderProcessing", None)
    assert (with_input.name, with_input.input_parameter) == ("OrderProcessingOrchestration", "order_id")
    assert orchestrator_definition(validate_order) is None
    assert activity_definition(order_processing) is None


def test_decorator_misuse_fails_at_definition_time_with_location() -> None:
    with pytest.raises(DefinitionError, match="must be a plain def"):

        @activity
        async def not_sync(x: int) -> int:
            return x

    with pytest.raises(DefinitionError, match="must be declared with 'async def'"):

        @orchestrator
        def not_async(ctx: OrchestrationContext) -> None:
            return None

    with pytest.raises(DefinitionError, match=r"test_dsl\.py:\d+: activity name 'bad name!' is not valid"):

        @activity(name="bad name!")
        def bad(x: int) -> int:
            return x


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"first_retry_interval": timedelta(seconds=1), "max_number_of_attempts": 0}, "at least 1"),
        (
            {"first_retry_interval": timedelta(milliseconds=10), "max_number_of_attempts": 2},
            "at least 1 second",
        ),
        (
            {
                "first_retry_interval": timedelta(seconds=1),
                "max_number_of_attempts": 2,
                "backoff_coefficient": 0.5,
            },
            "backoff_coefficient",
        ),
    ],
)
def test_retry_options_reject_what_step_functions_cannot_express(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(DefinitionError, match=message):
        RetryOptions(**kwargs)


def test_orchestration_error_carries_step_functions_error_and_cause() -> None:
    class PaymentDeclined(OrchestrationError):
        pass

    error = PaymentDeclined("card expired")
    assert (error.error, error.cause, str(error)) == ("PaymentDeclined", "card expired", "card expired")
    assert OrchestrationError("x", error="Custom.Error").error == "Custom.Error"


def test_the_context_is_abstract_and_the_direct_runner_implements_all_of_it() -> None:
    with pytest.raises(TypeError):
        OrchestrationContext()  # type: ignore[abstract]
    assert not inspect.isabstract(DirectContext)
    durable_names = {
        "get_input",
        "instance_id",
        "current_utc_datetime",
        "new_uuid",
        "set_custom_status",
        "call_activity",
        "call_activity_with_retry",
        "call_sub_orchestrator",
        "call_sub_orchestrator_with_retry",
        "call_entity",
        "call_http",
        "signal_entity",
        "create_timer",
        "wait_for_external_event",
        "task_all",
        "continue_as_new",
    }
    assert OrchestrationContext.__abstractmethods__ == durable_names
    task_all = inspect.signature(OrchestrationContext.task_all)
    assert [p.name for p in task_all.parameters.values() if p.kind is p.KEYWORD_ONLY] == [
        "max_concurrency",
        "distributed",
        "tolerated_failure_percentage",
        "tolerated_failure_count",
        "results_to",
        "label",
        "express",
    ]


def test_the_package_ships_type_information() -> None:
    assert Path(durable_sfn.__file__).with_name("py.typed").exists()


def test_public_names_are_pinned() -> None:
    # A change to the public API is deliberate: update these lists in the same commit.
    assert sorted(durable_sfn.__all__) == sorted(PUBLIC_NAMES)
    assert sorted(durable_sfn.testing.__all__) == sorted(TESTING_NAMES)
    for module in (durable_sfn, durable_sfn.testing):
        for name in module.__all__:
            assert getattr(module, name) is not None, f"{module.__name__}.{name} is exported but missing"


PUBLIC_NAMES = [
    "ActivityDefinition",
    "CompileError",
    "DefinitionError",
    "DurableHttpResponse",
    "EntityContext",
    "EntityId",
    "InstanceNotFoundError",
    "InstanceNotRunningError",
    "JsonValue",
    "OrchestrationClient",
    "OrchestrationClientError",
    "OrchestrationContext",
    "OrchestrationError",
    "OrchestrationStatus",
    "OrchestratorDefinition",
    "RetryOptions",
    "S3Location",
    "Task",
    "ToleratedFailureExceeded",
    "UnknownEntityError",
    "UnknownOperationError",
    "activity",
    "compile_orchestrator",
    "entity",
    "orchestrator",
]
TESTING_NAMES = [
    "ActivityCall",
    "ActivityNotFoundError",
    "DataLimitExceeded",
    "ExecutionResult",
    "LogRecord",
    "ScheduledEvent",
    "StuckOrchestrationError",
    "run_direct",
    "run_local",
]


TYPED_USE = """
from pydantic import BaseModel

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

class Order(BaseModel):
    OrderId: str

class Validation(BaseModel):
    IsValid: bool

@activity
def validate(order: Order) -> Validation:
    return Validation(IsValid=bool(order.OrderId))

@orchestrator
async def orch(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    validation = await ctx.call_activity(validate, {"OrderId": ctx.get_input()})
    reveal_type(validation)
    results = await ctx.task_all([ctx.call_activity(validate, {"OrderId": "a"}), ctx.call_activity("Validate", 1)])
    reveal_type(results)
    async def branch(order_id: str) -> int:
        await ctx.call_activity(validate, {"OrderId": order_id})
        return 1
    counts = await ctx.task_all([branch("a"), branch("b")])
    reveal_type(counts)
    await ctx.call_activity(42, "x")
    await ctx.create_timer(30)
    return {"Valid": validation["IsValid"], "All": all([r["IsValid"] for r in results])}
"""


def test_the_context_api_is_statically_typed(tmp_path: Path) -> None:
    # Orchestrators pass and receive JSON values: a model-typed activity takes a dict and its
    # result is indexed, without casts. What is not an activity, or not a timer, is still refused.
    from mypy import api

    (tmp_path / "use.py").write_text(TYPED_USE)
    out, _, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(tmp_path / "use.py")]
    )
    assert out.count('Revealed type is "Any"') == 1, out
    assert 'Revealed type is "list[Any]"' in out, out
    assert 'Revealed type is "list[int]"' in out, out
    assert 'Argument 1 to "call_activity" of "OrchestrationContext" has incompatible type "int"' in out, out
    assert 'Argument 1 to "create_timer" of "OrchestrationContext" has incompatible type "int"' in out, out
    assert status == 1 and out.count("error:") == 2, out
