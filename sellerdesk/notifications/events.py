"""Every event's messages, written to the outbox in the event's own transaction (C13).

One writer per event (confirmed, paid, shipped, in transit, delivered, a parcel problem,
after-sales progress, refund done, a sign-in code, a purchase order to its supplier). Each
writes the buyer's messages through `outbox.notify` — the channels the shop sends the kind
on, the buyer's language, the shop's template (N3's words; this module only hands over the
facts as parameters) — keyed by the event, e.g. "paid:SO123" (the outbox adds the
channel), so a replayed event writes nothing more and the worker sends nothing twice. A
rolled-back event takes its messages with it: nothing is sent for what did not happen.

Order events also go to every active webhook endpoint that hears them
(notifications.webhooks: EVENT_OF_KIND names the events): one delivery per endpoint, keyed
by the event and the endpoint.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from sellerdesk.logistics.models import Carrier
from sellerdesk.notifications import outbox, rules, templates, webhooks
from sellerdesk.notifications.models import (
    BuyerPreference,
    Channel,
    MessageKind,
    MessageStatus,
    OutgoingMessage,
    WebhookEndpoint,
)
from sellerdesk.notifications.webhooks import EVENT_OF_KIND
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.purchasing.models import PurchaseOrder
from sellerdesk.shops.models import Shop

K = MessageKind

# --- parameters ----------------------------------------------------------------------------


def buyer_language(order: Order) -> str:
    """The language the buyer's messages are written in: the buyer's choice in the portal,
    else the site's (what `outbox.notify` uses; the goods are listed in it too)."""
    chosen = BuyerPreference.objects.filter(customer_id=order.customer_id).values_list("language", flat=True).first()
    return templates.normalize_language(chosen or settings.LANGUAGE_CODE)


def _shown(params: Mapping[str, Any], language: str) -> dict[str, str]:
    # Stored on the row (JSON) and filled into templates: every value as the buyer reads it.
    return {name: templates.display_value(value, language) for name, value in params.items()}


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:10]


def _moment(at: datetime) -> str:
    return f"{at.timestamp():.6f}"


# --- webhooks ------------------------------------------------------------------------------


def _order_data(order: Order, **extra: Any) -> dict[str, Any]:
    # Ids and facts, no personal data (a receiver that needs the buyer asks the API).
    data: dict[str, Any] = {
        "order": order.number,
        "shop": order.shop.code,
        "status": order.status,
        "payment_status": order.payment_status,
        "total": f"{order.total:.2f}",
    }
    data.update({name: f"{value:.2f}" if isinstance(value, Decimal) else value for name, value in extra.items()})
    return data


def _endpoints(kind: str, shop_id: int | None) -> list[WebhookEndpoint]:
    """The active endpoints that hear `kind`'s event about an order of the shop, as
    webhooks.enqueue_event chooses them (for the batch of confirmations, read once)."""
    event = EVENT_OF_KIND[kind]
    return [
        endpoint
        # Remembered as enqueue_event reads them (core.refcache).
        for endpoint in webhooks.active_endpoints()
        if endpoint.shop_id in (None, shop_id) and (not endpoint.events or event in endpoint.events)
    ]


def post_webhooks(*, kind: str, order: Order, key: str, at: datetime, data: Mapping[str, Any]) -> list[OutgoingMessage]:
    """`kind`'s event (webhooks.EVENT_OF_KIND) to each active endpoint that hears it, keyed
    `{key}:webhook:{endpoint id}` (notifications.webhooks)."""
    return webhooks.enqueue_event(
        event=EVENT_OF_KIND[kind], data={**data, "at": at.isoformat()}, key=key, at=at, order=order
    )


def _order_event(
    *,
    kind: str,
    order: Order,
    key: str,
    at: datetime,
    params: Mapping[str, Any],
    data: Mapping[str, Any],
    channels: Sequence[str] | None = None,
) -> list[OutgoingMessage]:
    messages = outbox.notify(kind=kind, order=order, params=params, at=at, key=key, channels=channels)
    post_webhooks(kind=kind, order=order, key=key, at=at, data=_order_data(order, **data))
    return messages


# --- the order's steps ---------------------------------------------------------------------


def _wishes(order: Order, language: str) -> str:
    """The confirmation's line of the buyer's recognised wishes in their language (the
    template's {wishes}: a line of its own, empty when there are none)."""
    wishes = order.buyer_instructions
    found: list[str] = []
    with translation.override(language):
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
    if not found:
        return ""
    with translation.override(language):
        return "\n" + _("Your wishes: %(wishes)s") % {"wishes": ("；" if language == "zh-hans" else "; ").join(found)}


def confirmation_key(order: Order) -> str:
    return f"confirmed:{order.number}"


def tell_order_confirmed(*, order: Order, at: datetime) -> list[OutgoingMessage]:
    """The buyer is asked to check an approved order (goods, total, address, their
    wishes), on the shop's channels for the kind; and order.confirmed to webhooks."""
    params = {"wishes": _wishes(order, buyer_language(order))}
    return _order_event(
        kind=K.ORDER_CONFIRMATION, order=order, key=confirmation_key(order), at=at, params=params, data={}
    )


def tell_paid(*, order: Order, at: datetime) -> list[OutgoingMessage]:
    """'Payment received' with the goods and the total; order.paid to webhooks."""
    params = {"total": order.paid_amount or order.total}
    return _order_event(
        kind=K.PAID,
        order=order,
        key=f"paid:{order.number}",
        at=at,
        params=params,
        data={"paid_amount": order.paid_amount},
    )


# The key's first word per parcel message ("shipped:SO123:YT1").
_PARCEL_KEYS: dict[str, str] = {K.PARCEL_SHIPPED: "shipped", K.IN_TRANSIT: "in_transit", K.DELIVERED: "delivered"}


def _parcel_event(
    kind: str, *, order: Order, tracking_number: str, carrier_name: str, at: datetime, **extra: Any
) -> list[OutgoingMessage]:
    params = {"tracking_number": tracking_number, "carrier": carrier_name, **extra}
    prefix = _PARCEL_KEYS[kind]
    return _order_event(
        kind=kind,
        order=order,
        # Per parcel: an order split into parcels tells of each, each once.
        key=f"{prefix}:{order.number}:{tracking_number}",
        at=at,
        params=params,
        data={"tracking_number": tracking_number, "carrier": carrier_name, **extra},
    )


def tell_parcel_shipped(
    *, order: Order, tracking_number: str, carrier_name: str, at: datetime
) -> list[OutgoingMessage]:
    """'Your parcel is on its way' with the carrier and tracking number, once per parcel."""
    return _parcel_event(
        K.PARCEL_SHIPPED, order=order, tracking_number=tracking_number, carrier_name=carrier_name, at=at
    )


def tell_parcel_in_transit(
    *, order: Order, tracking_number: str, carrier_name: str, location: str, at: datetime
) -> list[OutgoingMessage]:
    """The parcel's first move in transit (where it is now), at most once per parcel
    (the key: a parcel that goes back to in transit is not told again)."""
    return _parcel_event(
        K.IN_TRANSIT, order=order, tracking_number=tracking_number, carrier_name=carrier_name, at=at, location=location
    )


def tell_parcel_delivered(
    *, order: Order, tracking_number: str, carrier_name: str, at: datetime
) -> list[OutgoingMessage]:
    """'Your parcel was delivered', once per parcel."""
    return _parcel_event(K.DELIVERED, order=order, tracking_number=tracking_number, carrier_name=carrier_name, at=at)


def tell_parcel_problem(
    *, order: Order, problem: str, code: str, tracking_number: str, carrier_name: str, at: datetime, text: str = ""
) -> list[OutgoingMessage]:
    """A parcel in trouble (delayed, lost, damaged …): `problem` the buyer's short words for
    it (code: the exception's kind). `text`, when an agent wrote the message, goes as
    written on every channel (the template's subject kept for email). Keyed by the moment:
    every contact is its own message, a replay of one writes nothing."""
    params: dict[str, Any] = {"tracking_number": tracking_number, "carrier": carrier_name, "problem": problem}
    key = f"parcel_problem:{order.number}:{tracking_number}:{code}:{_moment(at)}"
    data = {"tracking_number": tracking_number, "carrier": carrier_name, "problem": code}
    if not text:
        return _order_event(kind=K.PARCEL_PROBLEM, order=order, key=key, at=at, params=params, data=data)
    language = buyer_language(order)
    filled = {**templates.params_for_order(order, language=language), **params, "text": text}
    written = []
    preference = outbox.buyer_preference(order.customer_id)
    for channel in rules.channels_for(order.shop, K.PARCEL_PROBLEM):
        recipient = outbox.recipient_of(channel, order, preference)
        if not recipient:
            continue
        subject = templates.render(
            kind=K.PARCEL_PROBLEM, channel=channel, language=language, params=filled, shop=order.shop
        ).subject
        message = outbox.enqueue(
            kind=K.PARCEL_PROBLEM,
            channel=channel,
            recipient=recipient,
            key=f"{key}:{channel}",
            text=text,
            subject=subject,
            params=filled,
            order=order,
            language=language,
            at=at,
        )
        if message is not None:
            written.append(message)
    post_webhooks(kind=K.PARCEL_PROBLEM, order=order, key=key, at=at, data=_order_data(order, **data))
    return written


def _in_site_first(kind: str, order: Order) -> list[str]:
    # After-sales news always reaches the portal (where the buyer follows the case), and
    # whatever channels the shop sends the kind on besides.
    return list(dict.fromkeys([Channel.IN_SITE, *rules.channels_for(order.shop, kind)]))


def tell_case_progress(
    *, order: Order, case_number: str, progress: str, step: str, at: datetime
) -> list[OutgoingMessage]:
    """News of an after-sales case (`progress`: the sentence of the step, in the buyer's
    language), in the portal and on the shop's channels for the kind. Keyed by the case,
    the step, the moment and the words: a replay writes nothing, a new step (or a second
    message) is its own."""
    params = {"case_number": case_number, "progress": progress}
    key = f"aftersales:{case_number}:{step}:{_moment(at)}:{_digest(progress)}"
    return _order_event(
        kind=K.AFTERSALES,
        order=order,
        key=key,
        at=at,
        params=params,
        data={"case": case_number, "step": step},
        channels=_in_site_first(K.AFTERSALES, order),
    )


def tell_refund_done(
    *, order: Order, case_number: str, refund_number: str, amount: Decimal, at: datetime
) -> list[OutgoingMessage]:
    """The refund's money has gone back: amount, case, order; once per refund."""
    params = {"case_number": case_number, "refund_number": refund_number, "refund_amount": amount}
    return _order_event(
        kind=K.REFUND_DONE,
        order=order,
        key=f"refund_done:{refund_number}",
        at=at,
        params=params,
        data={"case": case_number, "refund": refund_number, "amount": amount},
        channels=_in_site_first(K.REFUND_DONE, order),
    )


# --- sign-in codes -------------------------------------------------------------------------


def send_one_time_code(*, order: Order, code: str, valid_minutes: int, at: datetime) -> OutgoingMessage | None:
    """The SMS with a sign-in code to the order's phone, due at once: a transactional kind
    the rules never hold for quiet hours nor cap. One per code request (keyed by the
    moment it was asked for)."""
    params = {"code": code, "minutes": valid_minutes}
    messages = outbox.notify(
        kind=K.ONE_TIME_CODE,
        order=order,
        params=params,
        at=at,
        key=f"one_time_code:{order.number}:{_moment(at)}",
        channels=[Channel.SMS],
    )
    return messages[0] if messages else None


# --- purchase orders to suppliers ----------------------------------------------------------


def purchase_order_key(number: str) -> str:
    return f"purchase_order:{number}"


def email_purchase_order(*, purchase_order: PurchaseOrder, email: str, at: datetime) -> OutgoingMessage | None:
    """The purchase order emailed to its supplier's `email` with its PDF attached (the
    email channel makes the PDF from purchasing.documents when it sends, so the mail shows
    the order as it is then: a sent order's lines no longer change). In the site's language
    (a supplier has none of its own); once per purchase order."""
    language = templates.normalize_language(settings.LANGUAGE_CODE)
    shop = Shop.objects.filter(is_default=True).first()
    params = _shown(
        {
            "supplier_name": purchase_order.supplier.name,
            "po_number": purchase_order.number,
            "total": purchase_order.total,
            "shop_name": shop.name if shop is not None else "",
        },
        language,
    )
    words = templates.render(kind=K.PURCHASE_ORDER, channel=Channel.EMAIL, language=language, params=params, shop=shop)
    return outbox.enqueue(
        kind=K.PURCHASE_ORDER,
        channel=Channel.EMAIL,
        recipient=email,
        key=f"{purchase_order_key(purchase_order.number)}:{Channel.EMAIL}",
        text=words.body,
        subject=words.subject,
        params=params,
        shop=shop,
        language=language,
        attachments=[
            {
                "kind": "purchase_order",
                "document": purchase_order.number,
                "name": f"{purchase_order.number}.pdf",
                "content_type": "application/pdf",
            }
        ],
        at=at,
    )


def purchase_order_messages(number: str) -> list[OutgoingMessage]:
    """The messages written for purchase order `number` (its email), oldest first."""
    return list(
        OutgoingMessage.objects.filter(
            kind=K.PURCHASE_ORDER, idempotency_key__startswith=purchase_order_key(number) + ":"
        ).order_by("created_at", "pk")
    )


# --- the confirmation of many orders at once -----------------------------------------------


def _sent_today(customer_ids: set[int], channels: set[str], at: datetime) -> dict[tuple[int, str], int]:
    """rules.sent_today for many buyers and channels in one query (a buyer's day holds a
    few messages at most, the daily cap: counted here rather than grouped in SQL)."""
    return dict(
        Counter(
            OutgoingMessage.objects.filter(rules.sent_today_condition(customer_ids, channels, at)).values_list(
                "customer_id", "channel"
            )
        )
    )


@transaction.atomic
def tell_orders_confirmed(*, order_ids: Sequence[int], at: datetime, locked: Sequence[Order] = ()) -> int:
    """`tell_order_confirmed` for a batch of approved orders (the review sweep approves
    hundreds at once): the same rows — channels, recipients, language, words, keys, the
    rules' verdict — written with a handful of reads and ONE insert, instead of a dozen
    queries per order. Orders with a confirmation already are skipped. Returns how many
    orders were confirmed now. `locked`, when the caller gives them, are exactly those
    orders, locked in its transaction with their shop: they are not locked and read again."""
    pks = sorted(order_ids)
    if locked and sorted(order.pk for order in locked) == pks:
        locked = sorted(locked, key=lambda order: order.pk)
    else:
        locked = list(
            Order.objects.select_for_update(of=("self",)).select_related("shop").filter(pk__in=pks).order_by("pk")
        )
    done = set(
        OutgoingMessage.objects.filter(order_id__in=pks, kind=K.ORDER_CONFIRMATION).values_list("order_id", flat=True)
    )
    orders = [order for order in locked if order.pk not in done]
    if not orders:
        return 0
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for line in OrderLine.objects.filter(order_id__in=[order.pk for order in orders]).order_by("order_id", "position"):
        lines[line.order_id].append(line)
    customer_ids = {order.customer_id for order in orders if order.customer_id is not None}
    preferences = {pref.customer_id: pref for pref in BuyerPreference.objects.filter(customer_id__in=customer_ids)}
    shop_settings = {}
    for order in orders:
        if order.shop_id not in shop_settings:
            shop_settings[order.shop_id] = rules.settings_for(order.shop)
    channels = {
        shop_id: rules.channels_for(None, K.ORDER_CONFIRMATION, settings=current)
        for shop_id, current in shop_settings.items()
    }
    counts = _sent_today(customer_ids, {channel for chosen in channels.values() for channel in chosen}, at)
    words: dict[tuple[int, str, str], templates.Template] = {}
    typed = {order.carrier.strip() for order in orders if order.carrier.strip()}
    carrier_names: dict[str, str] = {}
    if typed:
        for code, name in Carrier.objects.filter(Q(code__in=typed) | Q(name__in=typed)).values_list("code", "name"):
            carrier_names.setdefault(code, name)
            carrier_names.setdefault(name, name)
    endpoints = {shop_id: _endpoints(K.ORDER_CONFIRMATION, shop_id) for shop_id in shop_settings}
    rows: list[OutgoingMessage] = []
    for order in orders:
        current = shop_settings[order.shop_id]
        preference = preferences.get(order.customer_id) if order.customer_id is not None else None
        # Stored as notify stores it; the templates read it normalized.
        stored_language = (preference.language if preference and preference.language else "") or settings.LANGUAGE_CODE
        language = templates.normalize_language(stored_language)
        # As outbox.notify fills them (templates.params_for_order with the event's over
        # them), from the batch's reads instead of two queries per order.
        address = " ".join(p for p in (order.province, order.city, order.district, order.address_detail) if p)
        carrier = order.carrier.strip()
        params = {
            "buyer_name": order.buyer_name,
            "order_number": order.number,
            "shop_name": order.shop.name,
            "goods": templates.goods_text(lines[order.pk], language),
            "total": order.total,
            "pay_by": order.pay_deadline or "",
            "tracking_number": order.tracking_number,
            "carrier": carrier_names.get(carrier, carrier) if carrier else "",
            "address": address,
            "wishes": _wishes(order, language),
        }
        for channel in channels[order.shop_id]:
            recipient = outbox.recipient_of(channel, order, preference).strip()
            if not recipient:
                continue
            if (order.shop_id, channel, language) not in words:
                words[(order.shop_id, channel, language)] = templates.template_for(
                    kind=K.ORDER_CONFIRMATION, channel=channel, language=language, shop=order.shop
                )[0]
            template = words[(order.shop_id, channel, language)]
            status, send_at, reason = _confirmation_verdict(order, channel, current, counts, at)
            rows.append(
                OutgoingMessage(
                    order=order,
                    customer_id=order.customer_id,
                    shop_id=order.shop_id,
                    channel=channel,
                    recipient=recipient[:500],
                    kind=K.ORDER_CONFIRMATION,
                    language=stored_language,
                    subject=templates.fill(template.subject, params, language).strip()[:200],
                    text=templates.fill(template.body, params, language).strip(),
                    params=outbox.json_safe(params),
                    attachments=[],
                    transactional=True,
                    status=status,
                    idempotency_key=f"{confirmation_key(order)}:{channel}",
                    next_attempt_at=send_at if status == MessageStatus.QUEUED else None,
                    last_error=reason if status == MessageStatus.SUPPRESSED else "",
                    created_at=at,
                )
            )
        for endpoint in endpoints[order.shop_id]:
            # As webhooks.enqueue_event writes it.
            rows.append(
                OutgoingMessage(
                    order=order,
                    customer_id=order.customer_id,
                    shop_id=endpoint.shop_id or order.shop_id,
                    channel=Channel.WEBHOOK,
                    recipient=endpoint.url,
                    kind=K.WEBHOOK_EVENT,
                    text="",
                    params={
                        "event": EVENT_OF_KIND[K.ORDER_CONFIRMATION],
                        "data": {**_order_data(order), "at": at.isoformat()},
                    },
                    transactional=True,
                    status=MessageStatus.QUEUED,
                    idempotency_key=f"{confirmation_key(order)}:webhook:{endpoint.pk}",
                    next_attempt_at=at,
                    webhook=endpoint,
                    created_at=at,
                )
            )
    OutgoingMessage.objects.bulk_create(rows)
    if any(row.status == MessageStatus.QUEUED for row in rows):
        transaction.on_commit(outbox.wake_sender)
    return len(orders)


def _confirmation_verdict(
    order: Order, channel: str, current: Any, counts: dict[tuple[int, str], int], at: datetime
) -> tuple[str, datetime, str]:
    """rules.plan for a confirmation (a transactional kind on a channel the shop chose),
    from the batch's reads: the daily cap (counting this batch's own messages), then quiet
    hours for an SMS. tests/notifications/test_events.py holds it equal to rules.plan."""
    if order.customer_id is not None and current.daily_cap:
        sent = counts.get((order.customer_id, channel), 0)
        if sent >= current.daily_cap:
            return MessageStatus.SUPPRESSED, at, rules.REASON_DAILY_CAP
        counts[(order.customer_id, channel)] = sent + 1
    if channel == Channel.SMS:
        morning = rules.next_morning(None, at, settings=current)
        if morning != at:
            return MessageStatus.QUEUED, morning, rules.REASON_QUIET_HOURS
    return MessageStatus.QUEUED, at, ""


__all__ = [
    "buyer_language",
    "email_purchase_order",
    "post_webhooks",
    "purchase_order_messages",
    "send_one_time_code",
    "tell_case_progress",
    "tell_order_confirmed",
    "tell_orders_confirmed",
    "tell_paid",
    "tell_parcel_delivered",
    "tell_parcel_in_transit",
    "tell_parcel_problem",
    "tell_parcel_shipped",
    "tell_refund_done",
]
