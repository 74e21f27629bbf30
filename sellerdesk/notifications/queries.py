"""Reads of the outbox shared by the API and the staff screens."""

from __future__ import annotations

from typing import cast

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from sellerdesk.core.errors import NotFound
from sellerdesk.core.limits import MAX_ID
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.notifications.models import DeliveryAttempt, MessageKind, OutgoingMessage
from sellerdesk.shops.access import visible_shop_ids

MESSAGES_PER_PAGE = 50


def outbox_messages(
    *, actor: User | None, status: str = "", channel: str = "", kind: str = "", order_number: str = ""
) -> QuerySet[OutgoingMessage]:
    """The outbox's messages, newest first, narrowed by each filter given (empty: any),
    with their order and shop read in the same query."""
    require(actor, "orders.view")
    messages = visible_messages(actor).select_related("order", "shop")
    if status:
        messages = messages.filter(status=status)
    if channel:
        messages = messages.filter(channel=channel)
    if kind:
        messages = messages.filter(kind=kind)
    if order_number:
        messages = messages.filter(order__number=order_number)
    return messages.order_by("-created_at", "-pk")


def visible_messages(actor: User | None) -> QuerySet[OutgoingMessage]:
    """The messages of the shops `actor` may see (shops.access), and those of no shop and
    no order (to a supplier): a buyer's message of another shop is not found."""
    shop_ids = visible_shop_ids(actor)
    if shop_ids is None:
        return OutgoingMessage.objects.all()
    return OutgoingMessage.objects.filter(Q(shop_id__in=shop_ids) | Q(shop__isnull=True, order__isnull=True))


def outbox_page(
    *,
    actor: User | None,
    status: str = "",
    channel: str = "",
    kind: str = "",
    order_number: str = "",
    page: int = 1,
    page_size: int = MESSAGES_PER_PAGE,
) -> Page[OutgoingMessage]:
    """One page of `outbox_messages` (the last page when `page` is past it)."""
    messages = outbox_messages(actor=actor, status=status, channel=channel, kind=kind, order_number=order_number)
    return cast("Page[OutgoingMessage]", Paginator(messages, page_size).get_page(page))


def get_message(*, message_id: int, actor: User | None) -> OutgoingMessage:
    """One message with its order, shop and webhook; NotFound (404) when there is none."""
    require(actor, "orders.view")
    message = (
        visible_messages(actor).select_related("order", "shop", "webhook").filter(pk=message_id).first()
        if 0 < message_id <= MAX_ID
        else None
    )
    if message is None:
        raise NotFound(_("No message %(id)s.") % {"id": message_id}, details={"id": message_id})
    return message


def attempts_of(message: OutgoingMessage) -> list[DeliveryAttempt]:
    """Every attempt at sending the message, first first."""
    return list(DeliveryAttempt.objects.filter(message=message).order_by("number", "pk"))


def order_confirmations(order_id: int) -> list[OutgoingMessage]:
    """The buyer's order confirmation (订单确认信息) of an order, one per channel it went on,
    recorded when the order was approved (became valid); none before that."""
    return list(
        OutgoingMessage.objects.filter(order_id=order_id, kind=MessageKind.ORDER_CONFIRMATION).order_by(
            "created_at", "pk"
        )
    )
