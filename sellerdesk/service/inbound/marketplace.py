"""A buyer message pushed by the marketplace (旺旺 and the like), signed by it.

The push is checked (the adapter's signature over the raw body), parsed, and stored in
the conversation of its thread (the marketplace's session id), opened when new. The same
marketplace message pushed again — a retry, or five copies at once — is stored once: the
shop's row is locked while the thread is found or opened and the message written, and
the (channel, message id) pair is unique in the database.

Payload (JSON object, UTF-8):
    {"shop": "main", "message_id": "M1", "thread_id": "T1", "buyer_nick": "xiaoli",
     "text": "什么时候发货？", "order_number": "SO000123"}   # order_number optional
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core import limits
from sellerdesk.core.errors import DomainError, ValidationFailed
from sellerdesk.customers.models import Customer
from sellerdesk.orders.models import Order
from sellerdesk.service import adapters, conversations
from sellerdesk.service.models import Conversation, ConversationChannel, Message
from sellerdesk.shops.models import Shop

MAX_ID = 200
MAX_NICK = 100
MAX_BODY_BYTES = 64 * 1024


class InvalidSignature(DomainError):
    """The push is not signed by the marketplace (401); nothing is stored."""

    code = "invalid_signature"
    status = 401

    def __init__(self) -> None:
        super().__init__(
            _("The push is not signed with the marketplace's secret (header %(header)s).")
            % {"header": adapters.SIGNATURE_HEADER}
        )


@dataclass(frozen=True)
class Received:
    message: Message
    duplicate: bool


def _text(payload: dict[str, Any], key: str, *, limit: int, required: bool, bad: dict[str, str]) -> str:
    value = payload.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        bad[key] = _("must be a string")
        return ""
    value = value.replace("\x00", "").strip()
    if required and not value:
        bad[key] = _("is required")
    elif len(value) > limit:
        bad[key] = _("at most %(count)s characters") % {"count": limit}
    return value


def parse(body: bytes) -> adapters.PushedMessage:
    """The pushed message in `body`; ValidationFailed naming every bad field."""
    if len(body) > MAX_BODY_BYTES:
        raise ValidationFailed({"body": _("at most %(count)s bytes") % {"count": MAX_BODY_BYTES}})
    try:
        payload = limits.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed({"body": _("is not a JSON object")}) from None
    if not isinstance(payload, dict):
        raise ValidationFailed({"body": _("is not a JSON object")})
    bad: dict[str, str] = {}
    shop = _text(payload, "shop", limit=20, required=True, bad=bad)
    message_id = _text(payload, "message_id", limit=MAX_ID, required=True, bad=bad)
    thread_id = _text(payload, "thread_id", limit=MAX_ID, required=True, bad=bad)
    nick = _text(payload, "buyer_nick", limit=MAX_NICK, required=True, bad=bad)
    text = _text(payload, "text", limit=conversations.max_message_chars(), required=True, bad=bad)
    order_number = _text(payload, "order_number", limit=40, required=False, bad=bad)
    if bad:
        raise ValidationFailed(bad)
    return adapters.PushedMessage(
        shop_code=shop,
        message_id=message_id,
        thread_id=thread_id,
        buyer_nick=nick,
        text=text,
        sent_at=None,
        order_number=order_number,
    )


def _thread(shop: Shop, pushed: adapters.PushedMessage, *, at: datetime) -> Conversation:
    found = (
        Conversation.objects.filter(
            shop=shop, channel=ConversationChannel.MARKETPLACE, external_thread=pushed.thread_id
        )
        .order_by("-last_message_at", "-pk")
        .first()
    )
    if found is not None:
        return found
    customer = Customer.objects.filter(shop=shop, nickname=pushed.buyer_nick).order_by("pk").first()
    order = None
    if pushed.order_number:
        order = Order.objects.filter(shop=shop, number=pushed.order_number).first()
        if order is not None and customer is not None and order.customer_id != customer.pk:
            order = None
    return conversations.open_conversation(
        shop=shop,
        channel=ConversationChannel.MARKETPLACE,
        customer=customer,
        order=order,
        contact=pushed.buyer_nick,
        contact_name=pushed.buyer_nick,
        external_thread=pushed.thread_id,
        at=at,
    )


def receive_push(*, body: bytes, signature: str, at: datetime | None = None) -> Received:
    """Check, parse and store one pushed buyer message (InvalidSignature 401,
    ValidationFailed 422, nothing stored). A message id stored before answers that
    message with duplicate=True."""
    at = at or timezone.now()
    if not adapters.marketplace_adapter().verify(body, signature or ""):
        raise InvalidSignature()
    pushed = parse(body)
    shop = Shop.objects.filter(code=pushed.shop_code).first()
    if shop is None:
        raise ValidationFailed({"shop": _("no shop has the code %(code)s") % {"code": pushed.shop_code}})
    known = Message.objects.filter(channel=ConversationChannel.MARKETPLACE, external_id=pushed.message_id).first()
    if known is not None:
        return Received(known, True)
    with transaction.atomic():
        # One writer per shop while the thread is found or opened: twin pushes of a new
        # thread open one conversation, and the second sees the first's message.
        Shop.objects.select_for_update().filter(pk=shop.pk).first()
        known = Message.objects.filter(channel=ConversationChannel.MARKETPLACE, external_id=pushed.message_id).first()
        if known is not None:
            return Received(known, True)
        conversation = _thread(shop, pushed, at=at)
        message = conversations.receive_buyer_message(
            conversation=conversation, body=pushed.text, external_id=pushed.message_id, at=at
        )
    return Received(message, False)
