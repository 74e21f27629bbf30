"""Staff pages: duplicate customers and their merge, the levels and their thresholds, and
the level form of the customer page (crm/_level_form.html posts to `set_level`).

Thin views over crm.merging and customers.tiers: parse, call one action, redirect with a
message, or show the page again with the refusal (nothing was changed then)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sellerdesk.core.errors import DomainError, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import NotMoney, parse_money
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import logged_in_actor, show_refusal
from sellerdesk.crm import merging
from sellerdesk.customers import queries, tiers
from sellerdesk.customers.models import Customer, CustomerLevel
from sellerdesk.shops.access import limit_to_visible_shops
from sellerdesk.shops.models import Shop


def _require(actor: User, permission: str) -> None:
    """A page the role may not use answers 403 (the actions check again)."""
    if not has_permission(actor, permission):
        raise PermissionDenied(permission)


def _ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.strip().isdigit()]


@staff_required
@require_GET
def duplicates(request: HttpRequest) -> HttpResponse:
    """The shop's customers sharing a phone, each group with a link to merge it."""
    actor = logged_in_actor(request)
    _require(actor, "customers.view")
    # Only the shops the user may see are offered (shops.access).
    shops = list(limit_to_visible_shops(Shop.objects.all(), actor, shop_field="pk").order_by("name", "pk"))
    code = request.GET.get("shop", "")
    shop = next((each for each in shops if each.code == code), None) or next(
        (each for each in shops if each.is_default), shops[0] if shops else None
    )
    groups = merging.duplicate_candidates(shop=shop, actor=actor) if shop else []
    context = {
        "shops": shops,
        "shop": shop,
        "groups": groups,
        "may_merge": has_permission(actor, "customers.merge"),
    }
    return render(request, "crm/duplicates.html", context)


@staff_required
def merge(request: HttpRequest) -> HttpResponse:
    """GET ?customers=1&customers=2…: the customers side by side, which to keep, the
    reason. POST: merge them (customers.merge) and go to the customer kept."""
    actor = logged_in_actor(request)
    _require(actor, "customers.merge")
    source = request.POST if request.method == "POST" else request.GET
    ids = list(dict.fromkeys(_ids(source.getlist("customers"))))
    customers = list(
        limit_to_visible_shops(Customer.objects.all(), actor)
        .select_related("shop", "level")
        .filter(pk__in=ids, merged_into__isnull=True)
        .order_by("-order_count", "pk")
    )
    keep_id = _ids([source.get("keep", "")])
    keep_pk = keep_id[0] if keep_id else (customers[0].pk if customers else None)
    reason = source.get("reason", "").strip()
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        keep = next((customer for customer in customers if customer.pk == keep_pk), None)
        try:
            if keep is None:
                raise ValidationFailed({"keep": _("choose the customer to keep")})
            duplicates = [customer for customer in customers if customer.pk != keep.pk]
            merging.merge_customers(keep=keep, duplicates=duplicates, actor=actor, reason=reason)
        except ValidationFailed as error:
            errors = error.fields
            messages.error(request, error.message)
            status = 422
        except DomainError as error:
            show_refusal(request, error)
            status = error.status
        else:
            messages.success(
                request,
                _("%(count)d duplicates merged into %(number)s.")
                % {"count": len(duplicates), "number": keep.display_number},
            )
            return redirect("crm:customer", pk=keep.pk)
    context = {"customers": customers, "keep_pk": keep_pk, "reason": reason, "errors": errors}
    return render(request, "crm/merge.html", context, status=status)


def _threshold_values(request: HttpRequest) -> tuple[Decimal | None, int | None, dict[str, str]]:
    errors: dict[str, str] = {}
    raw_spent = request.POST.get("min_spent", "").strip()
    raw_orders = request.POST.get("min_orders", "").strip()
    min_spent: Decimal | None = None
    min_orders: int | None = None
    if raw_spent:
        try:
            min_spent = parse_money(raw_spent)  # core.money: no "1e3", NaN or Infinity
        except NotMoney:
            errors["min_spent"] = _("enter an amount, e.g. 500.00")
    if raw_orders:
        if raw_orders.isdigit():
            min_orders = int(raw_orders)
        else:
            errors["min_orders"] = _("enter a whole number")
    return min_spent, min_orders, errors


@staff_required
def levels(request: HttpRequest) -> HttpResponse:
    """The levels with their thresholds; owners and supervisors change a level's thresholds
    (POST level=<id>) or move customers up now (POST action=promote)."""
    actor = logged_in_actor(request)
    all_levels = queries.levels(actor=actor)
    status = 200
    failed: dict[int, dict[str, str]] = {}
    if request.method == "POST":
        _require(actor, "customers.edit")
        if request.POST.get("action") == "promote":
            moved = tiers.promote(now=timezone.now())
            messages.success(request, _("%(count)d customers moved up.") % {"count": moved})
            return redirect("crm:levels")
        level = next((each for each in all_levels if str(each.pk) == request.POST.get("level", "")), None)
        if level is None:
            raise Http404("level")
        min_spent, min_orders, errors = _threshold_values(request)
        try:
            if errors:
                raise ValidationFailed(errors)
            tiers.set_thresholds(level=level, actor=actor, min_spent=min_spent, min_orders=min_orders)
        except ValidationFailed as error:
            failed[level.pk] = error.fields
            messages.error(request, error.message)
            status = 422
        else:
            messages.success(request, _("Thresholds of %(level)s saved.") % {"level": level.name})
            return redirect("crm:levels")
    context = {
        "levels": [(level, failed.get(level.pk, {})) for level in all_levels],
        "may_edit": has_permission(actor, "customers.edit"),
    }
    return render(request, "crm/levels.html", context, status=status)


@staff_required
@require_POST
def set_level(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer page's level form: a level by hand (or none) with the reason."""
    actor = logged_in_actor(request)
    try:
        customer = queries.get_customer(customer_id=pk, actor=actor)
    except NotFound:
        raise Http404(str(pk)) from None
    code = request.POST.get("level", "").strip()
    try:
        level: CustomerLevel | None = None
        if code:
            level = tiers.level_by_code(shop_id=customer.shop_id, code=code)
            if level is None:
                raise ValidationFailed({"level": _("unknown customer level %(code)s for this shop") % {"code": code}})
        tiers.set_level(
            customer=customer,
            level=level,
            actor=actor,
            reason=request.POST.get("reason", ""),
            lock=request.POST.get("lock", "") == "on",
        )
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Level saved."))
    return redirect("crm:customer", pk=pk)
