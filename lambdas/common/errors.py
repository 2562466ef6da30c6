"""Named errors the reference activities raise and the orchestrators catch.

The class name is the contract: an activity raising `PaymentDeclined("...")` fails the Step Functions
Task with Error "PaymentDeclined", which `except PaymentDeclined` in an orchestrator catches.
"""

from __future__ import annotations

from durable_sfn.dsl import OrchestrationError


class ReferenceAppError(OrchestrationError):
    """Base of the reference application's errors."""


class InvalidInput(ReferenceAppError):
    """The activity input is missing fields or has values of the wrong shape."""


class OrderNotFound(ReferenceAppError):
    """No order with this id exists in the orders table."""


class InvalidOrder(ReferenceAppError):
    """The order exists but cannot be processed (no items, unknown product, ...)."""


class OutOfStock(ReferenceAppError):
    """Some item of the order has less stock than the order needs; nothing was decremented."""


class PaymentDeclined(ReferenceAppError):
    """The payment gateway declined the charge (unknown card, blocked card, over the limit)."""


class PaymentNotFound(ReferenceAppError):
    """A refund was asked for an order that was never charged."""


class InvoiceNotFound(ReferenceAppError):
    """The invoice document is not in the invoice bucket."""


class InvalidInvoiceDocument(ReferenceAppError):
    """The invoice document is not a readable PDF (non-PDF bytes, truncated or corrupt PDF)."""


class DuplicateInvoice(ReferenceAppError):
    """An invoice with the same number but different content was already saved."""


class TransientServiceError(ReferenceAppError):
    """The external service failed in a way worth retrying (5xx, connection refused, timeout)."""


class ServiceRequestRejected(ReferenceAppError):
    """The external service rejected the request (4xx): retrying the same request cannot help."""


class OperationNotFound(ReferenceAppError):
    """The external service knows no operation with this id."""
