"""/api/v1/portal/chat/…: the buyer's web chat with the shop's service desk, with the
portal's buyer token (portal.api.BuyerTokenAuth). The buyer sees their conversation's
messages (never the agents' private notes), writes (text, or images judged by their
content), catches up after the last message id they saw, and marks the agents' messages
read. Thin: parse, call service.conversations / service.queries, serialise."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from pydantic import BaseModel, Field, StringConstraints

from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.limits import MAX_ID
from sellerdesk.customers.models import Customer
from sellerdesk.orders.models import Order
from sellerdesk.portal.api import RESPONSES, BuyerTokenAuth, buyer_of, idempotent
from sellerdesk.service import conversations, queries
from sellerdesk.service.models import Attachment, Conversation, ConversationChannel, Message, MessageKind
from sellerdesk.service.schemas import (
    UPLOAD_BODY,
    AttachmentOut,
    Body,
    Strict,
    attachment_out,
    file_response,
    form_text,
    local_time,
    read_files,
)

router = Router(tags=["buyer portal"], auth=[BuyerTokenAuth()])

ATTACHMENT_URL = "/api/v1/portal/chat/attachments/"


class ChatMessageOut(BaseModel):
    id: int
    kind: str = Field(description="buyer (you), agent, system")
    body: str
    author: str | None = Field(description="the agent's name; null for you and for the shop's automatic messages")
    created_at: datetime
    read_at: datetime | None
    attachments: list[AttachmentOut]


class ChatOut(BaseModel):
    conversation: int | None
    status: str | None
    order: str | None
    unread: int = Field(description="the shop's messages you have not read")


def chat_message_out(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "kind": message.kind,
        "body": message.body,
        "author": message.author.signature if message.author_id and message.author else None,
        "created_at": local_time(message.created_at),
        "read_at": local_time(message.read_at),
        "attachments": [attachment_out(item, url_prefix=ATTACHMENT_URL) for item in message.attachments.all()],
    }


def current_chat(customer: Customer) -> Conversation | None:
    """The buyer's web-chat conversation: the latest one (whatever its status)."""
    return (
        Conversation.objects.filter(customer=customer, channel=ConversationChannel.WEB)
        .select_related("order")
        .order_by("-last_message_at", "-pk")
        .first()
    )


@router.get("/portal/chat", response={200: ChatOut, **RESPONSES})
def chat(request: HttpRequest) -> Any:
    """Your conversation with the shop (none yet: conversation null) and its unread count."""
    conversation = current_chat(buyer_of(request))
    if conversation is None:
        return {"conversation": None, "status": None, "order": None, "unread": 0}
    return {
        "conversation": conversation.pk,
        "status": conversation.status,
        "order": conversation.order.number if conversation.order_id and conversation.order else None,
        "unread": conversation.unread_buyer,
    }


class ChatMessagesQuery(BaseModel):
    after: int = Field(default=0, ge=0, le=MAX_ID, description="only messages with a larger id (catching up)")


@router.get("/portal/chat/messages", response={200: list[ChatMessageOut], **RESPONSES})
def chat_messages(request: HttpRequest, query: Query[ChatMessagesQuery]) -> Any:
    """Your conversation's messages in order after message id `after` (at most 500)."""
    conversation = current_chat(buyer_of(request))
    if conversation is None:
        return []
    messages = queries.messages_since(conversation, query.after, include_notes=False)
    return [chat_message_out(message) for message in messages]


OrderNumber = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)]


class ChatMessageIn(Strict):
    body: Body
    order: OrderNumber | None = Field(default=None, description="the order you write about (one of yours)")


def _order_of(customer: Customer, number: str | None) -> Order | None:
    if not number:
        return None
    order = Order.objects.filter(number=number, customer=customer).first()
    if order is None:
        raise ValidationFailed({"order": _("is not one of your orders")})
    return order


@router.post("/portal/chat/messages", response={201: ChatMessageOut, **RESPONSES})
def send_chat_message(request: HttpRequest, payload: ChatMessageIn) -> Status[Any]:
    """Write to the shop: opens a conversation when you have none active. With an
    Idempotency-Key, a retry answers the first message again and sends nothing."""
    customer = buyer_of(request)
    order = _order_of(customer, payload.order)

    def produce() -> tuple[int, Any]:
        conversation = conversations.conversation_for_buyer(customer=customer, order=order)
        message = conversations.receive_buyer_message(conversation=conversation, body=payload.body)
        return 201, chat_message_out(message)

    return idempotent(request, produce)


@router.post("/portal/chat/attachments", response={201: ChatMessageOut, **RESPONSES}, openapi_extra=UPLOAD_BODY)
def send_chat_images(request: HttpRequest) -> Status[Any]:
    """Send images (multipart `files`, up to 5 JPEG/PNG/WebP/GIF, optional `body` and
    `order`): 422 for a file that is not an image, 413 over the size limit."""
    customer = buyer_of(request)
    number = form_text(request, "order").strip()
    if len(number) > 20:
        raise ValidationFailed({"order": _("is not one of your orders")})
    order = _order_of(customer, number)
    files = read_files(request)
    body = form_text(request, "body")

    def produce() -> tuple[int, Any]:
        conversation = conversations.conversation_for_buyer(customer=customer, order=order)
        message = conversations.receive_buyer_message(conversation=conversation, body=body, attachments=files)
        return 201, chat_message_out(message)

    return idempotent(request, produce)


@router.post("/portal/chat/read", response={200: ChatOut, **RESPONSES})
def chat_read(request: HttpRequest) -> Any:
    """You read the shop's messages: their unread count goes to zero."""
    customer = buyer_of(request)
    conversation = current_chat(customer)
    if conversation is not None:
        conversations.buyer_read(conversation=conversation)
    return chat(request)


@router.get(
    "/portal/chat/attachments/{attachment_id}",
    response={**RESPONSES},
    openapi_extra={"responses": {200: {"content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}}}},
)
def chat_attachment(request: HttpRequest, attachment_id: Path[int]) -> HttpResponseBase:
    """An image of your conversation (never another buyer's: 404)."""
    customer = buyer_of(request)
    item = None
    if 1 <= attachment_id <= MAX_ID:
        item = (
            Attachment.objects.filter(pk=attachment_id, message__conversation__customer=customer)
            .exclude(message__kind=MessageKind.NOTE)
            .first()
        )
    if item is None:
        raise NotFound(_("No such file."), details={"attachment": attachment_id})
    return file_response(item)
