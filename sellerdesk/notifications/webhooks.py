"""Webhook endpoints: other systems that hear of events (C13), and the events they hear.

Staff with "notifications.manage" add, change and remove endpoints and send one a test
event ("ping"). Each endpoint has a URL (checked by channels.webhook.check_webhook_url:
http(s) only, no credentials, never this server or an internal address), a signing
secret (made here when none is given), the events it hears (none listed: every event)
and a switch. Every change is audited (without the secret).

`enqueue_event` is how an event reaches the endpoints: one outbox message per endpoint
that hears it, in the caller's transaction, each with its own idempotency key (the
event's key and the endpoint), which the receiver gets as X-Sellerdesk-Delivery.
docs/webhooks.md describes what a receiver gets and how it checks it.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core import refcache
from sellerdesk.core.audit import record, register_audit_code
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.refcache import remembered
from sellerdesk.notifications import outbox
from sellerdesk.notifications.channels.webhook import check_webhook_url
from sellerdesk.notifications.models import Channel, MessageKind, OutgoingMessage, WebhookEndpoint
from sellerdesk.orders.models import Order
from sellerdesk.shops.access import require_visible_shop, visible_shop_ids
from sellerdesk.shops.models import Shop

# The events an endpoint may hear: the order's messages by kind, and the test event.
EVENT_OF_KIND: dict[str, str] = {
    MessageKind.ORDER_CONFIRMATION: "order.confirmed",
    MessageKind.PAID: "order.paid",
    MessageKind.PARCEL_SHIPPED: "order.shipped",
    MessageKind.IN_TRANSIT: "order.in_transit",
    MessageKind.DELIVERED: "order.delivered",
    MessageKind.PARCEL_PROBLEM: "order.parcel_problem",
    MessageKind.AFTERSALES: "order.aftersales",
    MessageKind.REFUND_DONE: "order.refunded",
    MessageKind.PAYMENT_REMINDER: "order.payment_reminder",
}
PING = "ping"
WEBHOOK_EVENTS: tuple[str, ...] = (*EVENT_OF_KIND.values(), PING)

ENDPOINT = "webhook_endpoint"
WEBHOOK_ADDED = "webhook_added"
WEBHOOK_CHANGED = "webhook_changed"
WEBHOOK_REMOVED = "webhook_removed"
WEBHOOK_PINGED = "webhook_pinged"
register_audit_code(
    WEBHOOK_ADDED, ENDPOINT, gettext_lazy("Webhook added: %(url)s."), example={"url": "https://erp.example/hook"}
)
register_audit_code(
    WEBHOOK_CHANGED,
    ENDPOINT,
    gettext_lazy("Webhook changed: %(fields)s."),
    format=lambda data: {"fields": ", ".join(data.get("fields", []))},
    example={"fields": ["url", "events"]},
)
register_audit_code(
    WEBHOOK_REMOVED, ENDPOINT, gettext_lazy("Webhook removed: %(url)s."), example={"url": "https://erp.example/hook"}
)
register_audit_code(WEBHOOK_PINGED, ENDPOINT, gettext_lazy("Test event sent to the webhook."), example={})


def new_secret() -> str:
    """A signing secret: 32 random bytes in hex."""
    return secrets.token_hex(32)


def _check_events(events: Sequence[str]) -> list[str]:
    unknown = [str(event) for event in events if event not in WEBHOOK_EVENTS]
    if unknown:
        raise ValidationFailed(
            {"events": _("unknown events: %(events)s") % {"events": ", ".join(unknown)}},
        )
    return sorted(set(events))


def _check_secret(secret: str) -> str:
    if not 16 <= len(secret) <= 100 or not secret.isprintable() or secret != secret.strip():
        raise ValidationFailed({"secret": _("must be 16 to 100 printable characters, without spaces around")})
    return secret


def _check_description(description: str) -> str:
    if len(description) > 200 or "\x00" in description:
        raise ValidationFailed({"description": _("must be at most 200 characters")})
    return description.strip()


@refcache.forgets
def add_endpoint(
    *,
    url: str,
    actor: User | None,
    events: Sequence[str] = (),
    shop: Shop | None = None,
    secret: str = "",
    description: str = "",
    active: bool = True,
    at: datetime | None = None,
) -> WebhookEndpoint:
    """Add an endpoint (the shop's, or every shop's when `shop` is None). The URL is
    resolved and checked; a secret is made when none is given. Nothing is written when
    anything is refused."""
    require(actor, "notifications.manage")
    require_visible_shop(actor, shop)
    at = at or timezone.now()
    url = check_webhook_url(url)
    checked_events = _check_events(events)
    secret = _check_secret(secret) if secret else new_secret()
    description = _check_description(description)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            shop=shop,
            url=url,
            secret=secret,
            events=checked_events,
            active=active,
            description=description,
            created_at=at,
            created_by=actor,
        )
        record(object_kind=ENDPOINT, object_id=endpoint.pk, code=WEBHOOK_ADDED, actor=actor, at=at, url=url)
    return endpoint


@refcache.forgets
def update_endpoint(
    *,
    endpoint: WebhookEndpoint,
    actor: User | None,
    url: str | None = None,
    events: Sequence[str] | None = None,
    active: bool | None = None,
    description: str | None = None,
    rotate_secret: bool = False,
    at: datetime | None = None,
) -> WebhookEndpoint:
    """Change what is given (None: unchanged); `rotate_secret` makes a new secret, after
    which the receiver must check with the new one. Audited with the fields changed."""
    require(actor, "notifications.manage")
    at = at or timezone.now()
    changes: dict[str, Any] = {}
    if url is not None:
        changes["url"] = check_webhook_url(url)
    if events is not None:
        changes["events"] = _check_events(events)
    if active is not None:
        changes["active"] = bool(active)
    if description is not None:
        changes["description"] = _check_description(description)
    if rotate_secret:
        changes["secret"] = new_secret()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        changed = [name for name, value in changes.items() if getattr(endpoint, name) != value]
        if not changed:
            return endpoint
        for name in changed:
            setattr(endpoint, name, changes[name])
        endpoint.save(update_fields=changed)
        record(object_kind=ENDPOINT, object_id=endpoint.pk, code=WEBHOOK_CHANGED, actor=actor, at=at, fields=changed)
    return endpoint


@refcache.forgets
def remove_endpoint(*, endpoint: WebhookEndpoint, actor: User | None, at: datetime | None = None) -> None:
    """Delete the endpoint. Its deliveries stay (without it); one still queued fails for
    good when its turn comes (the endpoint is gone)."""
    require(actor, "notifications.manage")
    at = at or timezone.now()
    with transaction.atomic():
        url = endpoint.url
        pk = endpoint.pk
        if WebhookEndpoint.objects.filter(pk=pk).delete()[0]:
            record(object_kind=ENDPOINT, object_id=pk, code=WEBHOOK_REMOVED, actor=actor, at=at, url=url)


def list_endpoints(*, actor: User | None, shop: Shop | None = None) -> QuerySet[WebhookEndpoint]:
    """The endpoints (a shop's and those of every shop when `shop` is given), newest first;
    to a user limited to shops, only their shops' (an endpoint of every shop gets other
    shops' events: it is not theirs to see or change)."""
    require(actor, "notifications.manage")
    endpoints = _visible_endpoints(actor)
    if shop is not None:
        endpoints = endpoints.filter(Q(shop=shop) | Q(shop__isnull=True))
    return endpoints.order_by("-created_at", "-pk")


def _visible_endpoints(actor: User | None) -> QuerySet[WebhookEndpoint]:
    limit = visible_shop_ids(actor)
    if limit is None:
        return WebhookEndpoint.objects.all()
    return WebhookEndpoint.objects.filter(shop_id__in=limit)


def get_endpoint(*, pk: int, actor: User | None) -> WebhookEndpoint:
    """The endpoint `pk` (404 when there is none, or `actor` may not see it)."""
    require(actor, "notifications.manage")
    endpoint = _visible_endpoints(actor).filter(pk=pk).first()
    if endpoint is None:
        raise NotFound(_("No such webhook."))
    return endpoint


def _queue(
    *, endpoint: WebhookEndpoint, event: str, data: Mapping[str, Any], key: str, at: datetime, order: Order | None
) -> OutgoingMessage | None:
    return outbox.enqueue(
        kind=MessageKind.WEBHOOK_EVENT,
        channel=Channel.WEBHOOK,
        recipient=endpoint.url,
        key=f"{key}:webhook:{endpoint.pk}",
        params={"event": event, "data": dict(data)},
        order=order,
        shop=endpoint.shop or (order.shop if order is not None else None),
        webhook=endpoint,
        transactional=True,
        at=at,
    )


def enqueue_event(
    *,
    event: str,
    data: Mapping[str, Any],
    key: str,
    at: datetime,
    shop: Shop | None = None,
    order: Order | None = None,
) -> list[OutgoingMessage]:
    """One outbox message per active endpoint that hears `event` (the shop's and every
    shop's endpoints), in the caller's transaction. `key` is the event's own idempotency
    key ("paid:SO123"): called again with it, nothing more is written. `data` must be
    JSON (ids and facts, no personal data beyond what the receiver needs)."""
    if event not in WEBHOOK_EVENTS:
        raise ValidationFailed({"event": _("unknown events: %(events)s") % {"events": event}})
    shop = shop or (order.shop if order is not None else None)
    shop_id = shop.pk if shop is not None else None
    queued = []
    for endpoint in active_endpoints():
        if shop_id is not None and endpoint.shop_id not in (None, shop_id):
            continue
        if endpoint.events and event not in endpoint.events:
            continue
        message = _queue(endpoint=endpoint, event=event, data=data, key=key, at=at, order=order)
        if message is not None:
            queued.append(message)
    return queued


def active_endpoints() -> list[WebhookEndpoint]:
    """The active endpoints, in order; remembered per process for REFERENCE_CACHE_SECONDS
    (core.refcache): every order event asks, and endpoints change rarely."""
    return remembered(("webhook_endpoints",), lambda: list(WebhookEndpoint.objects.filter(active=True).order_by("pk")))


def send_test_event(*, endpoint: WebhookEndpoint, actor: User | None, at: datetime | None = None) -> OutgoingMessage:
    """Queue a "ping" to the endpoint (even one switched off or not listening to pings),
    sent by the worker like any event; its delivery shows how the receiver answered."""
    require(actor, "notifications.manage")
    at = at or timezone.now()
    with transaction.atomic():
        message = outbox.enqueue(
            kind=MessageKind.WEBHOOK_EVENT,
            channel=Channel.WEBHOOK,
            recipient=endpoint.url,
            key=f"ping:{endpoint.pk}:{uuid.uuid4().hex}",
            params={"event": PING, "data": {"webhook": endpoint.pk, "test": True}},
            shop=endpoint.shop,
            webhook=endpoint,
            transactional=True,
            at=at,
        )
        assert message is not None  # a webhook's recipient is its URL, never empty
        record(object_kind=ENDPOINT, object_id=endpoint.pk, code=WEBHOOK_PINGED, actor=actor, at=at)
    return message
