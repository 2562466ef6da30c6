"""Inputs and outputs of the order activities.

Field names are PascalCase because they are the JSON the orchestrators read (`validation["IsValid"]`)
and the names the Durable Functions samples use; amounts are floats in JSON, Decimals in DynamoDB.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class OrderItem(_Model):
    ProductId: str = Field(min_length=1)
    Quantity: int = Field(gt=0)
    UnitPrice: float = Field(ge=0)


class Order(_Model):
    OrderId: str
    CustomerEmail: str
    CardId: str
    Items: list[OrderItem] = []
    Total: float
    Status: str = "PENDING"


class OrderRef(_Model):
    """An order as the batch receives it: only the id is trusted, the rest is read from the table."""

    OrderId: str = Field(min_length=1)
    ExecutionId: str | None = None


class ValidationResult(_Model):
    OrderId: str
    IsValid: bool
    FailureReason: str | None = None
    TotalAmount: float = 0.0
    Items: list[OrderItem] = []
    RequiresApproval: bool = False
    CustomerEmail: str | None = None  # keys the customer's loyalty balance


class PaymentRequest(_Model):
    OrderId: str = Field(min_length=1)
    Amount: float = Field(gt=0)
    ExecutionId: str | None = None


class PaymentResult(_Model):
    OrderId: str
    Success: bool
    TransactionId: str | None = None
    Amount: float = 0.0
    DeclineReason: str | None = None


class RefundRequest(_Model):
    OrderId: str = Field(min_length=1)
    Reason: str = ""
    ExecutionId: str | None = None


class RefundResult(_Model):
    OrderId: str
    TransactionId: str
    Amount: float
    AlreadyRefunded: bool


class InventoryUpdateRequest(_Model):
    OrderId: str = Field(min_length=1)
    Items: list[OrderItem] = Field(min_length=1)
    ExecutionId: str | None = None


class ReservedItem(_Model):
    ProductId: str
    Quantity: int


class InventoryUpdateResult(_Model):
    OrderId: str
    Reserved: list[ReservedItem]
    AlreadyApplied: bool


class ShipmentInfo(_Model):
    OrderId: str
    ShipmentId: str
    TrackingNumber: str
    Carrier: str
    EstimatedDelivery: str  # ISO date


class OrderConfirmation(_Model):
    OrderId: str = Field(min_length=1)
    ShipmentId: str = Field(min_length=1)  # the tracking number, as in the Durable sample
    EstimatedDelivery: str
    ExecutionId: str | None = None


class NotificationResult(_Model):
    OrderId: str
    MessageId: str
    Channel: str  # "email" or "sns"
    Recipient: str


class OrderProcessResult(_Model):
    OrderId: str
    Success: bool
    Revenue: float = 0.0
    TransactionId: str | None = None
    ErrorMessage: str | None = None


class StockCheck(_Model):
    OrderId: str
    AllInStock: bool
    Shortages: list[str]


class CreditCheck(_Model):
    OrderId: str
    Approved: bool
    AvailableCredit: float
    Reason: str | None = None


class ShippingQuote(_Model):
    OrderId: str
    Carrier: str
    Cost: float
    EstimatedDays: int


class ReportRequest(_Model):
    ReportId: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    ExecutionId: str | None = None


class ReportStep(_Model):
    ReportId: str
    Key: str
    OrderCount: int = 0
    Revenue: float = 0.0
    MessageId: str | None = None
