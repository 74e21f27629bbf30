"""What a signed-in buyer may see and do, always as one customer (customers.Customer).

Every read here is filtered by the buyer's customer, and an order or case of anyone
else is `NotFound`, exactly like one that does not exist. The buyer's actions call the
product's actions with `actor=None` (which the permission check treats as the system
itself: it may do anything) — so the ownership check here is what stands between a
buyer and other people's orders, and every function below makes it first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.aftersales.models import Case, CaseType
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.customers.models import Customer
from sellerdesk.logistics.models import ShipmentDirection, TrackingEvent, TrackingKind
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import AWAITING_RECEIPT, OrderStatus, PaymentStatus
from sellerdesk.ratings import actions as rating_actions
from sellerdesk.ratings.models import Rating, RatingSide, Score


def orders_of(customer: Customer) -> QuerySet[Order]:
    """The customer's orders, newest first."""
    return Order.objects.filter(customer=customer).order_by("-created_at", "-pk")


def order_of(customer: Customer, number: str) -> Order:
    """The customer's order `number`, or NotFound (also for anyone else's order)."""
    order = Order.objects.filter(customer=customer, number=number).select_related("shop").first()
    if order is None:
        raise NotFound(_("No order %(number)s.") % {"number": number}, details={"number": number})
    return order


def cases_of(customer: Customer) -> QuerySet[Case]:
    """The customer's after-sales cases, newest first."""
    return Case.objects.filter(order__customer=customer).select_related("order").order_by("-created_at", "-pk")


def case_of(customer: Customer, number: str) -> Case:
    """The customer's case `number`, or NotFound (also for anyone else's case)."""
    case = Case.objects.filter(order__customer=customer, number=number).select_related("order", "order__shop").first()
    if case is None:
        raise NotFound(_("No after-sales case %(number)s.") % {"number": number}, details={"number": number})
    return case


# What a buyer may ask for, by where the order is. After-sales (aftersales.actions.open_case)
# has the last word (time limits, quantities); this only keeps the impossible off the page.
SHIPPED = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED})
PAID = frozenset({PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED})
AFTER_SHIPPING_TYPES = (
    CaseType.REFUND_ONLY,
    CaseType.RETURN_REFUND,
    CaseType.EXCHANGE,
    CaseType.REPAIR,
    CaseType.REISSUE,
    CaseType.COMPLAINT,
)


def case_types_for(order: Order) -> list[CaseType]:
    """The kinds of request the order's state allows the buyer to ask for."""
    if order.status == OrderStatus.REFUSED:
        # The parcel came back: only the money (if any was paid) or a complaint remain.
        return [CaseType.REFUND_ONLY, CaseType.COMPLAINT] if order.payment_status in PAID else [CaseType.COMPLAINT]
    if order.status in SHIPPED:
        return list(AFTER_SHIPPING_TYPES)
    if order.status == OrderStatus.CLOSED or order.payment_status not in PAID:
        return []
    return [CaseType.REFUND_BEFORE_SHIPPING, CaseType.COMPLAINT]


# --- the order's timeline as the buyer reads it ---------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    text: str
    place: str = ""


def order_timeline(order: Order) -> list[TimelineEntry]:
    """The order's milestones and its outbound parcels' tracking scans, oldest first.
    Staff events (reviews, notes, holds) are not the buyer's business and are left out."""
    entries: list[TimelineEntry] = [TimelineEntry(order.created_at, _("Order placed"))]
    if order.paid_at:
        entries.append(TimelineEntry(order.paid_at, _("Paid")))
    if order.shipped_at:
        entries.append(
            TimelineEntry(
                order.shipped_at,
                _("Shipped by %(carrier)s, tracking number %(number)s")
                % {"carrier": order.carrier or "—", "number": order.tracking_number or "—"},
            )
        )
    scans = TrackingEvent.objects.filter(
        shipment__order=order, shipment__direction=ShipmentDirection.OUTBOUND
    ).order_by("at", "pk")
    for scan in scans:
        entries.append(TimelineEntry(scan.at, _kind_label(scan.kind), scan.location))
    if order.delivered_at:
        entries.append(TimelineEntry(order.delivered_at, _("Delivered")))
    if order.completed_at:
        entries.append(TimelineEntry(order.completed_at, _("Receipt confirmed")))
    if order.closed_at:
        ended = _("Parcel refused or returned") if order.status == OrderStatus.REFUSED else _("Closed")
        entries.append(TimelineEntry(order.closed_at, ended))
    return sorted(entries, key=lambda entry: entry.at)


def _kind_label(kind: str) -> str:
    try:
        return str(TrackingKind(kind).label)
    except ValueError:
        return kind


# --- receipt and rating ------------------------------------------------------------------


def may_confirm_receipt(order: Order) -> bool:
    return order.status in AWAITING_RECEIPT


def confirm_receipt(*, customer: Customer, number: str, at: datetime | None = None) -> Order:
    """The buyer confirms receipt of their own order (the order's table decides whether
    its status allows it: InvalidTransition otherwise)."""
    order = order_of(customer, number)
    return order_actions.confirm_receipt(order=order, actor=None, at=at)


def buyer_rating(order: Order) -> Rating | None:
    return Rating.objects.filter(order=order, side=RatingSide.BUYER).first()


def may_rate(order: Order, *, now: datetime | None = None) -> bool:
    closes = rating_actions.closes_at(order)
    return (
        order.status == OrderStatus.COMPLETED
        and closes is not None
        and (now or timezone.now()) <= closes
        and buyer_rating(order) is None
    )


def rate(*, customer: Customer, number: str, score: str, comment: str = "", at: datetime | None = None) -> Rating:
    """The buyer's rating of their own completed order (once, within the window)."""
    order = order_of(customer, number)
    if score not in Score.values:
        raise ValidationFailed({"score": _("one of %(values)s") % {"values": ", ".join(Score.values)}})
    return rating_actions.rate_order(
        order=order, side=RatingSide.BUYER, score=score, comment=comment, actor=None, at=at
    )
