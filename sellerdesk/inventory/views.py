"""The stock screens under /stock/: overview, ledger, warehouses and bins, stock counts
and transfers. Thin: parse a form, call one query or action, render or redirect with
the refusal shown (nothing was changed then)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sellerdesk.catalog.models import Sku
from sellerdesk.core.audit import history
from sellerdesk.core.errors import DomainError, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import form_field_errors, logged_in_actor, show_refusal
from sellerdesk.inventory import actions, events, queries
from sellerdesk.inventory.forms import (
    BinsForm,
    LedgerForm,
    PutawayForm,
    StartCountForm,
    StockSearchForm,
    TransferForm,
    WarehouseForm,
    transfer_receipts,
)
from sellerdesk.inventory.models import Bin, StockCountStatus, TransferStatus, Warehouse
from sellerdesk.inventory.states import COUNTS, TRANSFERS, CountAction


def not_found_as_404(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An unknown warehouse, count or transfer in the URL is the 404 page."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(error.message) from None

    return guarded


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 100_000 else 1


def _warehouse_or_none(code: str) -> Warehouse | None:
    return Warehouse.objects.filter(code=code).first() if code else None


# --- Overview and ledger --------------------------------------------------------------


@staff_required
@not_found_as_404
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    actor = logged_in_actor(request)
    form = StockSearchForm(request.GET or None)
    q, warehouse, low = "", None, False
    if form.is_valid():
        q, low = form.cleaned_data["q"], form.cleaned_data["low"]
        warehouse = _warehouse_or_none(form.cleaned_data["warehouse"])
    page, rows = queries.stock_overview(q=q, actor=actor, warehouse=warehouse, low_only=low, page=_page_number(request))
    houses = [warehouse] if warehouse else queries.warehouses(actor=actor, active_only=True)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "houses": houses,
        "query": request.GET.urlencode(),
        "may_adjust": has_permission(actor, "stock.adjust"),
    }
    template = "inventory/partials/stock_rows.html" if request.headers.get("HX-Target") == "stock-results" else None
    return render(request, template or "inventory/overview.html", context)


@staff_required
@require_POST
def reorder_point(request: HttpRequest) -> HttpResponse:
    """Set (or clear, left empty) a SKU's reorder point in a warehouse from the stock list."""
    back = redirect(reverse("inventory:overview") + "?" + request.POST.get("query", ""))
    sku = Sku.objects.filter(code=request.POST.get("sku", "")).first()
    warehouse = Warehouse.objects.filter(code=request.POST.get("warehouse", "")).first()
    if sku is None or warehouse is None:
        messages.error(request, _("Unknown SKU or warehouse."))
        return back
    try:
        point, quantity = (
            int(raw) if raw.strip() else None
            for raw in (request.POST.get("reorder_point", ""), request.POST.get("reorder_quantity", ""))
        )
    except ValueError:
        messages.error(request, _("Reorder point and quantity are whole numbers."))
        return back
    try:
        actions.set_reorder_point(
            sku=sku, warehouse=warehouse, reorder_point=point, reorder_quantity=quantity, actor=logged_in_actor(request)
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Reorder point of %(sku)s in %(warehouse)s saved.") % {"sku": sku.code, "warehouse": warehouse.name},
        )
    return back


@staff_required
@not_found_as_404
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    form = LedgerForm(request.GET or None)
    filters = queries.MovementFilters()
    if form.is_valid():
        filters = queries.MovementFilters(
            **{name: form.cleaned_data[name] or "" for name in ("sku", "warehouse", "kind", "document")}
        )
    page = queries.movements(filters=filters, actor=logged_in_actor(request), page=_page_number(request))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "inventory/ledger.html", {"form": form, "page": page, "query": query.urlencode()})


# --- Warehouses and bins --------------------------------------------------------------


def _warehouse_fields(form: WarehouseForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("code", None)
    return data


@staff_required
@not_found_as_404
@require_http_methods(["GET", "POST"])
def warehouse_list(request: HttpRequest) -> HttpResponse:
    actor = logged_in_actor(request)
    form = WarehouseForm(request.POST or None, initial={"priority": 100, "is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            warehouse = actions.create_warehouse(
                code=form.cleaned_data["code"] or "", fields=_warehouse_fields(form), actor=actor
            )
        except DomainError as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("Warehouse %(name)s created.") % {"name": warehouse.name})
            return redirect("inventory:warehouse", code=warehouse.code)
    context = {
        "warehouses": queries.warehouses(actor=actor),
        "form": form,
        "can_edit": has_permission(actor, "warehouses.edit"),
    }
    return render(request, "inventory/warehouses.html", context)


@staff_required
@not_found_as_404
@require_http_methods(["GET", "POST"])
def warehouse_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = logged_in_actor(request)
    warehouse = queries.get_warehouse(code=code, actor=actor)
    initial = {name: getattr(warehouse, name) for name in WarehouseForm.base_fields if name != "code"}
    form = WarehouseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_warehouse(warehouse=warehouse, fields=_warehouse_fields(form), actor=actor)
        except DomainError as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("inventory:warehouse", code=code)
    return _warehouse_page(request, warehouse, actor, form=form)


def _warehouse_page(
    request: HttpRequest,
    warehouse: Warehouse,
    actor: User,
    *,
    form: WarehouseForm | None = None,
    bins_form: BinsForm | None = None,
    putaway_form: PutawayForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The warehouse's page; a refused form is shown again as it was typed (422)."""
    if form is None:
        initial = {name: getattr(warehouse, name) for name in WarehouseForm.base_fields if name != "code"}
        form = WarehouseForm(initial=initial)
    context = {
        "warehouse": warehouse,
        "form": form,
        "bins_form": bins_form or BinsForm(),
        "putaway_form": putaway_form or PutawayForm(),
        "bins": queries.bins_of(warehouse=warehouse, actor=actor),
        "can_edit": has_permission(actor, "warehouses.edit"),
        "can_move": has_permission(actor, "stock.adjust"),
    }
    return render(request, "inventory/warehouse.html", context, status=status)


@staff_required
@not_found_as_404
@require_POST
def add_bins(request: HttpRequest, code: str) -> HttpResponse:
    actor = logged_in_actor(request)
    warehouse = queries.get_warehouse(code=code, actor=actor)
    form = BinsForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            # Each field by its label as the page shows it, never its code ("route_order").
            "; ".join(
                f"{form.fields[name].label if name in form.fields else _('Bins')}: {' '.join(map(str, errors))}"
                for name, errors in form.errors.items()
            ),
        )
        return _warehouse_page(request, warehouse, actor, bins_form=form, status=422)
    try:
        created = actions.create_bins(
            warehouse=warehouse,
            codes=form.cleaned_data["codes"],
            zone=form.cleaned_data["zone"],
            route_order=form.cleaned_data["route_order"],
            actor=actor,
        )
    except DomainError as error:
        show_refusal(request, error)
        return _warehouse_page(request, warehouse, actor, bins_form=form, status=422)
    messages.success(request, _("%(count)s bins created.") % {"count": len(created)})
    return redirect("inventory:warehouse", code=code)


@staff_required
@not_found_as_404
@require_POST
def putaway(request: HttpRequest, code: str) -> HttpResponse:
    actor = logged_in_actor(request)
    warehouse = queries.get_warehouse(code=code, actor=actor)
    form = PutawayForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(form_field_errors(form))
        data = form.cleaned_data
        sku = queries.get_sku(code=data["sku"].strip())
        bins = {b.code: b for b in Bin.objects.filter(warehouse=warehouse, code__in=[data["bin"], data["from_bin"]])}
        unknown = {name: _("no such bin") for name in ("bin", "from_bin") if data[name] and data[name] not in bins}
        if unknown:
            raise ValidationFailed(unknown)
        actions.move_bin_stock(
            sku=sku,
            warehouse=warehouse,
            from_bin=bins.get(data["from_bin"]) if data["from_bin"] else None,
            to_bin=bins[data["bin"]],
            quantity=data["quantity"],
            actor=actor,
        )
    except DomainError as error:
        show_refusal(request, error)
        return _warehouse_page(request, warehouse, actor, putaway_form=form, status=422)
    messages.success(request, _("Moved %(quantity)s × %(sku)s.") % {"quantity": data["quantity"], "sku": sku.code})
    return redirect("inventory:warehouse", code=code)


# --- Stock counts ---------------------------------------------------------------------


def _codes(text: str) -> list[str]:
    return [code for code in text.replace(",", " ").split() if code]


@staff_required
@not_found_as_404
@require_http_methods(["GET", "POST"])
def count_list(request: HttpRequest) -> HttpResponse:
    actor = logged_in_actor(request)
    form = StartCountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            warehouse = queries.get_warehouse(code=form.cleaned_data["warehouse"], actor=actor)
            sku_codes = _codes(form.cleaned_data["skus"])
            skus = list(Sku.objects.filter(code__in=sku_codes))
            unknown = sorted(set(sku_codes) - {sku.code for sku in skus})
            bin_codes = _codes(form.cleaned_data["bins"])
            bins = list(Bin.objects.filter(warehouse=warehouse, code__in=bin_codes))
            unknown_bins = sorted(set(bin_codes) - {bin.code for bin in bins})
            if unknown or unknown_bins:
                raise ValidationFailed(
                    {
                        **({"skus": _("unknown SKUs: %(codes)s") % {"codes": ", ".join(unknown)}} if unknown else {}),
                        **(
                            {"bins": _("unknown bins: %(codes)s") % {"codes": ", ".join(unknown_bins)}}
                            if unknown_bins
                            else {}
                        ),
                    }
                )
            count = actions.start_count(
                warehouse=warehouse, skus=skus or None, bins=bins or None, note=form.cleaned_data["note"], actor=actor
            )
        except DomainError as error:
            show_refusal(request, error)
        else:
            return redirect("inventory:count", number=count.number)
    status = request.GET.get("status", "")
    status = status if status in StockCountStatus.values else ""
    context = {
        "form": form,
        "page": queries.counts(actor=actor, status=status, page=_page_number(request)),
        "status": status,
        "statuses": StockCountStatus.choices,
        "can_count": has_permission(actor, "stock.count"),
    }
    return render(request, "inventory/counts.html", context)


@staff_required
@not_found_as_404
@require_GET
def count_detail(request: HttpRequest, number: str) -> HttpResponse:
    actor = logged_in_actor(request)
    count = queries.get_count(number=number, actor=actor)
    lines = list(count.lines.select_related("sku", "bin").order_by("pk"))
    context = {
        "count": count,
        "lines": lines,
        "is_open": COUNTS.allows(count.status, CountAction.COUNT),
        "uncounted": sum(1 for line in lines if line.counted is None),
        "differences": [line for line in lines if line.difference],
        "can_count": has_permission(actor, "stock.count"),
        "history": history(events.STOCK_COUNT, [count.pk]),
    }
    return render(request, "inventory/count.html", context)


@staff_required
@not_found_as_404
@require_POST
def count_enter(request: HttpRequest, number: str) -> HttpResponse:
    actor = logged_in_actor(request)
    count = queries.get_count(number=number, actor=actor)
    counted: dict[int, int | None] = {}
    bad: dict[str, str] = {}
    for key in request.POST:
        if not key.startswith("counted-"):
            continue
        line_id = key.removeprefix("counted-")
        text = str(request.POST.get(key, "")).strip()
        if not line_id.isdigit():
            continue
        try:
            counted[int(line_id)] = int(text) if text else None
        except ValueError:
            bad[f"counted.{line_id}"] = _("must be a whole number, 0 or more")
    try:
        if bad:
            raise ValidationFailed(bad)
        actions.enter_counts(count=count, counted=counted, actor=actor)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Counts saved."))
    return redirect("inventory:count", number=number)


@staff_required
@not_found_as_404
@require_POST
def count_post(request: HttpRequest, number: str) -> HttpResponse:
    actor = logged_in_actor(request)
    count = queries.get_count(number=number, actor=actor)
    try:
        actions.post_count(count=count, actor=actor)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Stock count %(number)s posted.") % {"number": number})
    return redirect("inventory:count", number=number)


@staff_required
@not_found_as_404
@require_POST
def count_cancel(request: HttpRequest, number: str) -> HttpResponse:
    actor = logged_in_actor(request)
    try:
        actions.cancel_count(count=queries.get_count(number=number, actor=actor), actor=actor)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Stock count %(number)s cancelled.") % {"number": number})
    return redirect("inventory:count", number=number)


# --- Transfers ------------------------------------------------------------------------


@staff_required
@not_found_as_404
@require_http_methods(["GET", "POST"])
def transfer_list(request: HttpRequest) -> HttpResponse:
    actor = logged_in_actor(request)
    form = TransferForm(request.POST or None, initial={"for_order": request.GET.get("for_order", "")})
    if request.method == "POST" and form.is_valid():
        try:
            source = queries.get_warehouse(code=form.cleaned_data["from_warehouse"], actor=actor)
            target = queries.get_warehouse(code=form.cleaned_data["to_warehouse"], actor=actor)
            wanted = form.cleaned_data["lines"]
            skus = {sku.code: sku for sku in Sku.objects.filter(code__in=[code for code, _q in wanted])}
            unknown = {
                f"lines[{index}].sku": _("unknown SKU %(code)s") % {"code": code}
                for index, (code, _q) in enumerate(wanted)
                if code not in skus
            }
            if unknown:
                raise ValidationFailed(unknown)
            transfer = actions.create_transfer(
                from_warehouse=source,
                to_warehouse=target,
                lines=[(skus[code], quantity) for code, quantity in wanted],
                for_order=form.cleaned_data["for_order"],
                note=form.cleaned_data["note"],
                actor=actor,
            )
        except DomainError as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("Transfer %(number)s created.") % {"number": transfer.number})
            return redirect("inventory:transfer", number=transfer.number)
    status = request.GET.get("status", "")
    status = status if status in TransferStatus.values else ""
    context = {
        "form": form,
        "page": queries.transfers(actor=actor, status=status, page=_page_number(request)),
        "status": status,
        "statuses": TransferStatus.choices,
        "can_transfer": has_permission(actor, "stock.transfer"),
    }
    return render(request, "inventory/transfers.html", context)


@staff_required
@not_found_as_404
@require_GET
def transfer_detail(request: HttpRequest, number: str) -> HttpResponse:
    actor = logged_in_actor(request)
    transfer = queries.get_transfer(number=number, actor=actor)
    lines = list(transfer.lines.select_related("sku").order_by("pk"))
    for line in lines:
        line.remaining = line.quantity - line.received  # type: ignore[attr-defined]
    context = {
        "transfer": transfer,
        "lines": lines,
        "can_transfer": has_permission(actor, "stock.transfer"),
        "moves": [str(action) for action in TRANSFERS.allowed_actions(transfer.status)],
        "history": history(events.TRANSFER, [transfer.pk]),
    }
    return render(request, "inventory/transfer.html", context)


_TRANSFER_MOVES = {
    "ship": actions.ship_transfer,
    "receive": actions.receive_transfer,
    "cancel": actions.cancel_transfer,
}


def _moved(move: str) -> str:
    if move == "ship":
        return _("Transfer %(number)s shipped: the units are in transit.")
    if move == "receive":
        return _("Transfer %(number)s received.")
    return _("Transfer %(number)s cancelled.")


@staff_required
@not_found_as_404
@require_POST
def transfer_move(request: HttpRequest, number: str, move: str) -> HttpResponse:
    actor = logged_in_actor(request)
    action = _TRANSFER_MOVES[move]
    try:
        transfer = queries.get_transfer(number=number, actor=actor)
        if move == "receive" and any(key.startswith("received-") for key in request.POST):
            # What arrived of each line and the bins it goes into (issue 17 C: in part, several bins).
            lines = list(transfer.lines.select_related("sku").order_by("pk"))
            receipts = transfer_receipts(request.POST, lines, transfer.to_warehouse)
            transfer = actions.receive_transfer(transfer=transfer, actor=actor, receipts=receipts)
        else:
            transfer = action(transfer=transfer, actor=actor)
    except DomainError as error:
        show_refusal(request, error)
    else:
        done = _moved(move) % {"number": number}
        if move == "receive" and transfer.status == TransferStatus.SHIPPED:
            done = _("Transfer %(number)s received in part; the rest is still in transit.") % {"number": number}
        messages.success(request, done)
    return redirect("inventory:transfer", number=number)
