"""Messages to buyers about their parcels: shipped, in transit, delivered, in trouble.

The words are the shop's templates' (notifications.templates); what is said here is the
short name of a parcel's trouble, the `problem` the template puts in its sentence."""

from __future__ import annotations

from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext_lazy

from sellerdesk.notifications.events import (
    buyer_language,
    tell_parcel_problem,
    tell_parcel_shipped,
)
from sellerdesk.notifications.models import Channel, MessageKind, OutgoingMessage
from sellerdesk.orders.models import Order

# Kinds of message (notifications.models.MessageKind).
PARCEL_SHIPPED = MessageKind.PARCEL_SHIPPED
PARCEL_PROBLEM = MessageKind.PARCEL_PROBLEM

# A parcel's trouble as the buyer reads it inside the template's sentence ("the parcel of
# your order … {problem}"), by the exception desk's kind (logistics.models.ExceptionKind).
PROBLEMS = {
    "no_update": gettext_lazy("has had no tracking update for a while"),
    "out_of_area": gettext_lazy("is outside the carrier's delivery area"),
    "overload": gettext_lazy("is delayed: the carrier's sorting centres are overloaded"),
    "weather": gettext_lazy("is delayed by bad weather"),
    "accident": gettext_lazy("is delayed by an accident on the road"),
    "lost": gettext_lazy("was lost by the carrier"),
    "damaged": gettext_lazy("was damaged on the way"),
    "refused": gettext_lazy("was refused at the door and is coming back to us"),
}


def problem_words(kind: str, language: str) -> str:
    """The short words for a parcel's trouble of `kind` in `language` (an unknown kind
    reads as a parcel without news)."""
    with translation.override(language):
        return str(PROBLEMS.get(kind, PROBLEMS["no_update"]))


def _shown_first(messages: list[OutgoingMessage]) -> OutgoingMessage | None:
    # The one staff see as "the message": the portal's, else the first channel's.
    for message in messages:
        if message.channel == Channel.IN_SITE:
            return message
    return messages[0] if messages else None


def record_parcel_problem(
    *, order: Order, kind: str, tracking_number: str, carrier_name: str, at: datetime, text: str = ""
) -> OutgoingMessage | None:
    """The buyer's messages about a parcel in trouble, on the shop's channels for the kind:
    `text` as the agent wrote it, or the template with the trouble's words for the
    exception kind, in the buyer's language. Returns the one staff see (the portal's),
    None when the shop sends none."""
    messages = tell_parcel_problem(
        order=order,
        problem=problem_words(kind, buyer_language(order)),
        code=kind,
        tracking_number=tracking_number,
        carrier_name=carrier_name,
        at=at,
        text=text,
    )
    return _shown_first(messages)


def record_parcel_shipped(
    *, order: Order, tracking_number: str, carrier_name: str, at: datetime
) -> OutgoingMessage | None:
    """'Your parcel is on its way' with the carrier and tracking number (for the scan-out),
    once per parcel."""
    return _shown_first(
        tell_parcel_shipped(order=order, tracking_number=tracking_number, carrier_name=carrier_name, at=at)
    )


__all__ = ["PROBLEMS", "MessageKind", "problem_words", "record_parcel_problem", "record_parcel_shipped"]
