"""/api/v1/notifications/messages: the outbox (deliveries, dead letters, attempts) and resend."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Status
from pydantic import BaseModel, Field

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.idempotency import idempotent
from sellerdesk.notifications import outbox, queries
from sellerdesk.notifications.models import Channel, DeliveryAttempt, MessageKind, MessageStatus, OutgoingMessage
from sellerdesk.orders.api_helpers import requested_order

router = Router(tags=["notifications"])

# Ninja names each schema in the OpenAPI spec by its class name, project-wide: hence the prefix.


class OutboxMessageFilter(BaseModel):
    status: MessageStatus | None = None
    channel: Channel | None = None
    kind: MessageKind | None = None
    order: str = Field(default="", max_length=40, description="an order number")
    page: int = Field(default=1, ge=1, le=100000)


class OutboxMessageOut(BaseModel):
    id: int
    kind: str
    channel: str
    recipient: str
    status: str
    order: str | None
    shop: str | None
    language: str
    subject: str
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    provider_message_id: str
    last_error: str
    idempotency_key: str | None
    created_at: datetime


class OutboxAttemptOut(BaseModel):
    number: int
    started_at: datetime
    duration_ms: int
    ok: bool
    status_code: int | None
    provider_message_id: str
    error: str
    response: str


class OutboxMessageDetailOut(OutboxMessageOut):
    text: str
    params: dict[str, Any]
    transactional: bool
    webhook: str | None
    delivery_attempts: list[OutboxAttemptOut]


class OutboxMessagePageOut(BaseModel):
    count: int
    page: int
    pages: int
    items: list[OutboxMessageOut]


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment else None


def message_out(message: OutgoingMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "kind": message.kind,
        "channel": message.channel,
        "recipient": message.recipient,
        "status": message.status,
        "order": message.order.number if message.order else None,
        "shop": message.shop.code if message.shop else None,
        "language": message.language,
        "subject": message.subject,
        "attempts": message.attempts,
        "next_attempt_at": _local(message.next_attempt_at),
        "sent_at": _local(message.sent_at),
        "provider_message_id": message.provider_message_id,
        "last_error": message.last_error,
        "idempotency_key": message.idempotency_key,
        "created_at": _local(message.created_at),
    }


def attempt_out(attempt: DeliveryAttempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "started_at": _local(attempt.started_at),
        "duration_ms": attempt.duration_ms,
        "ok": attempt.ok,
        "status_code": attempt.status_code,
        "provider_message_id": attempt.provider_message_id,
        "error": attempt.error,
        "response": attempt.response,
    }


def message_detail_out(message: OutgoingMessage) -> dict[str, Any]:
    return {
        **message_out(message),
        "text": message.text,
        "params": message.params if isinstance(message.params, dict) else {},
        "transactional": message.transactional,
        "webhook": message.webhook.url if message.webhook else None,
        "delivery_attempts": [attempt_out(attempt) for attempt in queries.attempts_of(message)],
    }


@router.get("/notifications/messages", response={200: OutboxMessagePageOut, **ERROR_RESPONSES})
def list_messages(request: HttpRequest, filters: Query[OutboxMessageFilter]) -> Any:
    """The outbox, newest first: filter by status (dead: the dead letters), channel, kind, order."""
    page = queries.outbox_page(
        actor=actor_of(request),
        status=filters.status or "",
        channel=filters.channel or "",
        kind=filters.kind or "",
        order_number=filters.order,
        page=filters.page,
    )
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "items": [message_out(message) for message in page.object_list],
    }


@router.get("/notifications/messages/{message_id}", response={200: OutboxMessageDetailOut, **ERROR_RESPONSES})
def get_message(request: HttpRequest, message_id: Path[int]) -> Any:
    """One message with every attempt at sending it."""
    return message_detail_out(queries.get_message(message_id=message_id, actor=actor_of(request)))


@router.post("/notifications/messages/{message_id}/resend", response={200: OutboxMessageDetailOut, **ERROR_RESPONSES})
def resend_message(request: HttpRequest, message_id: Path[int]) -> Status[Any]:
    """Queue a dead (or sent) message again (owner, supervisor); 409 for any other status."""

    def produce() -> tuple[int, Any]:
        actor = actor_of(request)
        message = queries.get_message(message_id=message_id, actor=actor)
        return 200, message_detail_out(outbox.resend(message=message, actor=actor))

    return idempotent(request, produce)


# --- the buyer's order confirmation (订单确认信息) ------------------------------------------


class OrderConfirmationMessageOut(BaseModel):
    channel: str
    recipient: str
    language: str
    subject: str
    text: str
    status: str
    recorded_at: datetime
    sent_at: datetime | None


class OrderConfirmationOut(BaseModel):
    order: str
    # When the order became valid (approved); null while it is not.
    approved_at: datetime | None
    messages: list[OrderConfirmationMessageOut]


@router.get("/orders/{number}/confirmation", response={200: OrderConfirmationOut, **ERROR_RESPONSES})
def order_confirmation(request: HttpRequest, number: str) -> Any:
    """The buyer's order confirmation (订单确认信息: goods, total, address, their wishes) as
    recorded when the order was approved, one per channel; none before approval. 404 for
    an order the caller may not see."""
    order = requested_order(request, number)
    return {
        "order": order.number,
        "approved_at": _local(order.approved_at),
        "messages": [
            {
                "channel": message.channel,
                "recipient": message.recipient,
                "language": message.language,
                "subject": message.subject,
                "text": message.text,
                "status": message.status,
                "recorded_at": _local(message.created_at),
                "sent_at": _local(message.sent_at),
            }
            for message in queries.order_confirmations(order.pk)
        ],
    }
