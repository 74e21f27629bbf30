"""Recording messages to buyers (sending them is C13, later)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from sellerdesk.notifications.models import Channel, MessageKind, OutgoingMessage
from sellerdesk.orders.models import Order, OrderLine


def _wishes(order: Order) -> list[str]:
    """The buyer's recognised wishes, in the words of the order page."""
    wishes = order.buyer_instructions
    found = []
    if wishes.no_price_slip:
        found.append(_("No price slip in the parcel"))
    if wishes.is_gift:
        found.append(_("Gift"))
    if wishes.no_invoice:
        found.append(_("No invoice"))
    if wishes.fragile:
        found.append(_("Fragile"))
    if wishes.reinforced_packaging:
        found.append(_("Reinforce the packaging"))
    if wishes.preferred_carrier:
        found.append(_("Ship with %(carrier)s") % {"carrier": wishes.preferred_carrier})
    found.extend(wishes.delivery_notes)
    return found


def confirmation_text(order: Order, *, lines: Sequence[OrderLine] | None = None) -> str:
    """The confirmation in the active language: what the buyer is asked to confirm."""
    goods = "\n".join(
        _("%(name)s × %(quantity)s") % {"name": line.name, "quantity": line.quantity}
        for line in (order.lines.order_by("position") if lines is None else lines)
    )
    address = " ".join(part for part in (order.province, order.city, order.district, order.address_detail) if part)
    parts = [
        _("Hello %(name)s, thank you for your order %(number)s. Please check the details:")
        % {"name": order.buyer_name, "number": order.number},
        goods,
        _("Total: ¥%(total)s") % {"total": order.total},
        _("Ship to: %(address)s, %(name)s, %(phone)s")
        % {"address": address, "name": order.buyer_name, "phone": order.buyer_phone},
    ]
    wishes = _wishes(order)
    if wishes:
        parts.append(_("Your wishes: %(wishes)s") % {"wishes": "; ".join(wishes)})
    parts.append(_("If anything is wrong, please reply to this message before the order ships."))
    return "\n".join(parts)


@transaction.atomic
def record_order_confirmation(*, order: Order, at: datetime) -> OutgoingMessage | None:
    """Record the buyer's confirmation of an approved order, once per order (None when
    it was recorded already). Written in the shop's language (the site language: a
    shop has no language of its own yet)."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if OutgoingMessage.objects.filter(order=order, kind=MessageKind.ORDER_CONFIRMATION).exists():
        return None
    with translation.override(settings.LANGUAGE_CODE):
        text = confirmation_text(order)
    return OutgoingMessage.objects.create(
        order=order,
        customer_id=order.customer_id,
        channel=Channel.IM if order.buyer_nickname else Channel.SMS,
        recipient=order.buyer_nickname or order.buyer_phone,
        kind=MessageKind.ORDER_CONFIRMATION,
        text=text,
        created_at=at,
    )


@transaction.atomic
def record_order_confirmations(*, order_ids: Sequence[int], at: datetime) -> int:
    """`record_order_confirmation` for many approved orders at once (a review batch):
    one read of what was recorded already and one INSERT. Returns how many were new."""
    pks = sorted(order_ids)
    locked = list(Order.objects.select_for_update(of=("self",)).filter(pk__in=pks).order_by("pk"))
    done = set(
        OutgoingMessage.objects.filter(order_id__in=pks, kind=MessageKind.ORDER_CONFIRMATION).values_list(
            "order_id", flat=True
        )
    )
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for line in OrderLine.objects.filter(order_id__in=pks).order_by("order_id", "position"):
        lines[line.order_id].append(line)
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for order in locked:
            if order.pk in done:
                continue
            messages.append(
                OutgoingMessage(
                    order=order,
                    customer_id=order.customer_id,
                    channel=Channel.IM if order.buyer_nickname else Channel.SMS,
                    recipient=order.buyer_nickname or order.buyer_phone,
                    kind=MessageKind.ORDER_CONFIRMATION,
                    text=confirmation_text(order, lines=lines[order.pk]),
                    created_at=at,
                )
            )
    OutgoingMessage.objects.bulk_create(messages)
    return len(messages)
