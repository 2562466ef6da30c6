"""The errors users raise and catch: the bottom of the package, importing nothing of ours.

`DefinitionError` reports a decorator used in a way that cannot be deployed. `OrchestrationError`
is the base of errors an orchestrator can catch; the entity errors below subclass it. Each reaches
a calling orchestrator through Lambda's error shape, so Step Functions reports Error = the class
name: that is what lets an orchestrator write `except UnknownOperationError:` and get a Catch on
"UnknownOperationError", and lets the direct runner raise them into orchestrator code with the same
`error` / `cause` attributes.

`durable_sfn`, `durable_sfn.dsl` and `durable_sfn.entities` re-export these names.
"""

from __future__ import annotations


class DefinitionError(ValueError):
    """A decorator was used in a way that cannot be deployed (bad name, wrong signature)."""


class OrchestrationError(Exception):
    """Base of errors an orchestrator can catch: `error` and `cause` are the Step Functions Error
    and Cause, `message` is `str(e)`."""

    def __init__(self, cause: str = "", *, error: str | None = None) -> None:
        super().__init__(cause)
        self.error = error or type(self).__name__
        self.cause = cause
        self.message = cause


class ToleratedFailureExceeded(OrchestrationError):
    """More children of a fan-out over S3 items failed than it tolerates (Step Functions' error
    States.ExceedToleratedFailureThreshold)."""

    def __init__(self, cause: str = "The specified tolerated failure threshold was exceeded") -> None:
        super().__init__(cause, error="States.ExceedToleratedFailureThreshold")


# -- entities -------------------------------------------------------------------------------


class EntityError(OrchestrationError):
    """Base of the errors the entity runtime raises itself (user code may raise anything)."""


class UnknownEntityError(EntityError):
    """The entity name is not hosted by the function that received the operation.

    Usually a deployment mismatch: the entity is missing from `DURABLE_SFN_ENTITY` (or from the
    `entities=[...]` of `EntityResources`), or the caller misspelt the name.
    """


class UnknownOperationError(EntityError):
    """The entity does not handle the operation.

    Raised by the runtime when `@entity(operations=...)` does not list it, and by entity code
    (`raise ctx.unknown_operation()`) from the fall-through branch of its dispatch.
    """


class EntityBusyError(EntityError):
    """Too many concurrent writers: the operation lost every optimistic-concurrency round.

    Nothing was applied. It is safe to retry with the same operation id (Step Functions Retry
    does exactly that), which keeps the exactly-once guarantee.
    """


class EntityStateError(EntityError):
    """The state, input or result cannot be stored: not JSON, or larger than a DynamoDB item allows."""


class EntityRequestError(EntityError):
    """The event given to the entity function is not an entity call, signal or SQS batch."""
