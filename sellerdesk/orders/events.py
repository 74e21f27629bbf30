"""One small writer per order event type. Events store ids and facts, not copies of
personal data; the timeline in the UI and `GET /orders/{n}/events` are these rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sellerdesk.core import fastinsert
from sellerdesk.core.models import User
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType, OrderLine


def write_event(
    order: Order, event_type: OrderEventType, *, actor: User | None, at: datetime, **data: Any
) -> OrderEvent:
    event = OrderEvent(order=order, type=event_type, actor=actor, at=at, data=data)
    fastinsert.insert([event])
    return event


def order_placed_event(order: Order, lines: list[OrderLine], *, actor: User | None, at: datetime) -> OrderEvent:
    return write_event(
        order,
        OrderEventType.PLACED,
        actor=actor,
        at=at,
        status=order.status,
        total=str(order.total),
        source=order.source,
        lines=[{"sku": line.sku_code, "quantity": line.quantity, "unit_price": str(line.unit_price)} for line in lines],
    )


def status_event(
    order: Order,
    event_type: OrderEventType,
    *,
    actor: User | None,
    at: datetime,
    before: str,
    **data: Any,
) -> OrderEvent:
    return write_event(order, event_type, actor=actor, at=at, status_before=before, status_after=order.status, **data)
