"""What logistics tells the layers above it (hooks) and asks them (ports); see core.hooks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sellerdesk.core.hooks import Hook, Port
from sellerdesk.core.models import User
from sellerdesk.orders.models import Order


@dataclass(frozen=True)
class ParcelShipped(Hook):
    """A parcel of the order left with the carrier (the warehouse's scan-out, or an order
    shipped elsewhere and now tracked): the buyer is told, in the shipping's transaction
    (notifications). `order` is the shipped order as its transaction holds it, when the
    emitter has it (then the subscribers do not read it again)."""

    order_id: int
    tracking_number: str
    carrier_name: str
    at: datetime
    order: Order | None = None


@dataclass(frozen=True)
class ParcelInTransit(Hook):
    """A parcel going to the buyer was first scanned on its way (its status moved to in
    transit), in the transaction that stored the carrier's event: the buyer is told
    (notifications, IN_TRANSACTION, once per parcel). Return parcels never emit it."""

    order: Order
    shipment_id: int
    tracking_number: str
    carrier_name: str
    location: str
    at: datetime


@dataclass(frozen=True)
class ParcelDelivered(Hook):
    """A parcel going to the buyer was delivered (signed for), in the transaction that
    stored the carrier's event: the buyer is told (notifications, IN_TRANSACTION)."""

    order: Order
    shipment_id: int
    tracking_number: str
    carrier_name: str
    at: datetime


@dataclass(frozen=True)
class ParcelProblemResolved(Hook):
    """A parcel problem on the exception desk was closed with an outcome (reship, forward,
    refund, wait): after-sales carries it out (a reissue, a refund), IN_TRANSACTION, in the
    transaction that resolved it, so a refusal there leaves the problem open."""

    order_id: int
    exception_id: int
    shipment_id: int
    # "outbound" or "return": a return parcel's problem is the return leg's, not the buyer's goods.
    direction: str
    kind: str
    outcome: str
    note: str
    actor: User | None
    at: datetime


@dataclass(frozen=True)
class BuyerMessage:
    """A message written for the buyer: its id (None when the shop sends this kind on no
    channel) and its text as sent."""

    id: int | None
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
