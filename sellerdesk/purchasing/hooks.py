"""What purchasing tells the layers above it (hooks) and asks them (ports); see core.hooks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sellerdesk.core.hooks import Hook, Port
from sellerdesk.core.models import User
from sellerdesk.purchasing.models import PurchaseOrder


@dataclass(frozen=True)
class PurchaseOrderSent(Hook):
    """A stock purchase order was sent (draft → sent), in the sending transaction with the
    purchase order locked: notifications writes the email to the supplier (the PO's PDF
    attached, made when the email goes out) IN_TRANSACTION, so the send and its email are
    written together or not at all. `email` is the supplier's address (never empty:
    sending refuses a supplier without one)."""

    purchase_order: PurchaseOrder
    email: str
    actor: User | None
    at: datetime


@dataclass(frozen=True)
class SupplierDelivery:
    """A message to a supplier about a purchase order, as the purchase order's page shows it."""

    channel: str
    recipient: str
    status: str
    status_label: str
    created_at: datetime
    sent_at: datetime | None
    attempts: int
    last_error: str


class SupplierDeliveries(Protocol):
    def for_purchase_order(self, number: str) -> Sequence[SupplierDelivery]:
        """The messages written for the purchase order `number`, oldest first."""
        ...


# Provided by notifications (it owns the outbox): the page of a purchase order shows how
# its email to the supplier went.
SUPPLIER_DELIVERIES: Port[SupplierDeliveries] = Port("messages to suppliers about purchase orders (notifications)")
