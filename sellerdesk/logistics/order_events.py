"""The order-timeline event types logistics writes, and their writer.

The values are (to be) OrderEventType choices in orders/models.py; until they are,
the timeline shows the raw type with the event's `text`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sellerdesk.core.models import User
from sellerdesk.orders.events import write_event
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType

SHIPMENT = "shipment"  # a label booked, cancelled or intercepted
TRACKING = "tracking"  # a carrier scan
LOGISTICS_EXCEPTION = "logistics_exception"  # detected or resolved on the exception desk
AUTO_CONFIRM_EXTENDED = "auto_confirm_extended"


def write(order: Order, event_type: str, *, actor: User | None, at: datetime, text: str, **data: Any) -> OrderEvent:
    return write_event(order, cast(OrderEventType, event_type), actor=actor, at=at, text=text, **data)
