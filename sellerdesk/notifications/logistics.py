"""Messages to buyers about their parcels (recorded; sending them is C13)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from sellerdesk.notifications.models import Channel, MessageKind, OutgoingMessage
from sellerdesk.orders.models import Order

# Kinds of message (to be added to notifications.models.MessageKind).
PARCEL_SHIPPED = "parcel_shipped"
PARCEL_PROBLEM = "parcel_problem"


def _problem_text(order: Order, kind: str, tracking_number: str, carrier_name: str) -> str:
    texts = {
        "no_update": _(
            "Hello %(name)s, the tracking of your parcel %(number)s (%(carrier)s) has not moved for a while. "
            "Remote areas are scanned again only at the local station; we are checking with the carrier "
            "and will tell you as soon as there is news."
        ),
        "out_of_area": _(
            "Hello %(name)s, %(carrier)s has no delivery point at your address (parcel %(number)s). "
            "We can forward it with another carrier; please reply to agree on the extra freight, "
            "or tell us a pick-up address that suits you."
        ),
        "overload": _(
            "Hello %(name)s, the sales festival has overloaded %(carrier)s's sorting centres, so your parcel "
            "%(number)s will arrive a little later. Thank you for your patience."
        ),
        "weather": _(
            "Hello %(name)s, bad weather has delayed delivery of your parcel %(number)s (%(carrier)s). "
            "It will be delivered as soon as the weather improves."
        ),
        "accident": _(
            "Hello %(name)s, the %(carrier)s vehicle carrying your parcel %(number)s had an accident. "
            "We are sorry: we will send your goods again."
        ),
        "lost": _(
            "Hello %(name)s, %(carrier)s has lost your parcel %(number)s. We are sorry: we will send your "
            "goods again or refund you, as you prefer."
        ),
        "damaged": _(
            "Hello %(name)s, %(carrier)s reports that your parcel %(number)s was damaged on the way. Please "
            "check it before signing; we will send the goods again or refund you."
        ),
        "refused": _(
            "Hello %(name)s, the cash-on-delivery parcel %(number)s was refused at your door and is coming "
            "back to us. May we ask why? If it was a mistake we can send it again."
        ),
    }
    template = texts.get(kind, texts["no_update"])
    return template % {"name": order.buyer_name, "number": tracking_number, "carrier": carrier_name}


def _record(order: Order, kind: str, text: str, at: datetime) -> OutgoingMessage:
    return OutgoingMessage.objects.create(
        order=order,
        customer_id=order.customer_id,
        channel=Channel.IM if order.buyer_nickname else Channel.SMS,
        recipient=order.buyer_nickname or order.buyer_phone,
        kind=kind,
        text=text,
        created_at=at,
    )


def record_parcel_problem(
    *, order: Order, kind: str, tracking_number: str, carrier_name: str, at: datetime, text: str = ""
) -> OutgoingMessage:
    """The message an agent sends about a parcel in trouble: `text` as written, or the
    standard wording for the exception kind in the shop's language."""
    if not text:
        with translation.override(settings.LANGUAGE_CODE):
            text = _problem_text(order, kind, tracking_number, carrier_name)
    return _record(order, PARCEL_PROBLEM, text, at)


def record_parcel_shipped(*, order: Order, tracking_number: str, carrier_name: str, at: datetime) -> OutgoingMessage:
    """'Your parcel is on its way' with the carrier and tracking number (for the scan-out)."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Hello %(name)s, your order %(order)s has shipped with %(carrier)s, tracking number %(number)s.") % {
            "name": order.buyer_name,
            "order": order.number,
            "carrier": carrier_name,
            "number": tracking_number,
        }
    return _record(order, PARCEL_SHIPPED, text, at)


__all__ = ["MessageKind", "record_parcel_problem", "record_parcel_shipped"]
