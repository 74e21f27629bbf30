"""/purchasing/returns/: the returns to suppliers (退供) — the batches by status, a
batch's page with its lines and the buyer's photos, sending and closing it, and its
printable list (PDF). Thin: each view reads, or calls one action of purchasing.returns."""

from __future__ import annotations

import mimetypes

from django import forms
from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sellerdesk.core.audit import history
from sellerdesk.core.errors import DomainError, NotFound, ValidationFailed
from sellerdesk.core.permissions import has_permission, require
from sellerdesk.core.web import form_field_errors, logged_in_actor, show_refusal
from sellerdesk.purchasing import documents, returns
from sellerdesk.purchasing.models import SupplierReturn, SupplierReturnLine, SupplierReturnStatus
from sellerdesk.purchasing.views import PAGE_SIZE, staff_view


class SendForm(forms.Form):
    carrier = forms.CharField(label=gettext_lazy("Carrier"), max_length=50, required=False)
    tracking_number = forms.CharField(label=gettext_lazy("Tracking number"), max_length=64, required=False)


class CloseForm(forms.Form):
    credit_amount = forms.DecimalField(
        label=gettext_lazy("Credited by the supplier"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=gettext_lazy("Leave empty if the supplier credits nothing or it is not known yet."),
    )


def _can(request: HttpRequest, permission: str) -> bool:
    return has_permission(logged_in_actor(request), permission)


def _batch(request: HttpRequest, number: str) -> SupplierReturn:
    require(logged_in_actor(request), "purchasing.view")
    batch = SupplierReturn.objects.select_related("supplier", "warehouse", "sent_by").filter(number=number).first()
    if batch is None:
        raise NotFound(_("No return to supplier %(number)s.") % {"number": number})
    return batch


@staff_view
@require_GET
def return_list(request: HttpRequest) -> HttpResponse:
    require(logged_in_actor(request), "purchasing.view")
    status = request.GET.get("status", "")
    if status not in SupplierReturnStatus.values:
        status = ""
    found = (
        SupplierReturn.objects.select_related("supplier", "warehouse")
        .annotate(units=Sum("lines__quantity"), line_count=Count("lines"))
        .order_by("-created_at", "-pk")
    )
    counts = dict(
        SupplierReturn.objects.values_list("status").annotate(count=Count("pk")).values_list("status", "count")
    )
    if status:
        found = found.filter(status=status)
    tabs = [("", _("All"), sum(counts.values()))] + [
        (value, label, counts.get(value, 0)) for value, label in SupplierReturnStatus.choices
    ]
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "purchasing/returns.html", {"page": page, "tabs": tabs, "status": status})


@staff_view
@require_GET
def return_detail(request: HttpRequest, number: str) -> HttpResponse:
    batch = _batch(request, number)
    lines = list(batch.lines.select_related("sku").order_by("pk"))
    context = {
        "batch": batch,
        "lines": lines,
        "units": sum(line.quantity for line in lines),
        "can_send": _can(request, "purchasing.receive")
        and returns.TABLE.allows(batch.status, returns.SupplierReturnAction.SEND),
        "can_close": _can(request, "purchasing.edit")
        and returns.TABLE.allows(batch.status, returns.SupplierReturnAction.CLOSE),
        "send_form": SendForm(),
        "close_form": CloseForm(),
        "history": history(returns.SUPPLIER_RETURN, [batch.number]),
    }
    return render(request, "purchasing/return_detail.html", context)


@staff_view
@require_POST
def return_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """send or close, then back to the batch's page."""
    actor = logged_in_actor(request)
    batch = _batch(request, number)
    try:
        if action == "send":
            form = SendForm(request.POST)
            if not form.is_valid():
                raise ValidationFailed(form_field_errors(form))
            returns.send_supplier_return(
                batch=batch,
                carrier=form.cleaned_data["carrier"],
                tracking_number=form.cleaned_data["tracking_number"],
                actor=actor,
            )
            done = _("Sent: the units have left defective stock.")
        elif action == "close":
            close = CloseForm(request.POST)
            if not close.is_valid():
                raise ValidationFailed(form_field_errors(close))
            returns.close_supplier_return(batch=batch, credit_amount=close.cleaned_data["credit_amount"], actor=actor)
            done = _("Closed.")
        else:
            raise NotFound(_("No such action."))
    except NotFound:
        raise  # the 404 page, from staff_view
    except DomainError as error:
        show_refusal(request, error)
        return redirect("purchasing:return", number=number)
    messages.success(request, done)
    return redirect("purchasing:return", number=number)


@staff_view
@require_GET
def return_photo(request: HttpRequest, number: str, line_id: int, index: int) -> HttpResponse:
    """A buyer's photo listed on a line of the batch (by its position there): only the
    stored names a batch lists are ever served, to those who may see purchasing."""
    batch = _batch(request, number)
    line = SupplierReturnLine.objects.filter(batch=batch, pk=line_id).first()
    if line is None or not 0 <= index < len(line.photos):
        raise Http404(_("No such photo."))
    name = line.photos[index]
    try:
        handle = default_storage.open(name, "rb")
    except OSError:
        raise Http404(_("No such photo.")) from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response  # type: ignore[return-value]  # streamed; staff_view is typed for HttpResponse


@staff_view
@require_GET
def return_pdf(request: HttpRequest, number: str) -> HttpResponse:
    batch = _batch(request, number)
    response = HttpResponse(documents.supplier_return_pdf(batch), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{batch.number}.pdf"'
    return response
