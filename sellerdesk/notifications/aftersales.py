"""Messages to buyers about their after-sales cases and refunds, written to the outbox.

After-sales is a layer above notifications: it hands over plain facts, the order and
the text as a code and its parameters (core.messages, rendered here in the buyer's
language) or as written by a person; the refund's number, case and amount when its
money has gone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import translation

from sellerdesk.core import messages
from sellerdesk.notifications.events import buyer_language, tell_case_progress, tell_refund_done
from sellerdesk.notifications.models import Channel, OutgoingMessage
from sellerdesk.orders.models import Order


def _in_site(written: list[OutgoingMessage]) -> OutgoingMessage:
    return next((message for message in written if message.channel == Channel.IN_SITE), written[0])


def record_case_message(*, order: Order, text_data: str | Mapping[str, Any], at: datetime) -> OutgoingMessage:
    """Write an after-sales message to the order's buyer (in the caller's transaction): in
    the buyer portal (channel in_site) and on the shop's channels for after-sales news,
    the step's sentence (`text_data` as written, or a registered code and its parameters
    rendered in the buyer's language) inside the shop's template. Returns the portal's."""
    if isinstance(text_data, str):
        progress, step, case_number = text_data, "text", order.number
    else:
        with translation.override(buyer_language(order)):
            progress = messages.render(text_data)
        step, case_number = str(text_data.get("code", "")), str(text_data.get("case") or order.number)
    written = tell_case_progress(
        # The template ends the sentence itself.
        order=order,
        case_number=case_number,
        progress=progress.strip().rstrip("。.") or progress,
        step=step,
        at=at,
    )
    return _in_site(written)


def record_refund_done(
    *, order: Order, case_number: str, refund_number: str, amount: Decimal, at: datetime
) -> OutgoingMessage:
    """Tell the buyer the refund `refund_number` of `amount` for case `case_number` has been
    paid (kind refund_done; in the portal and on the shop's channels), once per refund, in
    the caller's transaction. Returns the portal's message."""
    written = tell_refund_done(order=order, case_number=case_number, refund_number=refund_number, amount=amount, at=at)
    return _in_site(written)


__all__ = ["record_case_message", "record_refund_done"]
