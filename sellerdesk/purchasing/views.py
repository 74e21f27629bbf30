"""The purchasing screens (/purchasing/): suppliers, purchase orders, receiving by
scanning or counting, suggestions and the import of a supplier's list. Thin views: parse,
call one action or query, render; a refusal is shown on the page and nothing changes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import DomainError, NotFound, ValidationFailed
from sellerdesk.core.errors import PermissionDenied as DomainPermissionDenied
from sellerdesk.core.hooks import PortNotProvided
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission, require
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import add_refusal_to_form, error_text, form_field_errors, logged_in_actor, show_refusal
from sellerdesk.inventory.models import Bin, Warehouse
from sellerdesk.purchasing import actions, documents, forms, importer, queries, suggestions
from sellerdesk.purchasing.hooks import SUPPLIER_DELIVERIES, SupplierDelivery
from sellerdesk.purchasing.models import PurchaseOrder, PurchaseStatus, Supplier
from sellerdesk.purchasing.states import STOCK, PurchaseAction

PAGE_SIZE = 50


def staff_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """staff_required, and a refusal of the role (or an unknown document) raised by a
    query or action before anything was written becomes the 403 (404) page."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainPermissionDenied:
            raise PermissionDenied from None
        except NotFound as error:
            raise Http404(error.message) from None

    return staff_required(guarded)


def _can(request: HttpRequest, permission: str) -> bool:
    return has_permission(logged_in_actor(request), permission)


# ---------------------------------------------------------------- purchase orders


@staff_view
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    actor = logged_in_actor(request)
    form = forms.StatusFilterForm(request.GET or None)
    status = q = ""
    if form.is_valid():
        status, q = form.cleaned_data["status"], form.cleaned_data["q"]
    found = queries.purchase_orders(actor=actor, status=status, q=q).prefetch_related("lines")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = queries.status_counts(actor=actor)
    tabs = [("", _("All"), sum(counts.values()))] + [
        (value, label, counts.get(value, 0)) for value, label in PurchaseStatus.choices
    ]
    return render(
        request,
        "purchasing/order_list.html",
        {"page": page, "tabs": tabs, "status": status, "q": q, "can_edit": _can(request, "purchasing.edit")},
    )


def _line_rows(purchase_order: PurchaseOrder | None, typed: list[dict[str, str]] | None) -> list[dict[str, str]]:
    if typed is not None:
        rows = list(typed)
    elif purchase_order is not None:
        rows = [
            {"sku": line.sku.code, "quantity": str(line.quantity), "unit_cost": str(line.unit_cost)}
            for line in purchase_order.lines.select_related("sku")
        ]
    else:
        rows = []
    return rows + [{"sku": "", "quantity": "", "unit_cost": ""} for _ in range(forms.BLANK_LINES)]


def _draft_from(form: forms.PurchaseHeadForm, lines: list[actions.LineDraft]) -> actions.PurchaseDraft:
    data = form.cleaned_data
    return actions.PurchaseDraft(
        supplier=Supplier.objects.get(code=data["supplier"]),
        warehouse=Warehouse.objects.get(code=data["warehouse"]),
        expected_at=data["expected_at"],
        note=data["note"],
        requires_customs=data["requires_customs"],
        lines=lines,
    )


@staff_view
@require_http_methods(["GET", "POST"])
def order_form(request: HttpRequest, number: str | None = None) -> HttpResponse:
    """New draft, or edit of a draft: the head and up to 8 blank line rows."""
    actor = logged_in_actor(request)
    require(actor, "purchasing.edit")
    purchase_order = queries.get_purchase_order(number=number, actor=actor) if number else None
    typed: list[dict[str, str]] | None = None
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = forms.PurchaseHeadForm(request.POST)
        lines, errors, typed = forms.parse_lines(request.POST)
        if form.is_valid() and not errors:
            try:
                draft = _draft_from(form, lines)
                if purchase_order is None:
                    purchase_order = actions.create_purchase_order(draft=draft, actor=actor)
                    messages.success(request, _("Draft %(number)s created.") % {"number": purchase_order.number})
                else:
                    actions.update_purchase_order(purchase_order=purchase_order, draft=draft, actor=actor)
                    messages.success(request, _("Draft %(number)s saved.") % {"number": purchase_order.number})
                return redirect("purchasing:order", number=purchase_order.number)
            except DomainError as error:
                errors = dict(error.details.get("fields") or {"": error.message})
        status = 422
    elif purchase_order is not None:
        form = forms.PurchaseHeadForm(
            initial={
                "supplier": purchase_order.supplier.code,
                "warehouse": purchase_order.warehouse.code if purchase_order.warehouse else "",
                "expected_at": purchase_order.expected_at,
                "note": purchase_order.note,
                "requires_customs": "yes" if purchase_order.requires_customs else "no",
            }
        )
    else:
        form = forms.PurchaseHeadForm(initial={"supplier": request.GET.get("supplier", "")})
    rows = _line_rows(purchase_order, typed)
    for index, row in enumerate(rows):
        row["errors"] = " ".join(why for path, why in errors.items() if path.startswith(f"lines[{index}]"))
    other_errors = [why for path, why in errors.items() if not path.startswith("lines[")]
    context = {"form": form, "purchase_order": purchase_order, "rows": rows, "other_errors": other_errors}
    return render(request, "purchasing/order_form.html", context, status=status)


@staff_view
@require_GET
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    actor = logged_in_actor(request)
    purchase_order = queries.get_purchase_order(number=number, actor=actor)
    allowed = actions.allowed_actions(purchase_order)
    context = {
        "po": purchase_order,
        "lines": list(purchase_order.lines.all()),
        "receipts": list(queries.receipts(purchase_order=purchase_order, actor=actor)),
        "allowed": allowed,
        "can_edit": _can(request, "purchasing.edit"),
        "can_receive": _can(request, "purchasing.receive") and "receive" in allowed,
        "waiting_for_customs": purchase_order.requires_customs
        and purchase_order.customs_cleared_at is None
        and STOCK.allows(purchase_order.status, PurchaseAction.CUSTOMS),
        "customs_form": forms.CustomsForm(
            initial={
                "documents": purchase_order.customs_documents,
                "prepayment": purchase_order.customs_prepayment,
            }
        ),
        "clear_form": forms.ClearForm(),
        "deliveries": _supplier_deliveries(purchase_order.number),
    }
    return render(request, "purchasing/order_detail.html", context)


def _supplier_deliveries(number: str) -> list[SupplierDelivery]:
    """How the purchase order's email to the supplier went (notifications keeps it)."""
    try:
        return list(SUPPLIER_DELIVERIES.get().for_purchase_order(number))
    except PortNotProvided:
        return []


@staff_view
@require_POST
def order_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """send, cancel, close, customs, clear: one action each, then back to the page."""
    actor = logged_in_actor(request)
    purchase_order = queries.get_purchase_order(number=number, actor=actor)
    try:
        if action == "send":
            actions.send_purchase_order(purchase_order=purchase_order, actor=actor)
            done = _("Sent to the supplier; the units are in transit.")
        elif action in ("cancel", "close"):
            reason = forms.ReasonForm(request.POST)
            text = reason.cleaned_data["reason"] if reason.is_valid() else ""
            if action == "cancel":
                actions.cancel_purchase_order(purchase_order=purchase_order, actor=actor, reason=text)
                done = _("Cancelled.")
            else:
                actions.close_purchase_order(purchase_order=purchase_order, actor=actor, reason=text)
                done = _("Closed short; the outstanding units are no longer in transit.")
        elif action == "customs":
            form = forms.CustomsForm(request.POST)
            if not form.is_valid():
                raise ValidationFailed(form_field_errors(form))
            actions.record_customs(
                purchase_order=purchase_order,
                actor=actor,
                documents=form.cleaned_data["documents"],
                prepayment=form.cleaned_data["prepayment"],
            )
            done = _("Customs documents recorded.")
        elif action == "clear":
            clear = forms.ClearForm(request.POST)
            if not clear.is_valid():
                raise ValidationFailed(form_field_errors(clear))
            actions.clear_customs(
                purchase_order=purchase_order, actor=actor, cleared_at=clear.cleaned_data["cleared_at"]
            )
            done = _("Cleared customs: the goods can be received.")
        else:
            raise NotFound(_("No such action."))
    except DomainError as error:
        show_refusal(request, error)
        return redirect("purchasing:order", number=number)
    messages.success(request, done)
    return redirect("purchasing:order", number=number)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@staff_view
@require_GET
def order_pdf(request: HttpRequest, number: str, document: str) -> HttpResponse:
    purchase_order = queries.get_purchase_order(number=number, actor=logged_in_actor(request))
    if document == "labels":
        try:
            content = documents.labels_pdf(purchase_order, per_unit=request.GET.get("per") == "unit")
        except DomainError as error:
            show_refusal(request, error)
            return redirect("purchasing:order", number=number)
        return _pdf(content, f"{number}-labels.pdf")
    if document == "delivery-notice":
        return _pdf(documents.delivery_notice_pdf(purchase_order), f"{number}-delivery-notice.pdf")
    return _pdf(documents.purchase_order_pdf(purchase_order), f"{number}.pdf")


# ---------------------------------------------------------------- receiving


def _counts(request: HttpRequest, purchase_order: PurchaseOrder) -> dict[int, dict[str, Any]]:
    """The counts typed or scanned so far, per line id, as the form posts them."""
    counts: dict[int, dict[str, Any]] = {}
    for line in purchase_order.lines.all():
        good = request.POST.get(f"good_{line.pk}", "0").strip() or "0"
        damaged = request.POST.get(f"damaged_{line.pk}", "0").strip() or "0"
        counts[line.pk] = {
            "good": good,
            "damaged": damaged,
            "reason": request.POST.get(f"reason_{line.pk}", "").strip(),
        }
    return counts


def _as_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


@staff_view
@require_http_methods(["GET", "POST"])
def receive(request: HttpRequest, number: str) -> HttpResponse:
    """The receiving screen, built for a barcode scanner: the scan field has the focus,
    a scanner's Enter adds the unit to its line (the first button of the form), and the
    counts travel with the form until "Receive" posts them to the action."""
    actor = logged_in_actor(request)
    require(actor, "purchasing.receive")
    purchase_order = queries.get_purchase_order(number=number, actor=actor)
    lines = list(purchase_order.lines.all())
    scan: dict[str, str] | None = None
    status = 200
    mode = "good"
    if request.method == "POST":
        counts = _counts(request, purchase_order)
        mode = "damaged" if request.POST.get("mode") == "damaged" else "good"
        if request.POST.get("op") == "receive":
            posted, scan, status = _post_receipt(request, purchase_order, lines, counts, actor=actor)
            if posted is not None:
                return posted
        else:
            scan = _count_scan(purchase_order, counts, code=request.POST.get("scan", "").strip(), mode=mode)
            if scan and scan.get("line"):
                # Issue 17 D: "damaged" counts the one unit scanned; the next is good unless
                # marked again, so the toggle never carries a damage over to sound goods.
                mode = "good"
    else:
        counts = {line.pk: {"good": "0", "damaged": "0", "reason": ""} for line in lines}
    bins = Bin.objects.filter(warehouse=purchase_order.warehouse, is_active=True).order_by("route_order", "code")
    context = {
        "po": purchase_order,
        "rows": _receive_rows(lines, counts),
        "scan": scan,
        "mode": mode,
        "bins": bins,
        "bin": request.POST.get("bin", ""),
        "note": request.POST.get("note", ""),
        "receivable": "receive" in actions.allowed_actions(purchase_order),
        "is_cleared": actions.is_cleared(purchase_order),
    }
    return render(request, "purchasing/receive.html", context, status=status)


def _post_receipt(
    request: HttpRequest,
    purchase_order: PurchaseOrder,
    lines: list[Any],
    counts: dict[int, dict[str, str]],
    *,
    actor: User,
) -> tuple[HttpResponse | None, dict[str, str] | None, int]:
    """ "Receive" pressed: post the counts to the action. Returns the redirect when the
    receipt is posted, else no response and the refusal to show with its status."""
    bad = {
        f"{key}_{line_id}": value
        for line_id, entry in counts.items()
        for key, value in entry.items()
        if key != "reason" and _as_int(value) is None
    }
    if bad:
        return None, {"kind": "error", "text": _("Enter whole numbers in the counts.")}, 422
    by_id = {line.pk: line for line in lines}
    receive_lines = [
        actions.ReceiveLine(
            sku=by_id[line_id].sku.code,
            good=int(entry["good"]),
            damaged=int(entry["damaged"]),
            reason=entry["reason"],
        )
        for line_id, entry in counts.items()
        if int(entry["good"]) != 0 or int(entry["damaged"]) != 0 or entry["reason"]
    ]
    try:
        receipt = actions.receive_purchase_order(
            purchase_order=purchase_order,
            lines=receive_lines,
            actor=actor,
            bin=request.POST.get("bin", "").strip(),
            note=request.POST.get("note", "").strip(),
        )
    except DomainError as error:
        return None, {"kind": "error", "text": error_text(error)}, error.status
    messages.success(
        request,
        _("Receipt %(receipt)s posted: %(good)s good, %(damaged)s damaged.")
        % {
            "receipt": receipt.number,
            "good": sum(line.good for line in receive_lines),
            "damaged": sum(line.damaged for line in receive_lines),
        },
    )
    return redirect("purchasing:order", number=purchase_order.number), None, 200


def _count_scan(
    purchase_order: PurchaseOrder, counts: dict[int, dict[str, str]], *, code: str, mode: str
) -> dict[str, str] | None:
    """A scanned barcode adds one unit (good or damaged, by `mode`) to its line's count in
    `counts`; returns what the scan field says about it."""
    match = queries.match_scan(purchase_order=purchase_order, code=code)
    if not code:
        return None
    if match.line is None:
        return {
            "kind": "unknown",
            "text": _("Unknown barcode %(code)s: no SKU has it.") % {"code": code}
            if match.problem == "unknown"
            else _("%(code)s is not on purchase order %(number)s.") % {"code": code, "number": purchase_order.number},
        }
    entry = counts[match.line.pk]
    current = _as_int(entry[mode]) or 0
    entry[mode] = str(current + 1)
    total = (_as_int(entry["good"]) or 0) + (_as_int(entry["damaged"]) or 0)
    name = f"{match.line.sku.code} {match.line.sku.name}"
    if total > match.line.outstanding:
        return {
            "kind": "over",
            "line": str(match.line.pk),
            "text": _(
                "%(name)s: %(total)s counted, only %(outstanding)s outstanding. "
                "Give a reason to accept the extra units, or take them off."
            )
            % {"name": name, "total": total, "outstanding": match.line.outstanding},
        }
    return {
        "kind": "ok",
        "line": str(match.line.pk),
        "text": _("%(name)s: %(total)s of %(outstanding)s")
        % {"name": name, "total": total, "outstanding": match.line.outstanding},
    }


def _receive_rows(lines: list[Any], counts: dict[int, dict[str, str]]) -> list[dict[str, Any]]:
    """The screen's rows: each line with its counts so far and whether they exceed what is outstanding."""
    rows = []
    for line in lines:
        entry = counts[line.pk]
        total = (_as_int(entry["good"]) or 0) + (_as_int(entry["damaged"]) or 0)
        rows.append({"line": line, **entry, "is_over": total > line.outstanding, "total": total})
    return rows


# ---------------------------------------------------------------- suppliers


@staff_view
@require_GET
def supplier_list(request: HttpRequest) -> HttpResponse:
    found = queries.suppliers(actor=logged_in_actor(request))
    return render(
        request,
        "purchasing/supplier_list.html",
        {"suppliers": found, "can_edit": _can(request, "suppliers.edit")},
    )


@staff_view
@require_http_methods(["GET", "POST"])
def supplier_form(request: HttpRequest, code: str | None = None) -> HttpResponse:
    actor = logged_in_actor(request)
    supplier = queries.get_supplier(code=code, actor=actor) if code else None
    if request.method == "POST":
        require(actor, "suppliers.edit")
        form = forms.SupplierForm(request.POST)
        if form.is_valid():
            try:
                if supplier is None:
                    supplier = actions.create_supplier(data=form.data_for_action(), actor=actor)
                    messages.success(request, _("Supplier %(name)s created.") % {"name": supplier.name})
                else:
                    supplier = actions.update_supplier(supplier=supplier, data=form.data_for_action(), actor=actor)
                    messages.success(request, _("Supplier %(name)s saved.") % {"name": supplier.name})
                return redirect("purchasing:supplier", code=supplier.code)
            except DomainError as error:
                add_refusal_to_form(form, error)
        status = 422
    else:
        form = forms.SupplierForm(initial=forms.SupplierForm.initial_of(supplier) if supplier else None)
        status = 200
    context: dict[str, Any] = {"form": form, "supplier": supplier, "can_edit": _can(request, "suppliers.edit")}
    if supplier is not None:
        context["items"] = list(queries.supplier_skus(supplier=supplier, actor=actor))
        context["sku_form"] = forms.SupplierSkuForm()
        context["orders"] = list(queries.purchase_orders(actor=actor, supplier=supplier.code)[:20])
    return render(request, "purchasing/supplier_form.html", context, status=status)


@staff_view
@require_POST
def supplier_sku(request: HttpRequest, code: str) -> HttpResponse:
    """Add or change a SKU the supplier supplies (or remove it, with `remove`)."""
    actor = logged_in_actor(request)
    supplier = queries.get_supplier(code=code, actor=actor)
    form = forms.SupplierSkuForm(request.POST)
    sku_code = request.POST.get("sku", "").strip()
    sku = Sku.objects.filter(code=sku_code).first()
    try:
        if sku is None:
            raise ValidationFailed({"sku": _("unknown SKU %(code)s") % {"code": sku_code}})
        if request.POST.get("remove"):
            actions.remove_supplier_sku(supplier=supplier, sku=sku, actor=actor)
            messages.success(request, _("%(sku)s removed.") % {"sku": sku.code})
        elif form.is_valid():
            data = form.cleaned_data
            actions.set_supplier_sku(
                supplier=supplier,
                sku=sku,
                data=actions.SupplierSkuData(
                    cost=data["cost"],
                    supplier_code=data["supplier_code"],
                    min_order_quantity=data["min_order_quantity"],
                    is_preferred=data["is_preferred"],
                    is_dropship=data["is_dropship"],
                    restock_date=data["restock_date"],
                ),
                actor=actor,
            )
            messages.success(request, _("%(sku)s saved.") % {"sku": sku.code})
        else:
            raise ValidationFailed(form_field_errors(form))
    except DomainError as error:
        show_refusal(request, error)
    return redirect("purchasing:supplier", code=code)


# ---------------------------------------------------------------- suggestions


@staff_view
@require_http_methods(["GET", "POST"])
def suggestion_list(request: HttpRequest) -> HttpResponse:
    """The suggestions; ticked lines (quantities as edited) become one draft per supplier and warehouse."""
    actor = logged_in_actor(request)
    groups = suggestions.compute_suggestions(actor=actor)
    if request.method == "POST":
        picked: dict[tuple[str, str], list[actions.LineDraft]] = defaultdict(list)
        bad: list[str] = []
        for value in request.POST.getlist("pick"):
            supplier_code, warehouse_code, sku_code = ([*value.split("|", 2), "", ""])[:3]
            quantity = request.POST.get(f"qty|{value}", "").strip()
            cost = request.POST.get(f"cost|{value}", "").strip()
            try:
                amount = Decimal(cost) if cost else None
            except InvalidOperation:
                amount = None
                bad.append(sku_code)
            if not quantity.isdigit():
                bad.append(sku_code)
                continue
            picked[(supplier_code, warehouse_code)].append(actions.LineDraft(sku_code, int(quantity), amount))
        try:
            if bad:
                raise ValidationFailed(
                    {"lines": _("check the quantity and cost of %(skus)s") % {"skus": ", ".join(bad)}}
                )
            drafts = []
            for (supplier_code, warehouse_code), lines in picked.items():
                supplier = Supplier.objects.filter(code=supplier_code).first()
                warehouse = Warehouse.objects.filter(code=warehouse_code).first()
                if supplier is None or warehouse is None:
                    raise ValidationFailed({"supplier": _("unknown supplier or warehouse")})
                drafts.append(actions.PurchaseDraft(supplier=supplier, warehouse=warehouse, lines=lines))
            created = actions.create_purchase_orders(drafts=drafts, actor=actor)
        except DomainError as error:
            show_refusal(request, error)
        else:
            messages.success(
                request,
                _("Drafts created: %(numbers)s. Check them and send them to the suppliers.")
                % {"numbers": ", ".join(po.number for po in created)},
            )
            return redirect("purchasing:list")
    return render(
        request,
        "purchasing/suggestions.html",
        {"groups": groups, "can_edit": _can(request, "purchasing.edit")},
    )


# ---------------------------------------------------------------- import


@staff_view
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    actor = logged_in_actor(request)
    require(actor, "purchasing.edit")
    result: importer.ImportResult | None = None
    status = 200
    if request.method == "POST":
        form = forms.ImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            supplier = Supplier.objects.get(code=data["supplier"])
            upload = data["file"]
            try:
                target = (
                    queries.get_purchase_order(number=data["purchase_order"].strip(), actor=actor)
                    if data["purchase_order"].strip()
                    else None
                )
                warehouse = Warehouse.objects.filter(code=data["warehouse"]).first() if data["warehouse"] else None
                content = upload.read(importer.MAX_BYTES + 1)
                result = importer.parse_purchase_list(supplier=supplier, filename=upload.name, content=content)
                if result.is_valid:
                    purchase_order, _result = importer.import_purchase_list(
                        supplier=supplier,
                        filename=upload.name,
                        content=content,
                        actor=actor,
                        purchase_order=target,
                        warehouse=warehouse,
                    )
                    messages.success(
                        request,
                        _("%(count)s rows imported into %(number)s.")
                        % {"count": len(result.rows), "number": purchase_order.number},
                    )
                    return redirect("purchasing:order", number=purchase_order.number)
            except DomainError as error:
                add_refusal_to_form(form, error)
        status = 422
    else:
        form = forms.ImportForm(initial={"purchase_order": request.GET.get("purchase_order", "")})
    return render(request, "purchasing/import.html", {"form": form, "result": result}, status=status)
