"""What the service desk answers from the layers below it (core.hooks)."""

from __future__ import annotations

from django.utils import timezone

from sellerdesk.notifications.hooks import CHAT_DELIVERY
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.service import conversations


def deliver_chat(message: OutgoingMessage) -> str | None:
    """The outbox's chat channel (notifications.channels.im): post the message into the
    buyer's web-chat conversation as a system message, once per outbox message. None when
    no buyer is known (the message then stays an in-site one)."""
    customer = message.customer
    order = message.order
    if customer is None and order is not None:
        customer = order.customer
    if customer is None:
        return None
    if order is not None and order.customer_id != customer.pk:
        order = None
    text = message.text.strip() or message.subject.strip()
    if not text:
        return None
    conversation = conversations.conversation_for_notice(customer=customer, order=order, at=timezone.now())
    posted = conversations.post_system_message(
        conversation=conversation,
        body=text[: conversations.max_message_chars()],
        outgoing_message_id=message.pk,
    )
    return f"service:{posted.pk}"


def connect() -> None:
    """Subscribe this app's functions to the hooks and provide its ports (called once,
    from ServiceConfig.ready)."""
    CHAT_DELIVERY.provide(deliver_chat)
