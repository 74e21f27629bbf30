"""The warehouse screens under /warehouse/, built for a scanner and a touchscreen: waves
and picking, the packing desk, the scan-out. Thin: parse, call one action or query,
render. The scan fields post with fetch (fulfilment.js) and get JSON back: `ok`, the
`message` (the reason of a refusal), and the refreshed panel as `html`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sellerdesk.core.audit import history
from sellerdesk.core.errors import DomainError, NotFound, ValidationFailed
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import error_text, logged_in_actor, show_refusal
from sellerdesk.fulfilment import actions, documents, packing, picking, shipping
from sellerdesk.fulfilment import states as wave_states
from sellerdesk.fulfilment.api import order_label_shipment, pdf_response
from sellerdesk.fulfilment.events import WAVE
from sellerdesk.fulfilment.forms import WaveRulesForm
from sellerdesk.fulfilment.models import WaveOrder
from sellerdesk.fulfilment.states import WaveAction
from sellerdesk.fulfilment.waves import plan_wave
from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.orders.models import Order
from sellerdesk.orders.queries import get_order


def _is_scan(request: HttpRequest) -> bool:
    return request.headers.get("X-Scan") == "1"


def _answer(
    request: HttpRequest, *, ok: bool, message: str, fallback: str, status: int = 200, **extra: Any
) -> HttpResponse:
    """JSON for the scan field; without it (no JavaScript) a message and a redirect."""
    if _is_scan(request):
        return JsonResponse({"ok": ok, "message": message, **extra}, status=status)
    (messages.success if ok else messages.error)(request, message)
    return redirect(extra.get("redirect") or fallback)


# --- waves ---------------------------------------------------------------------------------


@staff_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    form = WaveRulesForm(initial={"warehouse": default_warehouse().code, "max_orders": 50, "single_item": "any"})
    return _home(request, form)


def _home(request: HttpRequest, form: WaveRulesForm, *, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "waves": picking.recent_waves(actor=logged_in_actor(request), limit=30),
        "allocated": Order.objects.filter(status__in=wave_states.ORDERS_TO_PICK).count(),
    }
    return render(request, "fulfilment/home.html", context, status=status)


@staff_required
@require_POST
def preview_wave(request: HttpRequest) -> HttpResponse:
    form = WaveRulesForm(request.POST)
    plan = None
    error = ""
    if form.is_valid():
        try:
            plan = plan_wave(warehouse=form.chosen_warehouse(), rules=form.wave_rules())
        except DomainError as refused:
            error = error_text(refused)
    return render(request, "fulfilment/partials/preview.html", {"form": form, "plan": plan, "error": error})


@staff_required
@require_POST
def create_wave(request: HttpRequest) -> HttpResponse:
    form = WaveRulesForm(request.POST)
    if not form.is_valid():
        # The page again with the rules as typed and each error under its field (a
        # redirect lost them and named the fields by their codes: "max_items: …").
        return _home(request, form, status=422)
    try:
        wave = actions.create_wave(
            warehouse=form.chosen_warehouse(), rules=form.wave_rules(), actor=logged_in_actor(request)
        )
    except DomainError as error:
        show_refusal(request, error)
        return redirect("fulfilment:home")
    messages.success(
        request,
        _("Wave %(wave)s created: %(orders)s orders, %(items)s items.")
        % {"wave": wave.number, "orders": wave.order_count, "items": wave.item_count},
    )
    return redirect("fulfilment:wave", number=wave.number)


@staff_required
@require_POST
def pick_order(request: HttpRequest) -> HttpResponse:
    number = request.POST.get("order", "").strip()
    fallback = reverse("fulfilment:home")
    try:
        wave = actions.pick_order(
            order=get_order(number=number, actor=logged_in_actor(request)), actor=logged_in_actor(request)
        )
    except DomainError as error:
        return _answer(request, ok=False, message=error_text(error), fallback=fallback, status=error.status)
    url = reverse("fulfilment:wave", kwargs={"number": wave.number})
    return _answer(
        request, ok=True, message=_("Order %(number)s: pick it now.") % {"number": number}, fallback=url, redirect=url
    )


def _wave_or_404(request: HttpRequest, number: str) -> Any:
    try:
        return picking.get_wave(number=number, actor=logged_in_actor(request))
    except NotFound as error:
        raise Http404(error.message) from None


@staff_required
@require_GET
def wave_detail(request: HttpRequest, number: str) -> HttpResponse:
    wave = _wave_or_404(request, number)
    entries = list(WaveOrder.objects.filter(wave=wave).select_related("order").order_by("slot"))
    context = {
        "wave": wave,
        "stops": picking.pick_list(wave),
        "slots": picking.sort_list(wave),
        "steps": picking.steps(wave),
        "entries": entries,
        "is_picking": wave_states.allows(wave.status, WaveAction.CONFIRM_PICK),
        "documents": documents.WAVE_DOCUMENTS,
        "history": history(WAVE, [wave.pk]),
    }
    return render(request, "fulfilment/wave.html", context)


@staff_required
@require_POST
def wave_step(request: HttpRequest, number: str, step: str, move: str) -> HttpResponse:
    wave = _wave_or_404(request, number)
    try:
        if move == "start":
            actions.start_step(wave=wave, step=step, actor=logged_in_actor(request))
        else:
            actions.finish_step(wave=wave, step=step, actor=logged_in_actor(request))
    except DomainError as error:
        show_refusal(request, error)
    return redirect("fulfilment:wave", number=wave.number)


@staff_required
@require_POST
def confirm_pick(request: HttpRequest, number: str) -> HttpResponse:
    """The pick list's boxes hold the units found per stop (filled with the listed count)."""
    wave = _wave_or_404(request, number)
    picked: dict[tuple[int | None, int], int] = {}
    try:
        for index, stop in enumerate(picking.pick_list(wave)):
            raw = str(request.POST.get(f"picked-{index}", stop.quantity)).strip()
            if not raw.isdigit():
                raise ValidationFailed({f"{stop.bin_code} {stop.sku_code}": _("enter a whole number")})
            if int(raw) != stop.quantity:
                picked[(stop.bin_id, stop.sku_id)] = int(raw)
        actions.confirm_pick(wave=wave, actor=logged_in_actor(request), picked=picked)
    except DomainError as error:
        show_refusal(request, error)
    else:
        if picked:
            messages.warning(
                request, _("Pick confirmed with units missing: the orders short of them are out of stock.")
            )
        else:
            messages.success(request, _("Pick confirmed: every unit found."))
    return redirect("fulfilment:wave", number=wave.number)


@staff_required
@require_GET
def wave_document(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    wave = _wave_or_404(request, number)
    return pdf_response(documents.wave_document(wave, kind), f"{wave.number}-{kind}.pdf")


# --- the packing desk ---------------------------------------------------------------------------


@staff_required
@require_GET
def packing_desk(request: HttpRequest) -> HttpResponse:
    ready = (
        WaveOrder.objects.filter(
            order__status__in=wave_states.ORDERS_TO_PACK,
            wave__status__in=wave_states.statuses_allowing(WaveAction.PACK),
        )
        .select_related("order", "wave")
        .order_by("wave__created_at", "slot")[:40]
    )
    return render(request, "fulfilment/packing_desk.html", {"ready": ready})


@staff_required
@require_POST
def open_order(request: HttpRequest) -> HttpResponse:
    """The order number scanned (from the basket or the packing slip) opens its check."""
    number = request.POST.get("code", "").strip()
    fallback = reverse("fulfilment:packing_desk")
    try:
        order = get_order(number=number, actor=logged_in_actor(request))
        packing.packing_check(order=order, actor=logged_in_actor(request))
    except DomainError as error:
        if isinstance(error, NotFound):
            error.message = _("Unknown order %(number)s: scan the order number on the slip.") % {"number": number}
        return _answer(request, ok=False, message=error_text(error), fallback=fallback, status=error.status)
    url = reverse("fulfilment:pack", kwargs={"number": order.number})
    return _answer(request, ok=True, message=order.number, fallback=url, redirect=url)


def _pack_context(request: HttpRequest, order: Order) -> dict[str, Any]:
    shipment = shipping.active_shipment(order) if order.status == wave_states.PACKED_ORDER else None
    check = None
    refusal = ""
    if order.status in wave_states.ORDERS_TO_PACK:
        try:
            check = packing.packing_check(order=order, actor=logged_in_actor(request))
        except DomainError as error:
            refusal = error_text(error)
    elif order.status != wave_states.PACKED_ORDER:
        refusal = _("Order %(number)s is %(status)s: nothing to pack.") % {
            "number": order.number,
            "status": order.get_status_display(),
        }
    return {"order": order, "check": check, "shipment": shipment, "refusal": refusal}


@staff_required
@require_GET
def pack_order(request: HttpRequest, number: str) -> HttpResponse:
    try:
        order = get_order(number=number, actor=logged_in_actor(request))
    except NotFound as error:
        raise Http404(error.message) from None
    return render(request, "fulfilment/pack.html", _pack_context(request, order))


def _panel(request: HttpRequest, order: Order) -> str:
    order.refresh_from_db()
    return render_to_string("fulfilment/partials/check.html", _pack_context(request, order), request=request)


@staff_required
@require_POST
def pack_scan(request: HttpRequest, number: str) -> HttpResponse:
    fallback = reverse("fulfilment:pack", kwargs={"number": number})
    try:
        order = get_order(number=number, actor=logged_in_actor(request))
        result = packing.scan_item(order=order, code=request.POST.get("code", ""), actor=logged_in_actor(request))
    except DomainError as error:
        return _answer(
            request, ok=False, message=error_text(error), fallback=fallback, status=error.status, code=error.code
        )
    return _answer(
        request,
        ok=True,
        message=result.message,
        fallback=fallback,
        html=_panel(request, order),
        complete=result.check.is_complete,
    )


@staff_required
@require_POST
def pack_weight(request: HttpRequest, number: str) -> HttpResponse:
    fallback = reverse("fulfilment:pack", kwargs={"number": number})
    raw = request.POST.get("weight_grams", "").strip()
    try:
        order = get_order(number=number, actor=logged_in_actor(request))
        if not raw.isdigit():
            raise ValidationFailed({"weight_grams": _("enter the weight in grams")})
        check = packing.record_weight(order=order, grams=int(raw), actor=logged_in_actor(request))
    except DomainError as error:
        return _answer(
            request, ok=False, message=error_text(error), fallback=fallback, status=error.status, code=error.code
        )
    if check.can_check_weight:
        message = _("Weight %(grams)s g OK.") % {"grams": raw}
    else:
        # Issue 17 C: a SKU without a weight leaves nothing to check against; never "OK".
        message = _("Weight %(grams)s g recorded: nothing to check it against (no weight for %(skus)s).") % {
            "grams": raw,
            "skus": ", ".join(check.skus_without_weight) or "—",
        }
    return _answer(
        request,
        ok=True,
        message=message,
        fallback=fallback,
        html=_panel(request, order),
        complete=check.is_complete,
    )


@staff_required
@require_POST
def pack_restart(request: HttpRequest, number: str) -> HttpResponse:
    try:
        packing.restart_check(
            order=get_order(number=number, actor=logged_in_actor(request)), actor=logged_in_actor(request)
        )
    except DomainError as error:
        show_refusal(request, error)
    return redirect("fulfilment:pack", number=number)


@staff_required
@require_POST
def pack_label(request: HttpRequest, number: str) -> HttpResponse:
    fallback = reverse("fulfilment:pack", kwargs={"number": number})
    try:
        order = get_order(number=number, actor=logged_in_actor(request))
        shipment = shipping.print_label(order=order, actor=logged_in_actor(request))
    except DomainError as error:
        return _answer(
            request, ok=False, message=error_text(error), fallback=fallback, status=error.status, code=error.code
        )
    return _answer(
        request,
        ok=True,
        message=_("Label %(carrier)s %(number)s booked: print it and stick it on.")
        % {"carrier": shipment.carrier.name, "number": shipment.tracking_number},
        fallback=fallback,
        html=_panel(request, order),
        label=reverse("fulfilment:order_document", kwargs={"number": order.number, "kind": "label"}),
    )


@staff_required
@require_GET
def order_document(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    try:
        order = get_order(number=number, actor=logged_in_actor(request))
        if kind == "label":
            return pdf_response(documents.labels_pdf([order_label_shipment(order)]), f"{order.number}-label.pdf")
    except NotFound as error:
        raise Http404(error.message) from None
    return pdf_response(documents.packing_slips_pdf([order]), f"{order.number}-packing-slip.pdf")


# --- the scan-out -----------------------------------------------------------------------------------


@staff_required
@require_GET
def scan_out_desk(request: HttpRequest) -> HttpResponse:
    waiting = Order.objects.filter(status=wave_states.PACKED_ORDER).count()
    return render(request, "fulfilment/scan_out.html", {"waiting": waiting})


@staff_required
@require_POST
def scan_out_scan(request: HttpRequest) -> HttpResponse:
    fallback = reverse("fulfilment:scan_out")
    try:
        shipment = shipping.scan_out(tracking_number=request.POST.get("code", ""), actor=logged_in_actor(request))
    except DomainError as error:
        return _answer(
            request, ok=False, message=error_text(error), fallback=fallback, status=error.status, code=error.code
        )
    return _answer(
        request,
        ok=True,
        message=_("%(number)s handed to %(carrier)s: order %(order)s shipped.")
        % {"number": shipment.tracking_number, "carrier": shipment.carrier.name, "order": shipment.order.number},
        fallback=fallback,
    )
