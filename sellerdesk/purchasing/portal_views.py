"""The supplier portal (/supplier/) and the staff's dropship screen (/supplier/dropship/).

A supplier login sees only its own supplier's purchase orders; another supplier's is a
404, exactly like one that does not exist. Staff pages stay behind `staff_required`, so
a supplier login gets 403 there. Thin views: parse, call purchasing.dropship, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sellerdesk.core.errors import DomainError, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import logged_in_actor, show_refusal
from sellerdesk.orders import queries as order_queries
from sellerdesk.purchasing import dropship
from sellerdesk.purchasing.buyer_privacy import ship_to_for_supplier
from sellerdesk.purchasing.models import PurchaseKind, PurchaseOrder, Supplier
from sellerdesk.purchasing.portal_forms import (
    COMMON_CARRIERS,
    CreateDropshipForm,
    DropshipFilterForm,
    ShipForm,
    SupplierFilterForm,
)
from sellerdesk.purchasing.states import DROPSHIP, PurchaseAction

View = Callable[..., HttpResponse]


def supplier_required(view: View) -> View:
    """Logged in (else to the login page) as a supplier's login (else 403)."""

    @login_required
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = logged_in_actor(request)
        if not dropship.is_supplier_user(user) or not user.is_active:
            raise PermissionDenied
        supplier = dropship.supplier_of(user)
        if supplier is None:
            raise PermissionDenied
        request.supplier = supplier  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return guarded


def _supplier(request: HttpRequest) -> Supplier:
    return cast(Supplier, request.supplier)  # type: ignore[attr-defined]


# --- the supplier ----------------------------------------------------------------------


@supplier_required
@require_GET
def portal_home(request: HttpRequest) -> HttpResponse:
    form = SupplierFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    purchases = dropship.supplier_purchases(actor=logged_in_actor(request), status=status or None)
    page = Paginator(purchases, 50).get_page(request.GET.get("page"))
    for purchase in page.object_list:
        # The buyer as the supplier may see them (masked once settled long enough ago).
        purchase.ship_to = ship_to_for_supplier(purchase)  # type: ignore[attr-defined]
    to_ship = dropship.supplier_purchases(actor=logged_in_actor(request)).filter(
        kind=PurchaseKind.DROPSHIP, status__in=DROPSHIP.statuses_allowing(PurchaseAction.SHIP), paid_at__isnull=False
    )
    context = {"supplier": _supplier(request), "form": form, "page": page, "to_ship": to_ship.count()}
    return render(request, "purchasing/portal/home.html", context)


def _purchase(request: HttpRequest, number: str) -> PurchaseOrder:
    try:
        return dropship.get_supplier_purchase(actor=logged_in_actor(request), number=number)
    except NotFound:
        raise Http404(_("No purchase order %(number)s.") % {"number": number}) from None


def _detail(request: HttpRequest, purchase: PurchaseOrder, form: ShipForm, status: int = 200) -> HttpResponse:
    order = purchase.for_order
    context = {
        "supplier": _supplier(request),
        "purchase": purchase,
        "lines": list(purchase.lines.all()),
        "total": sum((line.line_total for line in purchase.lines.all()), 0),
        "ship_to": ship_to_for_supplier(purchase),
        "instructions": order.buyer_instructions if order is not None else None,
        "can_ship": purchase.kind == PurchaseKind.DROPSHIP
        and DROPSHIP.allows(purchase.status, PurchaseAction.SHIP)
        and purchase.paid_at is not None,
        "form": form,
        "carriers": COMMON_CARRIERS,
    }
    return render(request, "purchasing/portal/detail.html", context, status=status)


@supplier_required
@require_GET
def portal_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _detail(request, _purchase(request, number), ShipForm())


@supplier_required
@require_POST
def portal_ship(request: HttpRequest, number: str) -> HttpResponse:
    purchase = _purchase(request, number)
    form = ShipForm(request.POST)
    if not form.is_valid():
        return _detail(request, purchase, form, status=422)
    try:
        dropship.ship_dropship_purchase(
            purchase=purchase,
            actor=logged_in_actor(request),
            carrier=form.cleaned_data["carrier"],
            tracking_number=form.cleaned_data["tracking_number"],
        )
    except ValidationFailed as error:
        for name, reason in error.fields.items():
            form.add_error(name if name in form.fields else None, reason)
        return _detail(request, purchase, form, status=422)
    except DomainError as error:
        form.add_error(None, error.message)
        return _detail(request, purchase, form, status=409)
    messages.success(request, _("%(number)s is marked shipped.") % {"number": purchase.number})
    return redirect("supplier_portal:detail", number=purchase.number)


# --- staff: dropship purchases and settlement ------------------------------------------


@staff_required
@require_GET
def dropship_list(request: HttpRequest) -> HttpResponse:
    actor = logged_in_actor(request)
    settlement = dropship.settlement_by_supplier(actor=actor)
    suppliers = [(s.code, s.name) for s in Supplier.objects.filter(skus__is_dropship=True).distinct().order_by("name")]
    form = DropshipFilterForm(request.GET or None, suppliers=suppliers)
    supplier = status = ""
    if form.is_valid():
        supplier, status = form.cleaned_data["supplier"], form.cleaned_data["status"]
    purchases = dropship.dropship_purchases(actor=actor, supplier=supplier or None, status=status or None)
    page = Paginator(purchases, 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "settlement": settlement,
        "create_form": CreateDropshipForm(),
        "can_edit": _can(actor, "purchasing.edit"),
    }
    return render(request, "dropship/list.html", context)


def _can(actor: User, permission: str) -> bool:
    return has_permission(actor, permission)


def _back(request: HttpRequest) -> HttpResponse:
    return redirect("supplier_portal:dropship")


def _refused(request: HttpRequest, error: DomainError) -> HttpResponse:
    show_refusal(request, error)
    return _back(request)


@staff_required
@require_POST
def dropship_pay(request: HttpRequest, number: str) -> HttpResponse:
    actor = logged_in_actor(request)
    try:
        purchase = dropship.get_dropship_purchase(actor=actor, number=number)
        dropship.pay_dropship_purchase(purchase=purchase, actor=actor)
    except DomainError as error:
        return _refused(request, error)
    messages.success(request, _("%(number)s is paid to the supplier.") % {"number": number})
    return _back(request)


@staff_required
@require_POST
def dropship_create(request: HttpRequest) -> HttpResponse:
    actor = logged_in_actor(request)
    form = CreateDropshipForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the order number."))
        return _back(request)
    try:
        order = order_queries.get_order(number=form.cleaned_data["number"].strip(), actor=actor)
        purchases = dropship.create_dropship_purchase(order=order, actor=actor)
    except DomainError as error:
        return _refused(request, error)
    messages.success(
        request,
        _("Dropship purchase %(numbers)s sent.") % {"numbers": ", ".join(p.number for p in purchases)},
    )
    return _back(request)
