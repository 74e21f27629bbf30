"""The buyer portal's after-sales pages: asking for a refund, return, exchange, repair,
missing parts or a complaint with photos from the phone's camera, and the case page
(status, timeline, messages, the return parcel, cancel, dispute, the buyer's photos).

Thin views over portal.cases, which checks that the order or case is the buyer's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.aftersales.evidence import open_evidence
from sellerdesk.core.errors import DomainError, NotFound
from sellerdesk.core.web import error_text
from sellerdesk.logistics.models import Carrier
from sellerdesk.portal import cases
from sellerdesk.portal.buyer import case_types_for
from sellerdesk.portal.forms import CaseRequestForm, DisputeForm, MessageForm, ReturnParcelForm
from sellerdesk.portal.views import buyer_required, current_buyer, order_or_404, page


def _request_form(request: HttpRequest, order: Any, data: Any = None) -> tuple[CaseRequestForm, list[Any]]:
    rows = cases.askable_lines(order)
    lines = [
        {
            "id": row.line.order_line_id,
            "label": row.line.name,
            "attributes": row.attributes,
            "askable": row.line.askable,
            "shipped": row.line.shipped,
            "ordered": row.line.ordered,
            "swaps": [(sku.pk, sku.attributes_text or sku.name) for sku in row.exchange_options],
        }
        for row in rows
    ]
    types = [(value.value, value.label) for value in case_types_for(order)]
    return CaseRequestForm(data, types=types, lines=lines), rows


def _line_field(form: CaseRequestForm, path: str, lines: list[LineRequest]) -> str | None:
    """`lines[1].quantity` → the form field of that line (its quantity or its exchange)."""
    head, _dot, leaf = path.partition(".")
    if not head.startswith("lines[") or not head.endswith("]"):
        return None
    try:
        request = lines[int(head[len("lines[") : -1])]
    except (ValueError, IndexError):
        return None
    name = f"swap_{request.order_line_id}" if leaf == "replacement_sku_id" else f"qty_{request.order_line_id}"
    return name if name in form.fields else None


@buyer_required
@require_http_methods(["GET", "POST"])
def new_case(request: HttpRequest, number: str) -> HttpResponse:
    order = order_or_404(request, number)
    if request.method == "GET":
        form, _rows = _request_form(request, order)
        return page(request, "portal/new_case.html", {"order": order, "form": form})
    form, _rows = _request_form(request, order, request.POST)
    photos = request.FILES.getlist("photos")
    photo_error = ""
    if form.is_valid():
        asked = form.quantities()
        lines = [
            LineRequest(order_line_id=line_id, quantity=quantity, replacement_sku_id=swap)
            for line_id, (quantity, swap) in asked.items()
        ]
        try:
            case = cases.open_request(
                customer=current_buyer(request),
                number=order.number,
                type=form.cleaned_data["type"],
                reason=form.cleaned_data["reason"],
                lines=lines,
                description=form.cleaned_data["description"],
                photos=photos,
            )
        except DomainError as error:
            for path, reason in (error.details.get("fields") or {}).items():
                if path.startswith("photos"):
                    photo_error = f"{photo_error} {reason}".strip()
                    continue
                name = _line_field(form, path, lines) or (path if path in form.fields else None)
                form.add_error(name, reason)
            if not error.details.get("fields"):
                form.add_error(None, error.message)
            status = error.status
        else:
            messages.success(
                request, _("Your request %(number)s is sent. We will answer soon.") % {"number": case.number}
            )
            return redirect("portal:case", number=case.number)
    else:
        status = 422
    return page(
        request, "portal/new_case.html", {"order": order, "form": form, "photo_error": photo_error}, status=status
    )


def _case_page(request: HttpRequest, number: str, status: int = 200, **forms: Any) -> HttpResponse:
    try:
        view = cases.case_view(current_buyer(request), number)
    except NotFound:
        raise Http404(_("No after-sales case %(number)s.") % {"number": number}) from None
    context = {
        "view": view,
        "case": view.case,
        "message_form": forms.get("message_form") or MessageForm(),
        "parcel_form": forms.get("parcel_form") or ReturnParcelForm(),
        "dispute_form": forms.get("dispute_form") or DisputeForm(),
        "photo_error": forms.get("photo_error", ""),
        # Offered by name; after-sales also takes a carrier's code or usual short name.
        "carriers": list(Carrier.objects.filter(is_active=True).order_by("code").values_list("name", flat=True)),
    }
    return page(request, "portal/case.html", context, status=status)


@buyer_required
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _case_page(request, number)


def _refused_on(form: Any, error: DomainError) -> None:
    fields = error.details.get("fields") or {}
    for name, reason in fields.items():
        form.add_error(name if name in form.fields else None, reason)
    if not fields:
        form.add_error(None, error.message)


@buyer_required
@require_POST
def post_message(request: HttpRequest, number: str) -> HttpResponse:
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            cases.post_message(customer=current_buyer(request), number=number, body=form.cleaned_data["body"])
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            _refused_on(form, error)
            return _case_page(request, number, status=error.status, message_form=form)
        return redirect(f"/portal/cases/{number}/#messages")
    return _case_page(request, number, status=422, message_form=form)


@buyer_required
@require_POST
def return_parcel(request: HttpRequest, number: str) -> HttpResponse:
    form = ReturnParcelForm(request.POST)
    if form.is_valid():
        try:
            cases.register_return_parcel(customer=current_buyer(request), number=number, **form.cleaned_data)
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            _refused_on(form, error)
            return _case_page(request, number, status=error.status, parcel_form=form)
        messages.success(request, _("Thank you: we will watch for your parcel."))
        return redirect("portal:case", number=number)
    return _case_page(request, number, status=422, parcel_form=form)


@buyer_required
@require_POST
def add_evidence(request: HttpRequest, number: str) -> HttpResponse:
    try:
        cases.add_photos(customer=current_buyer(request), number=number, photos=request.FILES.getlist("photos"))
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        return _case_page(request, number, status=error.status, photo_error=error_text(error))
    messages.success(request, _("Your photos are added."))
    return redirect("portal:case", number=number)


@buyer_required
@require_POST
def cancel(request: HttpRequest, number: str) -> HttpResponse:
    try:
        cases.cancel(customer=current_buyer(request), number=number)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect("portal:case", number=number)


@buyer_required
@require_POST
def dispute(request: HttpRequest, number: str) -> HttpResponse:
    form = DisputeForm(request.POST)
    if form.is_valid():
        try:
            cases.dispute(customer=current_buyer(request), number=number, reason=form.cleaned_data["reason"])
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            _refused_on(form, error)
            return _case_page(request, number, status=error.status, dispute_form=form)
        messages.success(request, _("Your disagreement is recorded; a supervisor will look at the case."))
        return redirect("portal:case", number=number)
    return _case_page(request, number, status=422, dispute_form=form)


def _serve(request: HttpRequest, number: str, evidence_id: int, variant: str) -> FileResponse:
    try:
        found = cases.evidence_of(current_buyer(request), number, evidence_id)
        opened = open_evidence(found, "thumbnail" if variant == "thumbnail" else "file")
    except (NotFound, LookupError):
        raise Http404 from None
    response = FileResponse(opened.file, content_type=opened.content_type, filename=opened.filename)
    # The buyer's own photos: never kept by a shared cache.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@buyer_required
@require_GET
def evidence_file(request: HttpRequest, number: str, evidence_id: int) -> FileResponse:
    return _serve(request, number, evidence_id, "file")


@buyer_required
@require_GET
def evidence_thumbnail(request: HttpRequest, number: str, evidence_id: int) -> FileResponse:
    return _serve(request, number, evidence_id, "thumbnail")
