"""What logistics tells the layers above it (hooks) and asks them (ports); see core.hooks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sellerdesk.core.hooks import Hook, Port
from sellerdesk.orders.models import Order


@dataclass(frozen=True)
class ParcelShipped(Hook):
    """A parcel of the order left with the carrier (the warehouse's scan-out, or an order
    shipped elsewhere and now tracked): the buyer is told, on commit (notifications)."""

    order_id: int
    tracking_number: str
    carrier_name: str
    at: datetime


@dataclass(frozen=True)
class BuyerMessage:
    """A message recorded for the buyer: its id and its text as sent."""

    id: int
    text: str


class ParcelMessages(Protocol):
    """Messages to the buyer about a parcel (notifications records them)."""

    def parcel_problem(
        self, *, order: Order, kind: str, tracking_number: str, carrier_name: str, at: datetime, text: str = ""
    ) -> BuyerMessage:
        """Record the message about a parcel in trouble: `text` as written, or the standard
        wording for the exception kind."""
        ...


PARCEL_MESSAGES: Port[ParcelMessages] = Port("messages to buyers about parcels (notifications)")
