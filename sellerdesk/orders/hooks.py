"""What orders tells the layers above it (hooks) and asks them (ports); see core.hooks.

Orders emits these; payments, allocation, purchasing, logistics, notifications … subscribe
in their `AppConfig.ready()`. The IN_TRANSACTION hooks carry the order row the emitter
holds locked, so that what a subscriber changes on it (a refund's amounts, a dropship
hold) is what the emitter saves and its caller answers with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import QuerySet

from sellerdesk.core.hooks import Hook, Port
from sellerdesk.core.messages import Text
from sellerdesk.core.models import User
from sellerdesk.orders.models import Order

# --- hooks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderPaid(Hook):
    """The order is paid in full (or a COD order's cash is recorded). In the payment's
    transaction, the order locked; its PAID event is written."""

    order: Order
    actor: User | None
    at: datetime


@dataclass(frozen=True)
class OrderCancelled(Hook):
    """A cancel was accepted; emitted before the order closes (its parcels are stopped
    before its stock is released). `before` is the status it had."""

    order: Order
    before: str
    reason: Text  # typed, or a code and its parameters (core.messages): parcels keep it so
    at: datetime


@dataclass(frozen=True)
class OrderClosed(Hook):
    """The order closed (cancelled, or not paid in time): reservations released, CLOSED
    event written, order locked. `before` is the status it closed from."""

    order: Order
    before: str
    actor: User | None
    at: datetime
    reason: Text  # typed, or a code and its parameters (core.messages)


@dataclass(frozen=True)
class OrderCompleted(Hook):
    """Receipt confirmed (by the buyer, staff or the sweep); order locked."""

    order: Order
    actor: User | None
    at: datetime


@dataclass(frozen=True)
class OrdersApproved(Hook):
    """These orders were approved (one by hand, or a review batch) in the emitter's
    transaction. Subscribers that start work (allocation, the buyer's confirmation) do it
    on commit. `orders`, when the emitter gives them, are those orders as its transaction
    holds them (locked, with their shop), so that a subscriber need not read them again."""

    order_ids: tuple[int, ...]
    at: datetime
    orders: tuple[Order, ...] = ()


@dataclass(frozen=True)
class OrderShipped(Hook):
    """The order was marked shipped with a carrier and tracking number (from a shop's
    system, a dropship supplier, or the warehouse's scan-out); order locked."""

    order: Order
    at: datetime


@dataclass(frozen=True)
class RefundOwed(Hook):
    """Money taken for goods that will not ship goes back to the buyer (lines removed or
    dropped short, prices lowered). In the caller's transaction, order locked."""

    order: Order
    amount: Decimal
    actor: User | None
    at: datetime
    reason: Text  # typed, or a code and its parameters (core.messages)


# --- ports ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CarrierInfo:
    """A carrier as orders sees it (logistics owns carriers and their coverage)."""

    id: int
    code: str
    name: str
    supports_cod: bool
    is_active: bool


class CarrierCoverage(Protocol):
    """Which carriers deliver where: the review rules and address/carrier changes ask."""

    def carrier(self, code: str) -> CarrierInfo | None:
        """The carrier with this code, active or not."""
        ...

    def active_carriers(self) -> list[CarrierInfo]:
        """The active carriers, by code."""
        ...

    def reaches(self, carrier: CarrierInfo, province: str, city: str, district: str) -> bool:
        """Whether the (active) carrier delivers to the address."""
        ...

    def reaching(self, province: str, city: str, district: str, *, needs_cod: bool = False) -> Sequence[CarrierInfo]:
        """The active carriers that deliver there (and collect cash, if asked), by code."""
        ...


CARRIER_COVERAGE: Port[CarrierCoverage] = Port("carrier coverage (logistics)")


# The purchases from suppliers not cancelled, each with its `for_order` (purchasing): a
# queryset, so that merging can filter orders by them in one query.
OPEN_PURCHASES: Port[Callable[[], QuerySet[Any]]] = Port("open purchases of orders (purchasing)")
# The parcels booked with a carrier and not handed over, each with its `order` (logistics):
# merging refuses an order whose parcel is booked (its label would go with no order).
BOOKED_PARCELS: Port[Callable[[], QuerySet[Any]]] = Port("booked parcels of orders (logistics)")

# The allocation strategies a shop may choose (allocation registers them).
ALLOCATION_STRATEGIES: Port[Callable[[], list[str]]] = Port("allocation strategy names (allocation)")
# The name of the carrier an order names by code or name ("SF" → 顺丰速运), or "" (logistics).
CARRIER_NAME: Port[Callable[[str], str]] = Port("carrier name (logistics)")
# A strategy's name for people, in the reader's language (allocation): the settings page
# shows it, never the code.
ALLOCATION_STRATEGY_LABEL: Port[Callable[[str], str]] = Port("allocation strategy label (allocation)")


@dataclass(frozen=True)
class ReminderBadge:
    """The payment reminder of an order as the order list shows it ("12.04 阿华 已催付"), so
    that nobody reminds it twice."""

    text: str
    title: str = ""


# The orders with a parcel carrying one of these tracking numbers (logistics provides it):
# a queryset of order ids, so that the order search stays one statement
# (orders.queries.filter_orders). Without logistics, only the order's own number is searched.
ORDERS_BY_TRACKING: Port[Callable[[Sequence[str]], QuerySet[Any]]] = Port(
    "orders by parcel tracking number (logistics)"
)

# For a page of order ids, the reminded ones' badges (reminders provides it; one query).
REMINDER_BADGES: Port[Callable[[Sequence[int]], Mapping[int, ReminderBadge]]] = Port(
    "payment reminder badges of orders (reminders)"
)
