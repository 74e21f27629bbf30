"""The exception queue's review-run panel (progress bar) and the review-settings page."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sellerdesk.core.audit import SHOP_SETTINGS, history
from sellerdesk.core.errors import DomainError, ValidationFailed
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import logged_in_actor
from sellerdesk.orders.review import configure, runs
from sellerdesk.orders.review.runs import ACTIVE
from sellerdesk.shops.models import Shop


def _panel(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    run = runs.latest_review_run(actor=logged_in_actor(request))
    context = {
        "run": run,
        "active": run is not None and run.status in ACTIVE,
        "error": error,
        "may_start": has_permission(logged_in_actor(request), "orders.review"),
    }
    return render(request, "orders/partials/review_run.html", context, status=status)


@staff_required
@require_GET
def review_run_panel(request: HttpRequest) -> HttpResponse:
    return _panel(request)


@staff_required
@require_POST
def start_review_run(request: HttpRequest) -> HttpResponse:
    try:
        runs.start_review_run(actor=logged_in_actor(request), force=request.POST.get("include_hold_buffer") == "on")
    except DomainError as error:
        return _panel(request, error=error.message, status=error.status)
    return _panel(request)


# --- review settings ----------------------------------------------------------------------

_NUMBERS = ("hold_buffer_minutes", "max_total_quantity", "cod_orders_per_day_new_buyer", "merge_window_hours")


def _changes(post: Any) -> tuple[dict[str, Any], dict[str, str]]:
    changes: dict[str, Any] = {"enabled_rules": post.getlist("rules")}
    bad: dict[str, str] = {}
    for name in _NUMBERS:
        try:
            changes[name] = int(post.get(name, ""))
        except ValueError:
            bad[name] = _("enter a whole number")
    try:
        changes["max_order_total"] = Decimal(post.get("max_order_total", ""))
    except InvalidOperation:
        bad["max_order_total"] = _("enter an amount")
    changes["auto_approve"] = post.get("auto_approve") == "on"
    changes["merge_automatically"] = post.get("merge_automatically") == "on"
    return changes, bad


@staff_required
@require_http_methods(["GET", "POST"])
def review_settings(request: HttpRequest, shop: str | None = None) -> HttpResponse:
    shops = list(Shop.objects.order_by("pk"))
    current = next((s for s in shops if s.code == shop), None) if shop else (shops[0] if shops else None)
    if current is None:
        raise Http404
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        changes, errors = _changes(request.POST)
        if not errors:
            try:
                configure.update_review_settings(shop=current, actor=logged_in_actor(request), changes=changes)
            except ValidationFailed as error:
                errors = error.fields
            except DomainError as error:
                return render(request, "403.html", {"message": error.message}, status=error.status)
            else:
                messages.success(request, _("Review settings of %(shop)s saved.") % {"shop": current.name})
                return redirect("orders:review_settings_shop", shop=current.code)
        status = 422
    settings = configure.settings_of(shop=current, actor=logged_in_actor(request))
    context = {
        "shops": shops,
        "shop": current,
        "settings": settings,
        "rules": configure.rule_states(settings),
        "errors": errors,
        "values": request.POST if request.method == "POST" else None,
        "may_edit": has_permission(logged_in_actor(request), "review.configure"),
        "allocation": configure.allocation_settings_of(shop=current, actor=logged_in_actor(request)),
        "may_edit_allocation": has_permission(logged_in_actor(request), "warehouses.edit"),
        "history": history(SHOP_SETTINGS, [current.code]),  # review, allocation and carrier rules
    }
    return render(request, "orders/review_settings.html", context, status=status)


@staff_required
@require_POST
def allocation_settings(request: HttpRequest, shop: str) -> HttpResponse:
    current = Shop.objects.filter(code=shop).first()
    if current is None:
        raise Http404
    try:
        configure.update_allocation_settings(
            shop=current,
            actor=logged_in_actor(request),
            strategy=request.POST.get("strategy", ""),
            is_b2b=request.POST.get("is_b2b") == "on",
        )
    except DomainError as error:
        messages.error(request, error.message + " " + "; ".join(getattr(error, "fields", {}).values()))
    else:
        messages.success(request, _("Allocation settings of %(shop)s saved.") % {"shop": current.name})
    return redirect("orders:review_settings_shop", shop=current.code)
