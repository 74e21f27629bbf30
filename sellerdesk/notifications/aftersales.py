"""Messages to buyers about their after-sales cases (recorded; sending them is C13).

After-sales is a layer above notifications: it hands over plain facts, the order and
the text as a code and its parameters (core.messages, rendered here in the shop's
language) or as written by a person."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import translation

from sellerdesk.core import messages
from sellerdesk.notifications.models import Channel, MessageKind, OutgoingMessage
from sellerdesk.orders.models import Order


def record_case_message(*, order: Order, text_data: str | Mapping[str, Any], at: datetime) -> OutgoingMessage:
    """Record an after-sales message to the order's buyer, shown in the buyer portal
    (channel in_site): `text_data` as written, or a registered code and its parameters,
    rendered now in the shop's language (the site language: a shop has none of its own)."""
    if isinstance(text_data, str):
        text = text_data
    else:
        with translation.override(settings.LANGUAGE_CODE):
            text = messages.render(text_data)
    return OutgoingMessage.objects.create(
        order=order,
        customer_id=order.customer_id,
        channel=Channel.IN_SITE,
        recipient=order.buyer_phone,
        kind=MessageKind.AFTERSALES,
        text=text,
        created_at=at,
    )


__all__ = ["record_case_message"]
