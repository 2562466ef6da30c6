"""durable_sfn: Durable Functions-style orchestrators in plain async Python, run on AWS Step Functions."""

from durable_sfn.compiler import CompileError, compile_orchestrator
from durable_sfn.dsl import (
    ActivityDefinition,
    DefinitionError,
    OrchestrationContext,
    OrchestrationError,
    OrchestratorDefinition,
    RetryOptions,
    activity,
    orchestrator,
)

__all__ = [
    "ActivityDefinition",
    "CompileError",
    "DefinitionError",
    "OrchestrationContext",
    "OrchestrationError",
    "OrchestratorDefinition",
    "RetryOptions",
    "activity",
    "compile_orchestrator",
    "orchestrator",
]
