"""/api/v1/portal/messages and /api/v1/portal/preferences: the buyer's in-site and chat
messages (newest first, unread counted, read when opened) and their preferences, with the
portal's buyer token. Thin: parse, call portal.inbox, serialise."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router
from pydantic import BaseModel, Field

from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.portal import inbox
from sellerdesk.portal.api import RESPONSES, BuyerTokenAuth, buyer_of

router = Router(tags=["buyer portal"], auth=[BuyerTokenAuth()])


class PortalInboxQuery(BaseModel):
    page: int = Field(default=1, ge=1, le=100000)


class PortalInboxMessageOut(BaseModel):
    id: int
    kind: str
    subject: str
    text: str
    order: str | None
    created_at: datetime
    read_at: datetime | None


class PortalInboxOut(BaseModel):
    unread: int
    count: int
    page: int
    pages: int
    items: list[PortalInboxMessageOut]


class PortalPreferencesIn(BaseModel):
    email: str = Field(default="", max_length=254)
    language: str = Field(default="", max_length=10, description="zh-hans, en, or empty for the shop's")
    opt_out: bool = Field(default=False, description="no payment reminders or other non-order messages")


class PortalPreferencesOut(PortalPreferencesIn):
    pass


def _message_out(message: OutgoingMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "kind": message.kind,
        "subject": message.subject,
        "text": message.text,
        "order": message.order.number if message.order else None,
        "created_at": timezone.localtime(message.created_at),
        "read_at": timezone.localtime(message.read_at) if message.read_at else None,
    }


@router.get("/portal/messages", response={200: PortalInboxOut, **RESPONSES})
def list_messages(request: HttpRequest, query: Query[PortalInboxQuery]) -> Any:
    """The buyer's messages, newest first (30 a page), and how many are unread."""
    customer = buyer_of(request)
    page = Paginator(inbox.inbox_of(customer), 30).get_page(query.page)
    return {
        "unread": inbox.unread_count(customer),
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "items": [_message_out(message) for message in page.object_list],
    }


@router.post("/portal/messages/{message_id}/read", response={200: PortalInboxMessageOut, **RESPONSES})
def read_message(request: HttpRequest, message_id: Path[int]) -> Any:
    """Open a message: marked read the first time (404 for anyone else's)."""
    return _message_out(inbox.open_message(customer=buyer_of(request), pk=message_id))


def _preferences_out(request: HttpRequest) -> dict[str, Any]:
    found = inbox.preference_of(buyer_of(request))
    return {"email": found.email, "language": found.language, "opt_out": found.opt_out}


@router.get("/portal/preferences", response={200: PortalPreferencesOut, **RESPONSES})
def get_preferences(request: HttpRequest) -> Any:
    return _preferences_out(request)


@router.put("/portal/preferences", response={200: PortalPreferencesOut, **RESPONSES})
def save_preferences(request: HttpRequest, data: PortalPreferencesIn) -> Any:
    """Save the buyer's email, language and opt-out: 422 naming a bad email or language."""
    inbox.save_preferences(customer=buyer_of(request), email=data.email, language=data.language, opt_out=data.opt_out)
    return _preferences_out(request)
