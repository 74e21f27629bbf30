"""The exception desk (/logistics/exceptions/) and the carriers' cost tables: thin views
over logistics.exceptions and logistics.actions."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sellerdesk.core.errors import DomainError, NotFound
from sellerdesk.core.models import User
from sellerdesk.core.money import NotMoney, parse_money
from sellerdesk.core.permissions import STAFF
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import logged_in_actor, show_refusal
from sellerdesk.logistics import actions, exceptions, queries
from sellerdesk.logistics.models import Carrier, CarrierRate, ExceptionKind, ExceptionOutcome
from sellerdesk.orders.queries import get_order


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("logistics:exceptions")


@staff_required
@require_GET
def exception_desk(request: HttpRequest) -> HttpResponse:
    return _desk(
        request,
        kind=request.GET.get("kind", ""),
        assignee=request.GET.get("assignee", ""),
        state=request.GET.get("state", "open"),
    )


def _desk(
    request: HttpRequest,
    *,
    kind: str,
    assignee: str,
    state: str,
    typed: dict[str, object] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The desk's page; `typed` is what was typed on a card whose resolving was refused
    (its `pk`, `outcome`, `extra_fee`, `note`), shown again on that card."""
    try:
        found = exceptions.list_exceptions(actor=logged_in_actor(request), kind=kind, assignee=assignee, state=state)
    except DomainError as error:
        show_refusal(request, error)
        found, kind, assignee, state = [], "", "", "open"
    staff = User.objects.filter(is_active=True, role__in=[role.value for role in STAFF]).order_by("username")
    context = {
        "exceptions": found,
        "kind": kind,
        "assignee": assignee,
        "state": state,
        "kinds": ExceptionKind.choices,
        "outcomes": ExceptionOutcome.choices,
        "staff": staff,
        "here": request.get_full_path() if request.method == "GET" else _next_or_desk(request),
        "query": urlencode({"kind": kind, "assignee": assignee, "state": state}),
        "typed": typed or {},
    }
    return render(request, "logistics/exceptions.html", context, status=status)


def _next_or_desk(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("logistics:exceptions")


def _refused_resolving(request: HttpRequest, pk: int) -> HttpResponse:
    """The desk again (422) with the card as it was typed, so nothing typed is lost."""
    filters = QueryDict(urlsplit(_next_or_desk(request)).query)
    typed = {key: request.POST.get(key, "") for key in ("outcome", "extra_fee", "note")}
    return _desk(
        request,
        kind=filters.get("kind", ""),
        assignee=filters.get("assignee", ""),
        state=filters.get("state", "open"),
        typed={"pk": pk, **typed},
        status=422,
    )


@staff_required
@require_POST
def assign(request: HttpRequest) -> HttpResponse:
    actor = logged_in_actor(request)
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    assignee = User.objects.filter(username=request.POST.get("assignee", "")).first()
    if not ids:
        messages.error(request, _("Tick the exceptions to assign."))
        return _back(request)
    if assignee is None:
        messages.error(request, _("Choose who takes them."))
        return _back(request)
    try:
        done = exceptions.assign_exceptions(
            exceptions=list(exceptions.visible_exceptions(actor).filter(pk__in=ids)), assignee=assignee, actor=actor
        )
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(
            request, _("%(count)s assigned to %(name)s.") % {"count": len(done), "name": assignee.signature}
        )
    return _back(request)


@staff_required
@require_POST
def contact(request: HttpRequest, pk: int) -> HttpResponse:
    actor = logged_in_actor(request)
    try:
        found = exceptions.get_exception(pk=pk, actor=actor)
        exceptions.contact_buyer(exception=found, actor=actor, text=request.POST.get("text", ""))
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Message to the buyer recorded."))
    return _back(request)


@staff_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    actor = logged_in_actor(request)
    raw_fee = request.POST.get("extra_fee", "").strip()
    try:
        fee = parse_money(raw_fee) if raw_fee else None  # core.money: no "1e3", NaN or Infinity
    except NotMoney:
        messages.error(request, _("Extra fee: enter an amount like 12.00."))
        return _refused_resolving(request, pk)
    try:
        found = exceptions.get_exception(pk=pk, actor=actor)
        exceptions.resolve_exception(
            exception=found,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
            extra_fee=fee,
            actor=actor,
        )
    except DomainError as error:
        show_refusal(request, error)
        return _refused_resolving(request, pk)
    messages.success(request, _("Exception closed."))
    return _back(request)


# --- carriers and cost tables -----------------------------------------------------------------


@staff_required
@require_GET
def carrier_list(request: HttpRequest) -> HttpResponse:
    carriers = queries.list_carriers(actor=logged_in_actor(request))
    rates: dict[int, list[CarrierRate]] = {}
    for rate in CarrierRate.objects.order_by("carrier_id", "province"):
        rates.setdefault(rate.carrier_id, []).append(rate)
    rows = [(carrier, rates.get(carrier.pk, [])) for carrier in carriers]
    return render(request, "logistics/carriers.html", {"rows": rows})


@staff_required
@require_POST
def save_rates(request: HttpRequest, code: str) -> HttpResponse:
    """The cost table as text, one row a line: province (blank or * for the default),
    first price, price per additional kg[, first weight in grams]."""
    actor = logged_in_actor(request)
    try:
        carrier = queries.get_carrier(code=code, actor=actor)
        rows = []
        for number, line in enumerate(request.POST.get("rates", "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.replace("，", ",").split(",")]
            try:
                province = "" if parts[0] in ("", "*") else parts[0]
                first, extra = Decimal(parts[1]), Decimal(parts[2])
                grams = int(parts[3]) if len(parts) > 3 and parts[3] else 1000
            except (IndexError, InvalidOperation, ValueError):
                messages.error(request, _("Line %(n)s: write province, first price, price per kg.") % {"n": number})
                return redirect("logistics:carriers")
            rows.append(actions.RateRow(province, first, extra, grams))
        actions.replace_rates(actor=actor, carrier=carrier, rows=rows)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Cost table of %(carrier)s saved.") % {"carrier": carrier.name})
    return redirect("logistics:carriers")


__all__ = ["Carrier", "assign", "carrier_list", "contact", "exception_desk", "resolve", "save_rates"]


@staff_required
@require_POST
def extend_auto_confirm(request: HttpRequest, number: str) -> HttpResponse:
    """延长收货 from the order page: push the automatic receipt confirmation later."""
    actor = logged_in_actor(request)
    try:
        days = int(request.POST.get("days", ""))
    except ValueError:
        messages.error(request, _("Days: enter a whole number."))
        return redirect("orders:detail", number=number)
    try:
        order = get_order(number=number, actor=actor)
        actions.extend_auto_confirm(order=order, days=days, reason=request.POST.get("reason", ""), actor=actor)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Receipt confirmation extended by %(days)s days.") % {"days": days})
    return redirect("orders:detail", number=number)


@staff_required
@require_GET
def order_parcels(request: HttpRequest, number: str) -> HttpResponse:
    """The order page's parcels: each booked parcel with its carrier's scans, newest first."""
    from sellerdesk.logistics.models import Shipment

    try:
        order = get_order(number=number, actor=logged_in_actor(request))
    except NotFound:
        raise Http404 from None
    shipments = list(
        Shipment.objects.filter(order=order)
        .select_related("carrier")
        .prefetch_related("tracking_events")
        .order_by("-created_at", "-pk")
    )
    parcels = [
        (shipment, sorted(shipment.tracking_events.all(), key=lambda e: (e.at, e.pk), reverse=True))
        for shipment in shipments
    ]
    return render(request, "logistics/partials/order_parcels.html", {"order": order, "parcels": parcels})
