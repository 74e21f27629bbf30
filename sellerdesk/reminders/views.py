"""The reminders' screens: the queue of calls (mine / everyone's) with the latest
reminders and their reasons, the report with its XLSX export, the do-not-remind list,
each shop's settings, and the order page's panel ("Remind to pay" and the note). Thin
views over reminders.actions, queries and report."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sellerdesk.core.errors import DomainError, NotFound, ValidationFailed
from sellerdesk.core.permissions import has_permission, require
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import error_text, logged_in_actor, show_refusal
from sellerdesk.customers.models import Customer
from sellerdesk.orders.queries import get_order
from sellerdesk.orders.states import OrderStatus, PaymentStatus
from sellerdesk.reminders import actions, queries
from sellerdesk.reminders.models import DoNotRemind, ReminderChannel, UnpaidReason
from sellerdesk.reminders.report import PERIODS, build_report, report_xlsx
from sellerdesk.shops.access import limit_to_visible_shops
from sellerdesk.shops.models import Shop


def _back(request: HttpRequest, default: str = "reminders:queue") -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


def _reason(request: HttpRequest) -> UnpaidReason | None:
    code = request.POST.get("reason", "")
    return actions.reason_by_code(code) if code else None


# --- the queue -----------------------------------------------------------------------------


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    actor = logged_in_actor(request)
    mine = request.GET.get("who", "me") != "all"
    try:
        tasks = list(queries.phone_queue(actor=actor, mine=mine))
        recent = list(queries.recent_reminders(actor=actor))
    except DomainError as error:
        show_refusal(request, error)
        return redirect("orders:list")
    for reminder in recent:
        reminder.reason_text = queries.reason_text(reminder)  # type: ignore[attr-defined]
    context = {
        "tasks": tasks,
        "recent": recent,
        "mine": mine,
        "reasons": [(reason.code, queries.reason_name(reason)) for reason in queries.active_reasons()],
        "here": request.get_full_path(),
    }
    return render(request, "reminders/queue.html", context)


@staff_required
@require_POST
def mark_done(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        reminder = actions.get_reminder(pk, actor=logged_in_actor(request))
        actions.complete_phone_task(
            reminder=reminder,
            actor=logged_in_actor(request),
            reason=_reason(request),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Marked as reminded."))
    except DomainError as error:
        show_refusal(request, error)
    return _back(request)


@staff_required
@require_POST
def record_reason(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        reminder = actions.get_reminder(pk, actor=logged_in_actor(request))
        actions.record_reason(
            reminder=reminder,
            actor=logged_in_actor(request),
            reason=_reason(request),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Reason recorded."))
    except DomainError as error:
        show_refusal(request, error)
    return _back(request)


# --- the order page's panel ----------------------------------------------------------------


@staff_required
@require_GET
def order_panel(request: HttpRequest, number: str) -> HttpResponse:
    """The order page's reminder section (loaded with htmx): the note once reminded, else
    the "Remind to pay" button while the order waits for payment."""
    actor = logged_in_actor(request)
    try:
        order = get_order(number=number, actor=actor)
    except DomainError as error:
        return render(request, "reminders/partials/order_panel.html", {"refusal": error_text(error)})
    reminder = queries.reminder_of_order(order.pk)
    waiting = order.status == OrderStatus.UNPAID and order.payment_status == PaymentStatus.UNPAID
    context = {
        "order": order,
        "reminder": reminder,
        "badge": queries.badge_of(reminder) if reminder else None,
        "reason_text": queries.reason_text(reminder) if reminder else "",
        "may_remind": waiting and reminder is None and has_permission(actor, "reminders.remind"),
        "channels": ReminderChannel.choices,
        "show": waiting or reminder is not None,
    }
    return render(request, "reminders/partials/order_panel.html", context)


@staff_required
@require_POST
def remind(request: HttpRequest, number: str) -> HttpResponse:
    actor = logged_in_actor(request)
    try:
        order = get_order(number=number, actor=actor)
        actions.remind_order(order=order, channel=request.POST.get("channel", ""), actor=actor)
        messages.success(request, _("Reminded to pay."))
    except NotFound as error:
        raise Http404(error.message) from None
    except DomainError as error:
        show_refusal(request, error)
    return redirect("orders:detail", number)


# --- the report ----------------------------------------------------------------------------


def _visible_shops(request: HttpRequest) -> QuerySet[Shop]:
    """The shops the logged-in user may see (shops.access): the only ones offered."""
    return limit_to_visible_shops(Shop.objects.all(), logged_in_actor(request), shop_field="pk")


def _report_arguments(request: HttpRequest) -> tuple[date, str, Shop | None]:
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    period = request.GET.get("period", "day")
    period = period if period in PERIODS else "day"
    code = request.GET.get("shop", "")
    shop = _visible_shops(request).filter(code=code).first() if code and "\x00" not in code else None
    return day, period, shop


@staff_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    day, period, shop = _report_arguments(request)
    try:
        found = build_report(actor=logged_in_actor(request), day=day, period=period, shop=shop)
    except DomainError as error:
        show_refusal(request, error)
        return redirect("reminders:queue")
    reasons = [
        (name, found.total.reasons.get(code, 0), found.previous.reasons.get(code, 0)) for code, name in found.reasons
    ]
    context = {
        "report": found,
        "reasons": reasons,
        "day": day,
        "period": period,
        "periods": [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
        "shops": _visible_shops(request).order_by("name"),
        "shop": shop,
        "query": request.GET.urlencode(),
    }
    return render(request, "reminders/report.html", context)


@staff_required
@require_GET
def report_export(request: HttpRequest) -> HttpResponse:
    day, period, shop = _report_arguments(request)
    try:
        found = build_report(actor=logged_in_actor(request), day=day, period=period, shop=shop)
    except DomainError as error:
        show_refusal(request, error)
        return redirect("reminders:queue")
    response = HttpResponse(
        report_xlsx(found), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="reminders-{period}-{found.start}.xlsx"'
    return response


# --- do not remind -------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def do_not_remind(request: HttpRequest) -> HttpResponse:
    actor = logged_in_actor(request)
    if request.method == "POST":
        phone = request.POST.get("phone", "").strip()
        try:
            visible = limit_to_visible_shops(Customer.objects.all(), actor)
            customers = list(visible.filter(phone=phone)) if phone else []
            if not customers:
                raise ValidationFailed({"phone": _("no buyer has this phone number")})
            for customer in customers:
                actions.add_do_not_remind(customer=customer, actor=actor, reason=request.POST.get("reason", ""))
            messages.success(request, _("The buyer will not be reminded."))
        except DomainError as error:
            show_refusal(request, error)
        return redirect("reminders:do_not_remind")
    try:
        require(actor, "reminders.remind")
    except DomainError as error:
        show_refusal(request, error)
        return redirect("orders:list")
    entries = limit_to_visible_shops(DoNotRemind.objects.all(), actor, shop_field="customer__shop_id")
    entries = entries.select_related("customer", "customer__shop", "added_by").order_by("-added_at")
    return render(request, "reminders/do_not_remind.html", {"entries": entries[:500]})


@staff_required
@require_POST
def remove_do_not_remind(request: HttpRequest, customer_id: int) -> HttpResponse:
    visible = limit_to_visible_shops(Customer.objects.all(), logged_in_actor(request))
    customer = visible.filter(pk=customer_id).first()
    if customer is None:
        raise Http404
    try:
        actions.remove_do_not_remind(customer=customer, actor=logged_in_actor(request))
        messages.success(request, _("The buyer may be reminded again."))
    except DomainError as error:
        show_refusal(request, error)
    return redirect("reminders:do_not_remind")


# --- settings ------------------------------------------------------------------------------


def _windows_from(text: str) -> list[list[str]]:
    """ "11:00-12:00, 16:00-17:00" as [["11:00", "12:00"], ["16:00", "17:00"]]."""
    windows = []
    for part in text.replace("，", ",").split(","):
        part = part.strip().replace("–", "-").replace("—", "-")
        if part:
            windows.append([piece.strip() for piece in part.split("-", 1)])
    return windows


def _number(value: str, field: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed({field: _("a whole number")}) from None


@staff_required
@require_http_methods(["GET", "POST"])
def shop_settings(request: HttpRequest, code: str = "") -> HttpResponse:
    actor = logged_in_actor(request)
    shops = list(_visible_shops(request).order_by("name"))
    shop = next((candidate for candidate in shops if candidate.code == code), None) if code else None
    shop = shop or (shops[0] if shops else None)
    if shop is None:
        raise Http404
    try:
        require(actor, "reminders.configure")
    except DomainError as error:
        show_refusal(request, error)
        return redirect("reminders:queue")
    found = actions.settings_for(shop)
    windows_text = ", ".join(f"{start}-{end}" for start, end in found.windows)
    if request.method == "POST":
        windows_text = request.POST.get("windows", "")
        try:
            actions.update_settings(
                shop=shop,
                actor=actor,
                enabled=request.POST.get("enabled") == "on",
                windows=_windows_from(windows_text),
                channel=request.POST.get("channel", ""),
                min_unpaid_minutes=_number(request.POST.get("min_unpaid_minutes", ""), "min_unpaid_minutes"),
                cod_zero_reputation_daily_cap=_number(
                    request.POST.get("cod_zero_reputation_daily_cap", ""), "cod_zero_reputation_daily_cap"
                ),
            )
            messages.success(request, _("Reminder settings saved."))
            return redirect("reminders:settings", shop.code)
        except DomainError as error:
            show_refusal(request, error)
    context = {
        "shop": shop,
        "shops": shops,
        "settings": found,
        "windows_text": windows_text,
        "channels": ReminderChannel.choices,
    }
    return render(request, "reminders/settings.html", context)
