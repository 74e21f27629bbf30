"""What the service desk answers from the layers below it (core.hooks)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.errors import NotFound
from sellerdesk.notifications.hooks import CHAT_DELIVERY
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.service import adapters, conversations
from sellerdesk.service.models import Message


def deliver_chat(message: OutgoingMessage) -> str | None:
    """The outbox's chat channel (notifications.channels.im): an agent's reply to a
    marketplace thread goes to the marketplace; anything else is posted into the buyer's
    web-chat conversation as a system message, once per outbox message. None when no
    buyer is known (the message then stays an in-site one)."""
    if (message.idempotency_key or "").startswith(conversations.MARKETPLACE_REPLY_KEY):
        return _reply_on_marketplace(message)
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


def _reply_on_marketplace(message: OutgoingMessage) -> str:
    """Send the agent's reply through the marketplace adapter (no transaction open). An
    unreachable marketplace raises OSError: the outbox records the attempt and tries
    again later; a reply whose message is gone is refused for good (NotFound)."""
    pk = (message.idempotency_key or "").removeprefix(conversations.MARKETPLACE_REPLY_KEY)
    reply = Message.objects.select_related("conversation__shop").filter(pk=int(pk) if pk.isdigit() else 0).first()
    if reply is None:
        raise NotFound(_("The reply to send is gone."), details={"message": pk})
    conversation = reply.conversation
    sent = adapters.marketplace_adapter().send_reply(
        adapters.OutboundReply(
            shop_code=conversation.shop.code,
            thread_id=conversation.external_thread,
            buyer_nick=conversation.contact,
            message_id=reply.pk,
            text=reply.body,
        )
    )
    return f"marketplace:{sent}"


def connect() -> None:
    """Subscribe this app's functions to the hooks and provide its ports (called once,
    from ServiceConfig.ready)."""
    CHAT_DELIVERY.provide(deliver_chat)
