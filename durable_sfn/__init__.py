"""durable_sfn: Durable Functions-style orchestrators in plain async Python, run on AWS Step Functions."""

from durable_sfn.client import (
    InstanceNotFoundError,
    InstanceNotRunningError,
    OrchestrationClient,
    OrchestrationClientError,
    OrchestrationStatus,
)
from durable_sfn.compiler import CompileError, compile_orchestrator
from durable_sfn.dsl import (
    ActivityDefinition,
    DefinitionError,
    DurableHttpResponse,
    JsonValue,
    OrchestrationContext,
    OrchestrationError,
    OrchestratorDefinition,
    RetryOptions,
    S3Location,
    Task,
    activity,
    orchestrator,
)
from durable_sfn.entities import EntityContext, EntityId, UnknownEntityError, UnknownOperationError, entity
from durable_sfn.errors import ToleratedFailureExceeded

__all__ = [
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
