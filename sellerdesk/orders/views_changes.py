"""Staff pages for changes during the hold buffer: a panel on the order page (lines,
address, carrier) and two bulk actions of the exception queue (apply the suggested
address, change carrier). Each form calls one action in orders.changes; an error is shown
with nothing changed, a success redirects back."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.errors import DomainError, InvalidTransition, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import logged_in_actor
from sellerdesk.orders import changes
from sellerdesk.orders.hooks import CARRIER_COVERAGE
from sellerdesk.orders.models import Order, OrderHold
from sellerdesk.orders.queries import get_order
from sellerdesk.orders.states import OrderStatus


class LinesForm(forms.Form):
    line = forms.TypedChoiceField(label=gettext_lazy("Line"), coerce=int, empty_value=None, required=False)
    sku = forms.CharField(label=gettext_lazy("New SKU"), required=False, max_length=64)
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity"), required=False, min_value=1, max_value=changes.MAX_QUANTITY
    )
    remove = forms.BooleanField(label=gettext_lazy("Remove the line"), required=False)

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("Add a new line"))]
        choices += [
            (str(line.position), f"{line.position}. {line.sku_code} × {line.quantity}") for line in order.lines.all()
        ]
        self.fields["line"].choices = choices  # type: ignore[attr-defined]

    def change(self) -> changes.LineChange:
        data = self.cleaned_data
        return changes.LineChange(
            line=data["line"],
            sku=(data["sku"] or "").strip() or None,
            quantity=data["quantity"],
            remove=bool(data["remove"]),
        )


class AddressForm(forms.Form):
    province = forms.CharField(label=gettext_lazy("Province"), max_length=20)
    city = forms.CharField(label=gettext_lazy("City"), max_length=30)
    district = forms.CharField(label=gettext_lazy("District"), max_length=30, required=False)
    detail = forms.CharField(label=gettext_lazy("Street address"), max_length=200)

    def address(self) -> changes.NewAddress:
        data = self.cleaned_data
        return changes.NewAddress(data["province"], data["city"], data["district"], data["detail"])


class CarrierForm(forms.Form):
    carrier = forms.ChoiceField(label=gettext_lazy("Carrier"))

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reaching = CARRIER_COVERAGE.get().reaching(
            order.province, order.city, order.district, needs_cod=order.payment_method == "cod"
        )
        self.fields["carrier"].choices = [(c.code, f"{c.name} ({c.code})") for c in reaching]  # type: ignore[attr-defined]
        self.initial.setdefault("carrier", order.carrier)


FORMS: dict[str, Any] = {"lines": LinesForm, "address": AddressForm, "carrier": CarrierForm}


def suggested_address(order: Order) -> dict[str, str] | None:
    """The address the review suggested for the order's open address holds, if any."""
    for hold in OrderHold.objects.filter(order=order, reason="address", resolved_at__isnull=True).order_by("pk"):
        address = (hold.suggestion or {}).get("address")
        if isinstance(address, dict) and address.get("province"):
            return {key: str(address.get(key) or "") for key in ("province", "city", "district", "detail")}
    return None


def _current_address(order: Order) -> dict[str, str]:
    return {
        "province": order.province,
        "city": order.city,
        "district": order.district,
        "detail": order.address_detail,
    }


def _forms(order: Order, bound: dict[str, forms.Form]) -> dict[str, forms.Form]:
    suggestion = suggested_address(order)
    built: dict[str, forms.Form] = {
        "lines": LinesForm(order=order),
        "address": AddressForm(initial=suggestion or _current_address(order)),
        "carrier": CarrierForm(order=order),
    }
    built.update(bound)
    return built


def _find(request: HttpRequest, number: str) -> Order:
    try:
        return get_order(number=number, actor=logged_in_actor(request))
    except NotFound:
        raise Http404(number) from None


def _render(
    request: HttpRequest, order: Order, *, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    user = logged_in_actor(request)
    context = {
        "order": order,
        "changes": _forms(order, bound or {}),
        "suggestion": suggested_address(order),
        "may_change_lines": order.status in changes.CHANGEABLE and has_permission(user, "orders.reprice"),
        "may_change_shipping": order.status in changes.SHIPPING_CHANGEABLE and has_permission(user, "orders.hold"),
    }
    template = "orders/partials/changes.html" if request.headers.get("HX-Request") else "orders/changes_page.html"
    return render(request, template, context, status=status)


def _error_text(error: DomainError) -> str:
    if isinstance(error, InvalidTransition):
        return _("An order that is “%(status)s” cannot be changed this way.") % {
            "status": OrderStatus(error.current).label if error.current in OrderStatus.values else error.current
        }
    if isinstance(error, ValidationFailed):
        return "; ".join(f"{field}: {reason}" for field, reason in error.fields.items())
    return error.message


DONE = {
    "lines": gettext_lazy("Lines changed."),
    "address": gettext_lazy("Address corrected."),
    "carrier": gettext_lazy("Carrier chosen."),
}


@staff_required
def order_changes(request: HttpRequest, number: str) -> HttpResponse:
    """GET: the panel of change forms; POST `what` = lines, address or carrier."""
    order = _find(request, number)
    if request.method != "POST":
        return _render(request, order)
    what = request.POST.get("what", "")
    form_class = FORMS.get(what)
    if form_class is None:
        messages.error(request, _("Unknown action."))
        return _render(request, order, status=400)
    form = form_class(request.POST, order=order) if what != "address" else form_class(request.POST)
    if not form.is_valid():
        return _render(request, order, bound={what: form}, status=422)
    user = logged_in_actor(request)
    try:
        if what == "lines":
            changes.change_order_lines(order=order, actor=user, changes=[form.change()])
        elif what == "address":
            changes.correct_address(order=order, actor=user, address=form.address())
        else:
            changes.choose_carrier(order=order, actor=user, carrier_code=form.cleaned_data["carrier"])
    except DomainError as error:
        if isinstance(error, ValidationFailed):
            for field, reason in error.fields.items():
                name = field.rsplit(".", 1)[-1]
                form.add_error(name if name in form.fields else None, reason)
        else:
            form.add_error(None, _error_text(error))
        return _render(request, _find(request, number), bound={what: form}, status=error.status)
    messages.success(request, str(DONE[what]))
    return redirect("orders:detail", number=order.number)


# --- bulk actions of the exception queue ---------------------------------------------------


BULK_ACTIONS = ("apply_suggestion", "change_carrier")


def _bulk_one(user: User, number: str, action: str, carrier: str) -> str:
    """Apply one bulk action to one order; '' when done, else why not (nothing changed)."""
    try:
        order = get_order(number=number, actor=user)
        if action == "apply_suggestion":
            suggestion = suggested_address(order)
            if suggestion is None:
                return _("no suggested address")
            changes.correct_address(order=order, actor=user, address=changes.NewAddress(**suggestion))
        else:
            changes.choose_carrier(order=order, actor=user, carrier_code=carrier)
    except DomainError as error:
        return _error_text(error)
    return ""


@staff_required
def queue_changes(request: HttpRequest) -> HttpResponse:
    """POST from the exception queue: each selected order in its own transaction, so it is
    either fully changed or untouched; the outcome of each is shown back on the queue."""
    back = request.POST.get("next") or reverse("orders:review_queue")
    if not back.startswith("/"):
        back = reverse("orders:review_queue")
    if request.method != "POST":
        return redirect(back)
    action = request.POST.get("action", "")
    numbers = [number for number in request.POST.getlist("orders") if number]
    carrier = request.POST.get("carrier", "").strip()
    if action not in BULK_ACTIONS or not numbers:
        messages.error(request, _("Choose orders and an action."))
        return redirect(back)
    if action == "change_carrier" and not carrier:
        messages.error(request, _("Choose the carrier."))
        return redirect(back)
    user = logged_in_actor(request)
    failed = 0
    for number in numbers:
        problem = _bulk_one(user, number, action, carrier)
        if problem:
            failed += 1
            messages.error(request, f"{number}: {problem}")
    done = len(numbers) - failed
    if done:
        messages.success(request, _("%(n)s order(s) done.") % {"n": done})
    return redirect(back)


def panel_url(order: Order) -> str:
    return reverse("orders:changes", args=[order.number])


__all__ = ["order_changes", "panel_url", "queue_changes"]
