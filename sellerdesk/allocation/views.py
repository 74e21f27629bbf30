"""The stockout screens (缺货): the list with a handling form per order, and the B2B
plan by customer rank. Thin: parse, call one action or query, render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sellerdesk.allocation import queries, shortages
from sellerdesk.allocation.forms import PlanForm, ResolveForm, StockoutFilterForm
from sellerdesk.core.errors import DomainError
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import error_text, logged_in_actor
from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders import queries as order_queries
from sellerdesk.orders.models import ShortageOption


@staff_required
@require_GET
def stockout_list(request: HttpRequest) -> HttpResponse:
    actor = logged_in_actor(request)
    form = StockoutFilterForm(request.GET or None)
    filters = queries.StockoutFilter()
    if form.is_bound and form.is_valid():
        filters = queries.StockoutFilter(
            sku=form.cleaned_data["sku"].strip(),
            shop=form.cleaned_data["shop"].strip(),
            option=form.cleaned_data["option"],
            is_open=form.is_open(),
        )
    orders = queries.stockout_orders(actor=actor, filters=filters)
    context = {
        "form": form,
        "orders": orders,
        "options": ResolveForm.base_fields["option"].choices,  # type: ignore[attr-defined]
        "warehouses": Warehouse.objects.filter(is_active=True).order_by("priority", "pk"),
        "may_handle": has_permission(actor, "stockouts.handle"),
    }
    return render(request, "allocation/stockouts.html", context)


@staff_required
@require_POST
def resolve(request: HttpRequest, number: str) -> HttpResponse:
    actor = logged_in_actor(request)
    back = request.POST.get("next") or reverse("stockouts:list")
    if not back.startswith("/"):
        back = reverse("stockouts:list")
    form = ResolveForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(
            f"{form.fields[name].label}: {' '.join(str(error) for error in errs)}" for name, errs in form.errors.items()
        )
        messages.error(
            request, _("Order %(number)s was not changed: %(errors)s") % {"number": number, "errors": errors}
        )
        return redirect(back)
    try:
        result = shortages.resolve_stockout(
            order=order_queries.get_order(number=number, actor=actor),
            option=form.cleaned_data["option"],
            buyer_answer=form.cleaned_data["buyer_answer"],
            promised_date=form.cleaned_data["promised_date"],
            from_warehouse=form.cleaned_data["from_warehouse"] or None,
            actor=actor,
        )
    except DomainError as error:
        messages.error(
            request, _("Order %(number)s was not changed: %(errors)s") % {"number": number, "errors": error_text(error)}
        )
        return redirect(back)
    messages.success(
        request,
        _("Order %(number)s: %(option)s recorded; the order is now %(status)s.")
        % {
            "number": number,
            "option": ShortageOption(result.option).label,
            "status": result.order.get_status_display(),
        },
    )
    return redirect(back)


@staff_required
def plan(request: HttpRequest) -> HttpResponse:
    actor = logged_in_actor(request)
    form = PlanForm(request.POST if request.method == "POST" else request.GET or None)
    rows: list[shortages.PlanRow] = []
    if form.is_bound and form.is_valid():
        sku = form.cleaned_data["sku"].strip()
        try:
            if request.method == "POST":
                rows = shortages.apply_allocation_plan(sku=sku, actor=actor)
                messages.success(request, _("The plan for %(sku)s was applied.") % {"sku": sku})
                return redirect(f"{reverse('stockouts:plan')}?sku={sku}")
            rows = shortages.allocation_plan(sku=sku, actor=actor)
        except DomainError as error:
            messages.error(request, error_text(error))
    context = {"form": form, "rows": rows, "may_handle": has_permission(actor, "stockouts.handle")}
    return render(request, "allocation/plan.html", context)
