"""The buyer's confirmation of an approved order, written to the outbox (notifications.events)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from sellerdesk.notifications.events import tell_order_confirmed, tell_orders_confirmed
from sellerdesk.notifications.models import MessageKind, OutgoingMessage
from sellerdesk.orders.models import Order


@transaction.atomic
def record_order_confirmation(*, order: Order, at: datetime) -> list[OutgoingMessage] | None:
    """Write the buyer's confirmation of an approved order (one message per channel the
    shop sends confirmations on, keyed "confirmed:<number>:<channel>"), once per order:
    None when it was written already."""
    order = Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=order.pk)
    if OutgoingMessage.objects.filter(order=order, kind=MessageKind.ORDER_CONFIRMATION).exists():
        return None
    return tell_order_confirmed(order=order, at=at)


def record_order_confirmations(*, order_ids: Sequence[int], at: datetime, locked: Sequence[Order] = ()) -> int:
    """`record_order_confirmation` for many approved orders at once (a review batch): a
    few reads and one INSERT. Returns how many orders were confirmed now. `locked`: those
    orders as the caller's transaction holds them locked, with their shop (not read again)."""
    return tell_orders_confirmed(order_ids=order_ids, at=at, locked=locked)
