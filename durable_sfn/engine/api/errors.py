"""Client errors with boto3's shape: `botocore.exceptions.ClientError` subclasses per AWS code.

Code written against boto3 catches `client.exceptions.ExecutionDoesNotExist` or inspects
`err.response["Error"]["Code"]`; both work against the local engine.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

CODES = (
    "ExecutionDoesNotExist",
    "ExecutionAlreadyExists",
    "ExecutionLimitExceeded",
    "StateMachineDoesNotExist",
    "StateMachineAlreadyExists",
    "StateMachineDeleting",
    "StateMachineTypeNotSupported",
    "InvalidDefinition",
    "InvalidArn",
    "InvalidName",
    "InvalidExecutionInput",
    "InvalidOutput",
    "InvalidToken",
    "TaskDoesNotExist",
    "TaskTimedOut",
    "ValidationException",
    "ConflictException",
    "InvalidLoggingConfiguration",
    "ExecutionNotRedrivable",
    "ResourceNotFound",
    "ServiceQuotaExceededException",
)


class StepFunctionsError(ClientError):  # type: ignore[misc]
    """Base of the engine's client errors; `code` is the AWS error code."""

    code = "ValidationException"

    def __init__(self, message: str, operation: str = "") -> None:
        response: dict[str, Any] = {
            "Error": {"Code": self.code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        super().__init__(response, operation or "StepFunctions")
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class Exceptions:
    """`client.exceptions`, like boto3's: one class per error code."""

    ClientError = ClientError

    def __init__(self) -> None:
        for code in CODES:
            setattr(self, code, ERRORS[code])

    def __getattr__(self, name: str) -> type[StepFunctionsError]:
        raise AttributeError(name)


ERRORS: dict[str, type[StepFunctionsError]] = {
    code: type(code, (StepFunctionsError,), {"code": code, "__module__": __name__}) for code in CODES
}


def error(code: str, message: str, operation: str = "") -> StepFunctionsError:
    return ERRORS[code](message, operation)
