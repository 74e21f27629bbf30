"""Recording a one-time sign-in code for a buyer (the buyer portal's sign-in). Sending it
by SMS comes with the channel adapters (C13); until then the message is only recorded."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from sellerdesk.notifications.models import Channel, MessageKind, OutgoingMessage
from sellerdesk.orders.models import Order


def record_one_time_code(*, order: Order, code: str, valid_minutes: int, at: datetime) -> OutgoingMessage:
    """Record the SMS carrying `code` to the phone on `order` (in the caller's
    transaction), written in the shop's language (the site language for now)."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "Your sign-in code for order %(number)s is %(code)s. It is valid for %(minutes)s minutes; "
            "do not give it to anyone."
        ) % {"number": order.number, "code": code, "minutes": valid_minutes}
    return OutgoingMessage.objects.create(
        order=order,
        customer_id=order.customer_id,
        channel=Channel.SMS,
        recipient=order.buyer_phone,
        kind=MessageKind.ONE_TIME_CODE,
        text=text,
        created_at=at,
    )
