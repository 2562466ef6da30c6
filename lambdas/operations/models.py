"""Inputs and outputs of the operations activities."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ApiRequest(_Model):
    Name: str = Field(min_length=1)
    Parameters: dict[str, Any] = {}
    # How many status checks the operation takes to finish (None: it never finishes).
    CompleteAfterChecks: int | None = 3
    # Sent as the Idempotency-Key header; a retried start returns the operation already started.
    RequestId: str | None = None
    ExecutionId: str | None = None


class InitialApiResponse(_Model):
    OperationId: str
    Status: str


class StatusResponse(_Model):
    OperationId: str
    IsCompleted: bool
    Status: str
    Checks: int
    Result: Any = None


class ProcessRequest(_Model):
    Key: str = Field(min_length=1)
    Data: Any = None
    FailuresBeforeSuccess: int = Field(default=0, ge=0)
    ExecutionId: str | None = None


class ProcessResult(_Model):
    Key: str
    Attempts: int
    Processed: Any = None


class FailureRecord(_Model):
    OrchestrationId: str = Field(min_length=1)
    Error: str
    Cause: str | None = None


class FailureLogged(_Model):
    OrchestrationId: str
    AlreadyLogged: bool
