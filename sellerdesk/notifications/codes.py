"""A one-time sign-in code for a buyer (the buyer portal's sign-in), by SMS at once."""

from __future__ import annotations

from datetime import datetime

from sellerdesk.notifications.events import send_one_time_code
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders.models import Order


def record_one_time_code(*, order: Order, code: str, valid_minutes: int, at: datetime) -> OutgoingMessage | None:
    """Write the SMS carrying `code` to the phone on `order` (in the caller's transaction),
    due at once whatever the hour (the rules never hold nor cap a sign-in code), in the
    buyer's language. None when the order has no phone."""
    return send_one_time_code(order=order, code=code, valid_minutes=valid_minutes, at=at)
