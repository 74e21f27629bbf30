"""Orders at the points after-sales starts from, built through the product's actions:
paid (not shipped), shipped, delivered. Amounts are exact: a line of 2 × 59.00 plus
the shipping fee given."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment
from tests.factories import place


def paid_order(*lines: tuple[str, int], at: datetime | None = None, **fields: object) -> Order:
    """Placed and paid in full online (the gateway's reference is unique per order)."""
    order = place(*lines, **fields)
    record_payment(
        order=order,
        amount=order.total,
        method="online",
        reference=f"TX-{order.number}",
        actor=None,
        gateway="simulated",
        at=at,
    )
    order.refresh_from_db()
    return order


def approved_order(*lines: tuple[str, int], **fields: object) -> Order:
    order = paid_order(*lines, **fields)
    if order.status != "approved":
        order = order_actions.approve_order(order=order, actor=None)
    order.refresh_from_db()
    return order


def shipped_order(
    *lines: tuple[str, int], at: datetime | None = None, tracking_number: str = "", **fields: object
) -> Order:
    """Paid, approved and shipped by SF with a tracking number of its own."""
    order = approved_order(*lines, **fields)
    order_actions.ship_order(
        order=order, actor=None, carrier="SF", tracking_number=tracking_number or f"SF{order.number}", at=at
    )
    order.refresh_from_db()
    return order


def delivered_order(*lines: tuple[str, int], delivered_at: datetime | None = None, **fields: object) -> Order:
    """Shipped two days before `delivered_at` (default: now) and delivered then."""
    delivered_at = delivered_at or timezone.now()
    order = shipped_order(*lines, at=delivered_at - timedelta(days=2), **fields)
    order_actions.deliver_order(order=order, actor=None, at=delivered_at)
    order.refresh_from_db()
    return order


def money(value: str) -> Decimal:
    return Decimal(value)
