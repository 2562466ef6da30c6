"""The names users import from durable_sfn.cdk; changing them is a breaking change."""

from __future__ import annotations

import durable_sfn.cdk


def test_exported_names_are_pinned() -> None:
    assert sorted(durable_sfn.cdk.__all__) == [
        "ActivityFunctions",
        "ActivityGrant",
        "ActivityOptions",
        "AliasDeployment",
        "EntityResources",
        "EventsTable",
        "LayerBuildError",
        "LogLevel",
        "ManagementApi",
        "Orchestration",
        "OrchestrationConfigError",
        "StateMachineType",
        "build_layer",
    ]
    for name in durable_sfn.cdk.__all__:
        assert getattr(durable_sfn.cdk, name) is not None
