"""/api/v1/webhooks: the endpoints other systems receive events at, and their test event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status
from pydantic import BaseModel, ConfigDict, Field

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound
from sellerdesk.core.idempotency import idempotent
from sellerdesk.notifications import webhooks
from sellerdesk.notifications.models import OutgoingMessage, WebhookEndpoint
from sellerdesk.shops.access import visible_shop
from sellerdesk.shops.models import Shop

router = Router(tags=["webhooks"])


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=500)
    # Event names (GET /webhooks/events); empty: every event.
    events: list[str] = Field(default_factory=list, max_length=50)
    # The shop's code; none: the endpoint hears every shop's events.
    shop: str | None = None
    # Made for you when empty (64 hex digits); returned once, in this answer.
    secret: str = Field(default="", max_length=100)
    description: str = Field(default="", max_length=200)
    active: bool = True


class WebhookPatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(default=None, max_length=500)
    events: list[str] | None = Field(default=None, max_length=50)
    description: str | None = Field(default=None, max_length=200)
    active: bool | None = None
    # A new secret is made and returned once, in this answer.
    rotate_secret: bool = False


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    shop: str | None
    description: str
    active: bool
    created_at: datetime
    # Only in the answer that made it (creation, rotation); null otherwise.
    secret: str | None = None


class WebhookEventOut(BaseModel):
    name: str


class WebhookTestOut(BaseModel):
    message_id: int
    delivery: str
    status: str


def webhook_out(endpoint: WebhookEndpoint, *, with_secret: bool = False) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "shop": endpoint.shop.code if endpoint.shop else None,
        "description": endpoint.description,
        "active": endpoint.active,
        "created_at": timezone.localtime(endpoint.created_at),
        "secret": endpoint.secret if with_secret else None,
    }


def _shop(request: HttpRequest, code: str | None) -> Shop | None:
    """The shop `code` among those the caller may see; None without a code (every shop)."""
    if not code:
        return None
    shop = visible_shop(actor_of(request), code)
    if shop is None:
        raise NotFound(_("No shop %(code)s.") % {"code": code})
    return shop


@router.get("/webhooks/events", response={200: list[WebhookEventOut], **ERROR_RESPONSES})
def webhook_events(request: HttpRequest) -> Any:
    return [{"name": name} for name in webhooks.WEBHOOK_EVENTS]


@router.get("/webhooks", response={200: list[WebhookOut], **ERROR_RESPONSES})
def list_webhooks(request: HttpRequest, shop: str = "") -> Any:
    endpoints = webhooks.list_endpoints(actor=actor_of(request), shop=_shop(request, shop))
    return [webhook_out(endpoint) for endpoint in endpoints.select_related("shop")[:500]]


@router.post("/webhooks", response={201: WebhookOut, **ERROR_RESPONSES})
def create_webhook(request: HttpRequest, payload: WebhookIn) -> Status[Any]:
    def produce() -> tuple[int, Any]:
        endpoint = webhooks.add_endpoint(
            url=payload.url,
            events=payload.events,
            shop=_shop(request, payload.shop),
            secret=payload.secret,
            description=payload.description,
            active=payload.active,
            actor=actor_of(request),
        )
        return 201, webhook_out(endpoint, with_secret=True)

    return idempotent(request, produce)


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ERROR_RESPONSES})
def get_webhook(request: HttpRequest, webhook_id: int) -> Any:
    return webhook_out(webhooks.get_endpoint(pk=webhook_id, actor=actor_of(request)))


@router.patch("/webhooks/{webhook_id}", response={200: WebhookOut, **ERROR_RESPONSES})
def update_webhook(request: HttpRequest, webhook_id: int, payload: WebhookPatchIn) -> Any:
    actor = actor_of(request)
    endpoint = webhooks.update_endpoint(
        endpoint=webhooks.get_endpoint(pk=webhook_id, actor=actor),
        url=payload.url,
        events=payload.events,
        description=payload.description,
        active=payload.active,
        rotate_secret=payload.rotate_secret,
        actor=actor,
    )
    return webhook_out(endpoint, with_secret=payload.rotate_secret)


@router.delete("/webhooks/{webhook_id}", response={204: None, **ERROR_RESPONSES})
def delete_webhook(request: HttpRequest, webhook_id: int) -> Status[None]:
    actor = actor_of(request)
    webhooks.remove_endpoint(endpoint=webhooks.get_endpoint(pk=webhook_id, actor=actor), actor=actor)
    return Status(204, None)


@router.post("/webhooks/{webhook_id}/test", response={202: WebhookTestOut, **ERROR_RESPONSES})
def test_webhook(request: HttpRequest, webhook_id: int) -> Status[Any]:
    def produce() -> tuple[int, Any]:
        actor = actor_of(request)
        message: OutgoingMessage = webhooks.send_test_event(
            endpoint=webhooks.get_endpoint(pk=webhook_id, actor=actor), actor=actor
        )
        return 202, {"message_id": message.pk, "delivery": message.idempotency_key, "status": message.status}

    return idempotent(request, produce)
