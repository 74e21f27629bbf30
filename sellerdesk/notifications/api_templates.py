"""/api/v1/notifications/templates and /api/v1/notifications/settings: a shop's message
templates (list, read, save with the placeholder check, back to the default, preview) and
its sending rules. Thin: parse, call notifications.templates / .rules, serialise."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from pydantic import BaseModel, Field

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.permissions import require
from sellerdesk.core.schemas import LocalTime
from sellerdesk.notifications import rules, templates
from sellerdesk.notifications.models import Channel, MessageKind, NotificationSettings
from sellerdesk.orders.models import Order
from sellerdesk.shops.access import visible_shop
from sellerdesk.shops.models import Shop

router = Router(tags=["notifications"])

_TEMPLATE = "/notifications/templates/{kind}/{channel}/{language}"


class TemplateShopQuery(BaseModel):
    shop: str = Field(default="", max_length=40, description="the shop's code (default: the default shop)")


class TemplateOut(BaseModel):
    kind: str
    channel: str
    language: str
    subject: str
    body: str
    own: bool = Field(description="the shop's own template (else the shipped default)")
    placeholders: list[str]


class TemplateIn(BaseModel):
    shop: str = Field(default="", max_length=40)
    subject: str = Field(default="", max_length=200)
    body: str = Field(max_length=5000)


class TemplatePreviewIn(TemplateIn):
    order: str = Field(default="", max_length=40, description="an order number (default: the shop's latest)")


class TemplatePreviewOut(BaseModel):
    order: str | None
    subject: str
    body: str
    sms_length: int | None
    sms_segments: int | None


class SendingRulesOut(BaseModel):
    shop: str
    enabled: bool
    channels: dict[str, list[str]] = Field(description="the channels each kind goes out on")
    quiet_start: LocalTime
    quiet_end: LocalTime
    holiday_quiet_end: LocalTime
    daily_cap: int


class SendingRulesIn(BaseModel):
    shop: str = Field(default="", max_length=40)
    enabled: bool | None = None
    channels: dict[str, list[str]] | None = None
    quiet_start: str | None = Field(default=None, max_length=8)
    quiet_end: str | None = Field(default=None, max_length=8)
    holiday_quiet_end: str | None = Field(default=None, max_length=8)
    daily_cap: int | None = None


def _shop(request: HttpRequest, code: str) -> Shop:
    """The shop `code` (the default shop without one), among those the caller may see."""
    shop = visible_shop(actor_of(request), code)
    if shop is None:
        raise NotFound(_("No shop %(code)s.") % {"code": code}, details={"shop": code})
    return shop


def _key(kind: str, channel: str, language: str) -> str:
    bad = {}
    if kind not in templates.PLACEHOLDERS:
        bad["kind"] = _("unknown kind %(kind)s") % {"kind": kind}
    if channel not in templates.WORDED_CHANNELS:
        bad["channel"] = _("%(channel)s messages have no template") % {"channel": channel}
    if language.lower() not in templates.LANGUAGES:
        bad["language"] = _("one of %(values)s") % {"values": ", ".join(templates.LANGUAGES)}
    if bad:
        raise NotFound(_("No such template."), details={"fields": bad})
    return language.lower()


def _template_out(shop: Shop, kind: str, channel: str, language: str) -> dict[str, Any]:
    found, own = templates.template_for(kind=kind, channel=channel, language=language, shop=shop)
    return {
        "kind": kind,
        "channel": channel,
        "language": language,
        "subject": found.subject,
        "body": found.body,
        "own": own,
        "placeholders": sorted(templates.placeholders(kind)),
    }


@router.get("/notifications/templates", response={200: list[TemplateOut], **ERROR_RESPONSES})
def list_templates(request: HttpRequest, query: Query[TemplateShopQuery]) -> Any:
    """Every kind × channel × language with the template in force for the shop."""
    require(actor_of(request), "orders.view")
    shop = _shop(request, query.shop)
    return [
        _template_out(shop, kind, channel, language)
        for kind in MessageKind.values
        for channel in templates.WORDED_CHANNELS
        for language in templates.LANGUAGES
    ]


@router.get(_TEMPLATE, response={200: TemplateOut, **ERROR_RESPONSES})
def get_template(
    request: HttpRequest, kind: Path[str], channel: Path[str], language: Path[str], query: Query[TemplateShopQuery]
) -> Any:
    require(actor_of(request), "orders.view")
    return _template_out(_shop(request, query.shop), kind, channel, _key(kind, channel, language))


@router.put(_TEMPLATE, response={200: TemplateOut, **ERROR_RESPONSES})
def save_template(
    request: HttpRequest, kind: Path[str], channel: Path[str], language: Path[str], data: TemplateIn
) -> Any:
    """Save the shop's own template (owner, supervisor): 422 naming the field and the
    placeholder when one is unknown or malformed, nothing written."""
    shop = _shop(request, data.shop)
    language = _key(kind, channel, language)
    templates.save_template(
        shop=shop, kind=kind, channel=channel, language=language, body=data.body, subject=data.subject,
        actor=actor_of(request),
    )  # fmt: skip
    return _template_out(shop, kind, channel, language)


@router.delete(_TEMPLATE, response={200: TemplateOut, **ERROR_RESPONSES})
def reset_template(
    request: HttpRequest, kind: Path[str], channel: Path[str], language: Path[str], query: Query[TemplateShopQuery]
) -> Any:
    """Back to the shipped default (owner, supervisor); answers the template now in force."""
    shop = _shop(request, query.shop)
    language = _key(kind, channel, language)
    templates.reset_template(shop=shop, kind=kind, channel=channel, language=language, actor=actor_of(request))
    return _template_out(shop, kind, channel, language)


@router.post(_TEMPLATE + "/preview", response={200: TemplatePreviewOut, **ERROR_RESPONSES})
def preview_template(
    request: HttpRequest, kind: Path[str], channel: Path[str], language: Path[str], data: TemplatePreviewIn
) -> Status[Any]:
    """The text given rendered on a real order (the one named, else the shop's latest);
    what the order cannot fill takes the example values. 422 for a bad placeholder."""
    require(actor_of(request), "orders.view")
    shop = _shop(request, data.shop)
    language = _key(kind, channel, language)
    templates.check_template(kind, channel, data.body, data.subject)
    orders = Order.objects.filter(shop=shop)
    order = orders.filter(number=data.order).first() if data.order else orders.order_by("-created_at", "-pk").first()
    if data.order and order is None:
        raise ValidationFailed({"order": _("No order %(number)s.") % {"number": data.order}})
    params: dict[str, Any] = {**templates.EXAMPLE_PARAMS[kind], "shop_name": shop.name}
    if order is not None:
        real = templates.params_for_order(order, language=language)
        params.update({name: value for name, value in real.items() if value not in ("", None)})
    body = templates.fill(data.body, params, language).strip()
    is_sms = channel == Channel.SMS
    return Status(
        200,
        {
            "order": order.number if order else None,
            "subject": templates.fill(data.subject, params, language).strip(),
            "body": body,
            "sms_length": templates.sms_length(body)[0] if is_sms else None,
            "sms_segments": templates.sms_segments(body) if is_sms else None,
        },
    )


def _rules_out(shop: Shop, current: NotificationSettings) -> dict[str, Any]:
    return {
        "shop": shop.code,
        "enabled": current.enabled,
        "channels": {
            kind: list(current.channels.get(kind, rules.DEFAULT_CHANNELS.get(kind, [])))
            for kind in rules.CONFIGURABLE_KINDS
        },
        "quiet_start": current.quiet_start,
        "quiet_end": current.quiet_end,
        "holiday_quiet_end": current.holiday_quiet_end,
        "daily_cap": current.daily_cap,
    }


@router.get("/notifications/settings", response={200: SendingRulesOut, **ERROR_RESPONSES})
def get_sending_rules(request: HttpRequest, query: Query[TemplateShopQuery]) -> Any:
    """The shop's sending rules (the defaults when it saved none)."""
    require(actor_of(request), "orders.view")
    shop = _shop(request, query.shop)
    return _rules_out(shop, rules.settings_for(shop))


@router.patch("/notifications/settings", response={200: SendingRulesOut, **ERROR_RESPONSES})
def update_sending_rules(request: HttpRequest, data: SendingRulesIn) -> Any:
    """Change the fields given (owner, supervisor): 422 naming each bad field, nothing written."""
    shop = _shop(request, data.shop)
    fields = data.model_dump(exclude_unset=True, exclude={"shop"})
    row = rules.update_settings(shop=shop, fields=fields, actor=actor_of(request))
    return _rules_out(shop, row)
