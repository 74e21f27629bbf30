"""The notifications screens (/notifications/): message templates with a live preview on a
real order, the shop's sending rules, the outbox (dead letters first, attempts, resend) and
webhooks. Thin views over notifications.templates, .rules, .outbox and .webhooks."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sellerdesk.core.errors import DomainError, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import error_text, logged_in_actor, show_refusal
from sellerdesk.notifications import outbox, queries, rules, templates
from sellerdesk.notifications.models import (
    Channel,
    MessageKind,
    MessageStatus,
    OutgoingMessage,
)
from sellerdesk.orders.models import Order
from sellerdesk.shops.access import visible_shop, visible_shops
from sellerdesk.shops.models import Shop

try:  # N2's endpoint actions, written at the same time as these screens
    from sellerdesk.notifications import webhooks
except ImportError:  # pragma: no cover - until notifications.webhooks lands
    webhooks = None  # type: ignore[assignment]

LANGUAGE_LABELS = {"zh-hans": "简体中文", "en": "English"}
PAGE_SIZE = 50


def _shop(request: HttpRequest) -> Shop:
    """The shop the page is about: ?shop=<code> (or the form's), else the default shop —
    among the shops the user may see (another shop's code is not found)."""
    code = request.POST.get("shop") or request.GET.get("shop") or ""
    found = visible_shop(logged_in_actor(request), code)
    if found is None:
        raise Http404(_("No shop %(code)s.") % {"code": code} if code else _("No shop yet."))
    return found


def _shop_context(request: HttpRequest, shop: Shop) -> dict[str, Any]:
    return {"shop": shop, "shops": visible_shops(logged_in_actor(request))[0]}


# --- templates -----------------------------------------------------------------------------


def _key_or_404(kind: str, channel: str, language: str) -> None:
    if (
        kind not in templates.PLACEHOLDERS
        or channel not in templates.WORDED_CHANNELS
        or language not in templates.LANGUAGES
    ):
        raise Http404(_("No such template."))


@staff_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    shop = _shop(request)
    own = set(templates.MessageTemplate.objects.filter(shop=shop).values_list("kind", "channel", "language"))
    rows = []
    for kind in MessageKind:
        cells = [
            {
                "channel": channel,
                "language": language,
                "label": f"{Channel(channel).label} · {LANGUAGE_LABELS[language]}",
                "own": (kind.value, channel, language) in own,
            }
            for channel in templates.WORDED_CHANNELS
            for language in templates.LANGUAGES
        ]
        rows.append({"kind": kind.value, "label": kind.label, "cells": cells})
    return render(request, "notifications/templates.html", {**_shop_context(request, shop), "rows": rows})


def _preview_order(shop: Shop, number: str) -> Order | None:
    orders = Order.objects.select_related("shop").filter(shop=shop)
    if number:
        return orders.filter(number=number.strip()).first()
    return orders.order_by("-created_at", "-pk").first()


def _preview(
    *, shop: Shop, kind: str, channel: str, language: str, body: str, subject: str, number: str
) -> dict[str, Any]:
    """The text being edited rendered on a real order (the one picked, else the shop's
    latest): each placeholder the order cannot fill (a case number, a code) takes its
    example value. A placeholder that could not be filled is shown as the refusal."""
    order = _preview_order(shop, number)
    params: dict[str, Any] = dict(templates.EXAMPLE_PARAMS[kind])
    params["shop_name"] = shop.name
    if order is not None:
        from_order = templates.params_for_order(order, language=language)
        params.update({name: value for name, value in from_order.items() if value not in ("", None)})
    result: dict[str, Any] = {"order": order, "number": number, "missing_order": bool(number) and order is None}
    try:
        templates.check_template(kind, channel, body, subject)
    except ValidationFailed as error:
        result["errors"] = error.fields
        return result
    text = templates.fill(body, params, language).strip()
    result["subject"] = templates.fill(subject, params, language).strip()
    result["body"] = text
    if channel == Channel.SMS:
        length, is_gsm = templates.sms_length(text)
        result["sms"] = {"length": length, "segments": templates.sms_segments(text), "is_gsm": is_gsm}
    return result


def _editor_context(
    request: HttpRequest, shop: Shop, kind: str, channel: str, language: str, *, body: str, subject: str, number: str
) -> dict[str, Any]:
    _template, is_own = templates.template_for(kind=kind, channel=channel, language=language, shop=shop)
    recent = Order.objects.filter(shop=shop).order_by("-created_at", "-pk").values_list("number", "buyer_name")[:20]
    return {
        **_shop_context(request, shop),
        "kind": kind,
        "kind_label": MessageKind(kind).label,
        "channel": channel,
        "channel_label": Channel(channel).label,
        "language": language,
        "language_label": LANGUAGE_LABELS[language],
        "has_subject": channel in (Channel.EMAIL, Channel.IN_SITE),
        "body": body,
        "subject": subject,
        "is_own": is_own,
        "placeholders": sorted(templates.placeholders(kind)),
        "recent_orders": list(recent),
        "preview": _preview(
            shop=shop, kind=kind, channel=channel, language=language, body=body, subject=subject, number=number
        ),
        "may_manage": has_permission(logged_in_actor(request), "notifications.manage"),
    }


@staff_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, kind: str, channel: str, language: str) -> HttpResponse:
    _key_or_404(kind, channel, language)
    shop = _shop(request)
    number = (request.POST.get("order") or request.GET.get("order") or "").strip()
    if request.method == "GET":
        current, _is_own = templates.template_for(kind=kind, channel=channel, language=language, shop=shop)
        context = _editor_context(
            request, shop, kind, channel, language, body=current.body, subject=current.subject, number=number
        )
        return render(request, "notifications/template_edit.html", context)
    body = request.POST.get("body", "")
    subject = request.POST.get("subject", "")
    here = f"{reverse('notifications:template', args=[kind, channel, language])}?{urlencode({'shop': shop.code})}"
    if request.POST.get("do") == "reset":
        try:
            templates.reset_template(
                shop=shop, kind=kind, channel=channel, language=language, actor=logged_in_actor(request)
            )
        except DomainError as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("The default template is used again."))
        return redirect(here)
    if request.POST.get("do") != "preview":
        try:
            templates.save_template(
                shop=shop,
                kind=kind,
                channel=channel,
                language=language,
                body=body,
                subject=subject,
                actor=logged_in_actor(request),
            )
        except DomainError as error:
            context = _editor_context(request, shop, kind, channel, language, body=body, subject=subject, number=number)
            context["refusal"] = error_text(error)
            context["field_errors"] = error.details.get("fields", {})
            return render(request, "notifications/template_edit.html", context, status=422)
        messages.success(request, _("Template saved."))
        return redirect(here)
    context = _editor_context(request, shop, kind, channel, language, body=body, subject=subject, number=number)
    return render(request, "notifications/template_edit.html", context)


@staff_required
@require_POST
def template_preview(request: HttpRequest, kind: str, channel: str, language: str) -> HttpResponse:
    """The preview alone (htmx, as the text is typed)."""
    _key_or_404(kind, channel, language)
    shop = _shop(request)
    preview = _preview(
        shop=shop,
        kind=kind,
        channel=channel,
        language=language,
        body=request.POST.get("body", ""),
        subject=request.POST.get("subject", ""),
        number=request.POST.get("order", ""),
    )
    return render(request, "notifications/partials/preview.html", {"preview": preview, "channel": channel})


# --- the shop's sending rules --------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    shop = _shop(request)
    if request.method == "POST":
        fields: dict[str, Any] = {
            "enabled": request.POST.get("enabled") == "on",
            "quiet_start": request.POST.get("quiet_start", ""),
            "quiet_end": request.POST.get("quiet_end", ""),
            "holiday_quiet_end": request.POST.get("holiday_quiet_end", ""),
            "channels": {kind: request.POST.getlist(f"channels-{kind}") for kind in rules.CONFIGURABLE_KINDS},
        }
        cap = request.POST.get("daily_cap", "").strip()
        fields["daily_cap"] = int(cap) if cap.isdigit() else cap
        try:
            rules.update_settings(shop=shop, fields=fields, actor=logged_in_actor(request))
        except DomainError as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("Sending rules saved."))
        return redirect(f"{reverse('notifications:settings')}?{urlencode({'shop': shop.code})}")
    current = rules.settings_for(shop)
    grid = [
        {
            "kind": kind,
            "label": MessageKind(kind).label,
            "channels": [
                {"value": channel, "label": Channel(channel).label, "on": channel in chosen}
                for channel in rules.BUYER_CHANNELS
            ],
        }
        for kind in rules.CONFIGURABLE_KINDS
        # The channels chosen, shown even while the shop's switch is off.
        for chosen in [set((current.channels or {}).get(kind, rules.DEFAULT_CHANNELS.get(kind, [])))]
    ]
    context = {
        **_shop_context(request, shop),
        "settings": current,
        "grid": grid,
        "may_manage": has_permission(logged_in_actor(request), "notifications.manage"),
    }
    return render(request, "notifications/settings.html", context)


# --- the outbox ----------------------------------------------------------------------------


def _outbox(*, actor: User, status: str, channel: str, kind: str, search: str) -> QuerySet[OutgoingMessage]:
    """Messages filtered, dead letters first (staff act on them), then the newest."""
    found = queries.visible_messages(actor).select_related("order", "shop")
    if status:
        found = found.filter(status=status)
    if channel:
        found = found.filter(channel=channel)
    if kind:
        found = found.filter(kind=kind)
    if search:
        found = found.filter(Q(recipient__icontains=search) | Q(order__number=search))
    dead_first = Case(When(status=MessageStatus.DEAD, then=Value(0)), default=Value(1), output_field=IntegerField())
    return found.order_by(dead_first, "-created_at", "-pk")


@staff_required
@require_GET
def outbox_list(request: HttpRequest) -> HttpResponse:
    filters = {name: request.GET.get(name, "").strip() for name in ("status", "channel", "kind", "q")}
    actor = logged_in_actor(request)
    found = _outbox(
        actor=actor, status=filters["status"], channel=filters["channel"], kind=filters["kind"], search=filters["q"]
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "statuses": MessageStatus.choices,
        "channels": Channel.choices,
        "kinds": MessageKind.choices,
        "dead_count": queries.visible_messages(actor).filter(status=MessageStatus.DEAD).count(),
        "query": urlencode({name: value for name, value in filters.items() if value}),
    }
    return render(request, "notifications/outbox.html", context)


@staff_required
@require_GET
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = logged_in_actor(request)
    try:
        message = queries.get_message(message_id=pk, actor=actor)
    except NotFound:
        raise Http404(_("No such message.")) from None
    context = {
        "message": message,
        # The language by its name (简体中文), not its code (zh-hans).
        "language_label": LANGUAGE_LABELS.get(message.language, message.language),
        "attempts": list(queries.attempts_of(message)),
        "may_resend": message.status in outbox.RESENDABLE and has_permission(actor, "notifications.manage"),
    }
    return render(request, "notifications/message.html", context)


@staff_required
@require_POST
def message_resend(request: HttpRequest, pk: int) -> HttpResponse:
    actor = logged_in_actor(request)
    try:
        message = queries.get_message(message_id=pk, actor=actor)
    except NotFound:
        raise Http404(_("No such message.")) from None
    try:
        outbox.resend(message=message, actor=actor)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("The message is queued to be sent again."))
    return redirect("notifications:message", pk=pk)


# --- webhooks ------------------------------------------------------------------------------


def _webhook_events() -> list[tuple[str, str]]:
    if webhooks is None:
        return []
    labels = {event: MessageKind(kind).label for kind, event in webhooks.EVENT_OF_KIND.items()}
    return [(event, str(labels.get(event, _("Test event")))) for event in webhooks.WEBHOOK_EVENTS]


@staff_required
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    shop = _shop(request)
    actor = logged_in_actor(request)
    if request.method == "POST":
        if webhooks is None:
            raise Http404(_("Webhooks cannot be changed here yet."))
        action = request.POST.get("do", "add")
        try:
            if action in ("remove", "ping"):
                pk = request.POST.get("id", "")
                endpoint = webhooks.get_endpoint(pk=int(pk) if pk.isdigit() else 0, actor=actor)
                if action == "remove":
                    webhooks.remove_endpoint(endpoint=endpoint, actor=actor)
                    messages.success(request, _("Webhook removed."))
                else:
                    webhooks.send_test_event(endpoint=endpoint, actor=actor)
                    messages.success(request, _("A test event is on its way; the outbox shows how it went."))
            else:
                endpoint = webhooks.add_endpoint(
                    shop=shop,
                    url=request.POST.get("url", "").strip(),
                    events=request.POST.getlist("events"),
                    description=request.POST.get("description", "").strip(),
                    actor=actor,
                )
                # The receiver needs the secret to check signatures: shown once, here.
                messages.success(
                    request, _("Webhook added. Its signing secret: %(secret)s") % {"secret": endpoint.secret}
                )
        except DomainError as error:
            show_refusal(request, error)
        return redirect(f"{reverse('notifications:webhooks')}?{urlencode({'shop': shop.code})}")
    may_manage = webhooks is not None and has_permission(actor, "notifications.manage")
    endpoints = list(webhooks.list_endpoints(actor=actor, shop=shop)) if may_manage and webhooks is not None else []
    context = {
        **_shop_context(request, shop),
        "endpoints": endpoints,
        "may_manage": may_manage,
        "events": _webhook_events(),
    }
    return render(request, "notifications/webhooks.html", context)
