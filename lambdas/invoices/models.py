"""Inputs and outputs of the invoice activities: S3 references and typed invoice data, never bytes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class InvoiceDocument(_Model):
    InvoiceId: str = Field(min_length=1)
    Bucket: str
    Key: str
    SizeBytes: int
    ExecutionId: str | None = None


class ExtractedText(_Model):
    InvoiceId: str = Field(min_length=1)
    Bucket: str
    TextKey: str
    PageCount: int
    CharCount: int
    ExecutionId: str | None = None


class LineItem(_Model):
    Description: str
    Quantity: float
    UnitPrice: float
    Amount: float


class InvoiceData(_Model):
    """What parsing found; fields it could not find are None, and validation says what is missing."""

    InvoiceId: str = Field(min_length=1)
    InvoiceNumber: str | None = None
    Vendor: str | None = None
    IssueDate: str | None = None  # ISO date, as written on the invoice
    DueDate: str | None = None
    Currency: str | None = None
    LineItems: list[LineItem] = []
    TotalAmount: float | None = None
    ParseErrors: list[str] = []
    ExecutionId: str | None = None


class InvoiceValidation(_Model):
    InvoiceId: str
    IsValid: bool
    Errors: list[str]


class SaveResult(_Model):
    InvoiceId: str
    InvoiceNumber: str
    AlreadySaved: bool


class InvoiceErrorReport(_Model):
    InvoiceId: str = Field(min_length=1)
    Errors: list[str] = Field(min_length=1)
    # The Step Functions Cause of a caught activity error (Lambda's error JSON, or plain text).
    Cause: str | None = None
    ExecutionId: str | None = None


class InvoiceErrorLogged(_Model):
    InvoiceId: str
    Errors: list[str]  # as recorded: error names completed with the message from the Cause
    AlreadyLogged: bool
