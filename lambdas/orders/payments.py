"""Charging and refunding orders through a `PaymentGateway`.

The default gateway is a card ledger in the payments table: one row per card (`CARD#id`, with the
credit still available and a blocked flag) and one row per charged order (`CHARGE#order`). A charge
is one DynamoDB transaction that creates the charge row only if absent and decrements the card's
available credit only if enough remains, so a retried charge can never take the money twice, and
a decline (unknown card, blocked card, over the limit) follows from the data alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from botocore.exceptions import ClientError

from lambdas.common.aws import client, plain, table, to_decimal
from lambdas.common.config import settings
from lambdas.common.errors import InvalidOrder, PaymentDeclined, PaymentNotFound


@dataclass(frozen=True)
class Charge:
    order_id: str
    transaction_id: str
    card_id: str
    amount: float
    status: str  # CHARGED or REFUNDED
    replayed: bool = False  # True when the charge already existed (a retry)


class PaymentGateway(Protocol):
    def charge(self, order_id: str, card_id: str, amount: float) -> Charge:
        """Charge once per order; raise PaymentDeclined when the card cannot pay."""
        ...

    def refund(self, order_id: str) -> Charge:
        """Refund the order's charge once; raise PaymentNotFound when there is none."""
        ...

    def available_credit(self, card_id: str) -> float | None:
        """The credit still available on the card, or None for an unknown card."""
        ...


def transaction_id(order_id: str) -> str:
    """Deterministic, so a retried charge reports the same transaction id."""
    return "txn-" + hashlib.sha256(order_id.encode()).hexdigest()[:16]


def ledger_charge_actions(
    table_name: str, charges: Sequence[tuple[str, str, float]], now: str
) -> list[dict[str, Any]]:
    """The TransactWriteItems actions that charge each `(order id, card id, amount)` once: a charge
    row per order, only if the order has none yet, and one decrement per card by the sum of its
    orders' amounts, only if the card is not blocked and has that much credit left (so an unknown
    card fails too). One charge is `LedgerGateway.charge`'s transaction; several are the same rows
    and the same final balances as charging them one after the other when every one of them would
    pass, which is what ProcessOrderBatch relies on (lambdas/orders/settle.py)."""
    puts: list[dict[str, Any]] = []
    per_card: dict[str, Decimal] = {}
    for order_id, card_id, amount in charges:
        puts.append(
            {
                "Put": {
                    "TableName": table_name,
                    "Item": {
                        "Pk": {"S": f"CHARGE#{order_id}"},
                        "TransactionId": {"S": transaction_id(order_id)},
                        "CardId": {"S": card_id},
                        "Amount": {"N": str(to_decimal(amount))},
                        "Status": {"S": "CHARGED"},
                        "ChargedAt": {"S": now},
                    },
                    "ConditionExpression": "attribute_not_exists(Pk)",
                }
            }
        )
        per_card[card_id] = per_card.get(card_id, Decimal(0)) + to_decimal(amount)
    decrements = [
        {
            "Update": {
                "TableName": table_name,
                "Key": {"Pk": {"S": f"CARD#{card_id}"}},
                "UpdateExpression": "SET Available = Available - :a",
                "ConditionExpression": "Available >= :a AND Blocked = :f",
                "ExpressionAttributeValues": {":a": {"N": str(total)}, ":f": {"BOOL": False}},
            }
        }
        for card_id, total in per_card.items()
    ]
    return puts + decrements


class LedgerGateway:
    """The default `PaymentGateway`: a card ledger in DynamoDB (see the module docstring)."""

    def __init__(self, table_name: str | None = None) -> None:
        self.table_name = table_name or settings().payments_table

    def _get(self, pk: str) -> dict[str, Any] | None:
        item = table(self.table_name).get_item(Key={"Pk": pk}, ConsistentRead=True).get("Item")
        return plain(item) if item is not None else None

    def _existing_charge(self, order_id: str) -> Charge | None:
        row = self._get(f"CHARGE#{order_id}")
        if row is None:
            return None
        return Charge(
            order_id, row["TransactionId"], row["CardId"], float(row["Amount"]), row["Status"], True
        )

    def available_credit(self, card_id: str) -> float | None:
        card = self._get(f"CARD#{card_id}")
        return None if card is None else float(card["Available"])

    def charge(self, order_id: str, card_id: str, amount: float) -> Charge:
        existing = self._existing_charge(order_id)
        if existing is not None:
            return self._replay(existing, amount)
        card = self._get(f"CARD#{card_id}")
        if card is None:
            raise PaymentDeclined(f"Card {card_id} is unknown to the payment gateway (order {order_id})")
        if card.get("Blocked"):
            raise PaymentDeclined(f"Card {card_id} is blocked (order {order_id})")
        txn = transaction_id(order_id)
        now = datetime.now(UTC).isoformat()
        try:
            client("dynamodb").transact_write_items(
                TransactItems=ledger_charge_actions(self.table_name, [(order_id, card_id, amount)], now)
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            # Decide from the data: a charge row means another attempt of this charge won the race.
            raced = self._existing_charge(order_id)
            if raced is not None:
                return self._replay(raced, amount)
            raise PaymentDeclined(
                f"Card {card_id} declined {amount:.2f} for order {order_id}: credit limit exceeded "
                f"(available {float(card['Available']):.2f})"
            ) from None
        return Charge(order_id, txn, card_id, amount, "CHARGED")

    @staticmethod
    def _replay(existing: Charge, amount: float) -> Charge:
        if existing.status != "CHARGED":
            raise InvalidOrder(
                f"Order {existing.order_id} was charged and then refunded; it cannot be charged again"
            )
        if abs(existing.amount - amount) > 0.005:
            raise InvalidOrder(
                f"Order {existing.order_id} was already charged {existing.amount:.2f}, not {amount:.2f}"
            )
        return existing

    def refund(self, order_id: str) -> Charge:
        existing = self._existing_charge(order_id)
        if existing is None:
            raise PaymentNotFound(f"Order {order_id} has no charge to refund")
        if existing.status == "REFUNDED":
            return existing
        try:
            client("dynamodb").transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self.table_name,
                            "Key": {"Pk": {"S": f"CHARGE#{order_id}"}},
                            "UpdateExpression": "SET #s = :refunded",
                            "ConditionExpression": "#s = :charged",
                            "ExpressionAttributeNames": {"#s": "Status"},
                            "ExpressionAttributeValues": {
                                ":refunded": {"S": "REFUNDED"},
                                ":charged": {"S": "CHARGED"},
                            },
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table_name,
                            "Key": {"Pk": {"S": f"CARD#{existing.card_id}"}},
                            "UpdateExpression": "SET Available = Available + :a",
                            "ExpressionAttributeValues": {":a": {"N": str(to_decimal(existing.amount))}},
                        }
                    },
                ]
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            return self._existing_charge(order_id) or existing  # refunded concurrently
        return Charge(order_id, existing.transaction_id, existing.card_id, existing.amount, "REFUNDED")


def default_gateway() -> PaymentGateway:
    return LedgerGateway()
