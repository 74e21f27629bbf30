"""The order event a reminder writes ("12.04 阿华 已催付 (SMS)", seed 002's note, so that
nobody reminds twice), and its renderer (registered on import; `RemindersConfig.ready()`
imports this module). The sentence is rendered when read, in the reader's language."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.messages import Params
from sellerdesk.core.models import User
from sellerdesk.orders.events import build_event, insert_events, register_event_code
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType

PAYMENT_REMINDED = str(OrderEventType.PAYMENT_REMINDED)


def short_date(moment: datetime) -> str:
    """The seed's "4.15" / "12.04": month and day in local time."""
    local = timezone.localtime(moment)
    return f"{local.month}.{local.day:02d}"


def channel_short_label(channel: str) -> str:
    """The channel in a word, for the note and the list's badge."""
    labels = {"sms": _("SMS"), "im": _("Chat"), "phone": _("Phone call")}
    return labels.get(channel, channel)


def _format(data: Params) -> dict[str, str]:
    moment = parse_datetime(data.get("on") or "")
    return {
        "date": short_date(moment) if moment else "",
        # The agent's signature when the note was written; the sweep reminds as the system.
        "agent": data.get("agent") or _("System"),
        "channel": channel_short_label(data.get("channel", "")),
    }


register_event_code(
    PAYMENT_REMINDED,
    OrderEventType.PAYMENT_REMINDED,
    # Translators: seed 002's note on an order, "12.04 阿华 已催付 (短信)".
    gettext_lazy("Reminded to pay on %(date)s by %(agent)s (%(channel)s)"),
    format=_format,
    example={"on": "2026-12-04T11:05:00+08:00", "agent": "阿华", "channel": "sms"},
)


def reminded_sentence(*, at: datetime, agent: User | None, channel: str) -> str:
    """The note as the reader reads it (the order list's badge uses the same words)."""
    return str(
        gettext_lazy("Reminded to pay on %(date)s by %(agent)s (%(channel)s)")
        % _format({"on": at.isoformat(), "agent": agent.signature if agent else "", "channel": channel})
    )


def build_payment_reminded_event(order: Order | int, *, actor: User | None, at: datetime, channel: str) -> OrderEvent:
    """The note on the order, unsaved (the sweep inserts a batch at once). The agent's
    signature is kept as written (a staff member's short name, not the buyer's data) so
    the note reads as it did that day."""
    return build_event(
        order,
        OrderEventType.PAYMENT_REMINDED,
        actor=actor,
        at=at,
        agent=actor.signature if actor else "",
        channel=channel,
        # The renderer sees the data only, so the day of the note travels with it.
        on=at.isoformat(),
    )


def payment_reminded_event(order: Order | int, *, actor: User | None, at: datetime, channel: str) -> OrderEvent:
    """Write the note on the order."""
    event = build_payment_reminded_event(order, actor=actor, at=at, channel=channel)
    insert_events([event])
    return event
