"""Manual entry of an order by an agent (a phone order, an inquiry, COD, a remittance):
one keyboard-first page, /orders/new/, and the small htmx answers it asks for while the
agent types — the buyers found by phone or nickname, an address pasted as one line and
split, the lines as SKU codes or barcodes are scanned. The order itself is placed by
orders.actions.place_order, like every other order; the seller memo is an OrderNote
(orders.actions.add_note) written in the same transaction.

Nothing typed is lost: every answer is rendered from what was posted, and an error is
shown at its field.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sellerdesk.catalog.models import PriceListItem
from sellerdesk.catalog.pricing.queries import PriceRequest, expected_unit_prices
from sellerdesk.catalog.queries import SkuFacts, sku_by_scan, sku_facts_by_code
from sellerdesk.core.errors import DomainError, InsufficientStock, ValidationFailed
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import logged_in_actor
from sellerdesk.customers.models import Customer, CustomerAddress
from sellerdesk.customers.queries import text_match
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.forms_entry import (
    MAX_LINES,
    PAYMENT_OF_SOURCE,
    EntryForm,
    PostedLine,
    check_lines,
    posted_lines,
    split_pasted_address,
)
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop, default_shop

ADDRESS_FIELDS = ("nickname", "name", "phone", "province", "city", "district", "detail")
BUYERS_SHOWN = 8
# The fields of the actions' errors that have another name on this page (add_note's text is the memo).
ERROR_FIELDS = {"text": "memo"}
# The session remembers the orders placed from each entry page, so that a second submit
# of the same page (a double Ctrl+Enter, a resent POST) opens the order instead of placing it twice.
SESSION_KEY = "order_entry_placed"
SESSION_KEEP = 50


# --- the page ------------------------------------------------------------------------------


@staff_required
def new_order(request: HttpRequest) -> HttpResponse:
    """GET: the empty form. POST: place the order; on success its page, else the form
    again with every error at its field and everything typed kept (422 or 409)."""
    actor = logged_in_actor(request)
    if not has_permission(actor, "orders.create"):
        return render(request, "403.html", {"message": _("Your role may not enter orders.")}, status=403)
    if request.method != "POST":
        shop = default_shop()
        form = EntryForm(initial={"shop": shop.code if shop else "", "source": "phone", "shipping_method": "express"})
        return _render_page(request, form, [], token=uuid.uuid4().hex)
    token = request.POST.get("entry_token", "")[:40]
    placed = request.session.get(SESSION_KEY, {})
    if token and token in placed:
        return redirect("orders:detail", number=placed[token])
    form = EntryForm(request.POST)
    lines = posted_lines(request.POST)
    is_valid = form.is_valid()
    lines_error = ""
    if not lines:
        lines_error = _("add at least one line: type or scan a SKU code")
    elif not check_lines(lines):
        is_valid = False
    if not is_valid or lines_error:
        messages.error(request, _("The order was not placed: please correct the fields marked below."))
        return _render_page(request, form, lines, token=token, lines_error=lines_error, status=422)
    try:
        order = _place(form.cleaned_data, lines, actor=actor)
    except DomainError as error:
        lines_error = _show_error(error, form, lines)
        messages.error(request, _("The order was not placed: %(error)s") % {"error": error.message})
        return _render_page(request, form, lines, token=token, lines_error=lines_error, status=error.status)
    placed[token] = order.number
    request.session[SESSION_KEY] = dict(list(placed.items())[-SESSION_KEEP:])
    messages.success(request, _("Order %(number)s placed.") % {"number": order.number})
    return redirect("orders:detail", number=order.number)


def _place(data: dict[str, Any], lines: Sequence[PostedLine], *, actor: Any) -> Order:
    """Place the order and write the memo as its note, in one transaction: a memo that
    cannot be written leaves no order behind."""
    draft = order_actions.OrderDraft(
        shop=data["shop"],
        source=data["source"],
        buyer=order_actions.Buyer(data["name"].strip(), data["phone"], data["nickname"].strip()),
        address=order_actions.Address(
            data["province"], data["city"].strip(), data["district"].strip(), data["detail"].strip()
        ),
        lines=[order_actions.LineDraft(line.sku, line.quantity_value or 0, line.price_value) for line in lines],
        payment_method=data["payment_method"],
        shipping_method=data["shipping_method"],
        shipping_fee=data["shipping_fee"],
        buyer_message=data["buyer_message"].strip(),
    )
    # place_order's own transaction (and its retries) nest inside this one as savepoints.
    with transaction.atomic():
        order = order_actions.place_order(draft=draft, actor=actor)
        if data["memo"].strip():
            order_actions.add_note(order=order, actor=actor, text=data["memo"], at=order.created_at)
    return order


def _show_error(error: DomainError, form: EntryForm, lines: list[PostedLine]) -> str:
    """Put a refusal of place_order at its fields; what is left is returned for the lines."""
    if isinstance(error, InsufficientStock):
        short = {line.sku: line for line in error.lines}
        for line in lines:
            if line.sku in short:
                line.errors["quantity"] = _("only %(n)s available") % {"n": short[line.sku].available}
        return ""
    if isinstance(error, ValidationFailed):
        rest = []
        for path, reason in error.fields.items():
            if path.startswith("lines[") and "]." in path:
                index, _dot, name = path[len("lines[") :].partition("].")
                if index.isdigit() and int(index) < len(lines):
                    lines[int(index)].errors[{"sku": "sku", "quantity": "quantity"}.get(name, "unit_price")] = reason
                    continue
            path = ERROR_FIELDS.get(path, path)
            if path in form.fields:
                form.add_error(path, reason)  # type: ignore[arg-type]
            else:
                rest.append(reason)
        return "; ".join(rest)
    return ""


def _render_page(
    request: HttpRequest,
    form: EntryForm,
    lines: list[PostedLine],
    *,
    token: str,
    lines_error: str = "",
    status: int = 200,
) -> HttpResponse:
    shop_code = form.data.get("shop") if form.is_bound else form.initial.get("shop")
    lines_context = _lines_context(lines, shop_code=shop_code, customer_id=_customer_id(form), lines_error=lines_error)
    fee = form.cleaned_data.get("shipping_fee") if hasattr(form, "cleaned_data") else None
    context = {
        "form": form,
        "token": token,
        "address_fields": [form[name] for name in ADDRESS_FIELDS],
        "terms_fields": [form[name] for name in ("source", "payment_method", "shipping_method", "shipping_fee")],
        "note_fields": [form["buyer_message"], form["memo"]],
        "payment_of_source": json.dumps(PAYMENT_OF_SOURCE),
        "total": to_money(lines_context["subtotal"] + (fee or ZERO)),
        **lines_context,
    }
    return render(request, "orders/entry.html", context, status=status)


def _customer_id(form: EntryForm) -> int | None:
    value = str((form.data.get("customer") if form.is_bound else form.initial.get("customer")) or "")
    return _int(value) or None


# --- buyers found by phone or nickname -----------------------------------------------------


@require_GET
@staff_required
def entry_buyers(request: HttpRequest) -> HttpResponse:
    """The shop's customers whose phone, its last 4 digits or more, nickname or name match
    `q`, each with its saved addresses (default first) to pick from."""
    if not has_permission(logged_in_actor(request), "customers.view"):
        return HttpResponse(status=403)
    text = request.GET.get("q", "").strip()[:100]
    customers: list[Customer] = []
    if len(text) >= 2:
        found: QuerySet[Customer] = Customer.objects.filter(text_match(text), merged_into__isnull=True)
        shop = request.GET.get("shop", "")
        if shop:
            found = found.filter(shop__code=shop)
        customers = list(
            found.select_related("level").prefetch_related("addresses").order_by("-last_order_at", "-pk")[:BUYERS_SHOWN]
        )
    return render(request, "orders/partials/entry_buyers.html", {"customers": customers, "q": text})


@require_GET
@staff_required
def entry_pick(request: HttpRequest) -> HttpResponse:
    """The address fields filled from a found customer and one of its saved addresses
    (or only the buyer when the customer has none)."""
    if not has_permission(logged_in_actor(request), "customers.view"):
        return HttpResponse(status=403)
    customer = Customer.objects.filter(pk=_int(request.GET.get("customer"))).first()
    values: dict[str, Any] = {}
    if customer is not None:
        address = CustomerAddress.objects.filter(customer=customer, pk=_int(request.GET.get("address"))).first()
        values = {
            "customer": customer.pk,
            "nickname": customer.nickname,
            "name": address.name if address else customer.name,
            "phone": address.phone if address else customer.phone,
        }
        if address is not None:
            values.update(
                province=address.province, city=address.city, district=address.district, detail=address.detail
            )
    form = EntryForm(initial=values)
    return render(
        request,
        "orders/partials/entry_address.html",
        {"address_fields": [form[name] for name in ADDRESS_FIELDS], "form": form, "picked": customer},
    )


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 12 else 0


# --- an address pasted as one line ---------------------------------------------------------


@require_POST
@staff_required
def entry_split(request: HttpRequest) -> HttpResponse:
    """The address fields filled from the pasted line (the nickname and found customer
    kept); the parts that could not be read are named, for the agent to type."""
    pasted = split_pasted_address(request.POST.get("paste", ""))
    values = {name: request.POST.get(name, "") for name in (*ADDRESS_FIELDS, "customer")}
    for name in ("name", "phone", "province", "city", "district", "detail"):
        found = getattr(pasted, name)
        if found or (name == "district" and pasted.detail):
            values[name] = found
    form = EntryForm(initial=values)
    return render(
        request,
        "orders/partials/entry_address.html",
        {"address_fields": [form[name] for name in ADDRESS_FIELDS], "form": form, "problems": pasted.problems},
    )


# --- lines by SKU code or barcode ----------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    from_quantity: int
    unit_price: Decimal


@dataclass
class LineView:
    posted: PostedLine
    facts: SkuFacts | None
    tiers: list[Tier]

    @property
    def tiers_json(self) -> str:
        return json.dumps([[tier.from_quantity, str(tier.unit_price)] for tier in self.tiers])

    @property
    def amount(self) -> Decimal | None:
        quantity, price = self.posted.quantity_value, self.posted.price_value
        return to_money(quantity * price) if quantity is not None and price is not None else None


@require_POST
@staff_required
def entry_lines(request: HttpRequest) -> HttpResponse:
    """The lines again with the scanned code added (the same SKU again: one more of it),
    or line `remove` taken out, prices quoted for the shop and the customer's level. An
    unknown or unsold code is refused at the scan field; the lines stay as they were."""
    lines = posted_lines(request.POST)
    scan_error = ""
    scanned = request.POST.get("scan", "").strip()[:64]
    remove = request.POST.get("remove", "")
    if remove.isdigit():
        scanned = ""  # a removal sent with a half-typed code adds nothing
        if int(remove) < len(lines):
            del lines[int(remove)]
    if scanned:
        sku = sku_by_scan(scanned, any_case=True)
        if sku is None:
            scan_error = _("No SKU has the code or barcode %(code)s.") % {"code": scanned}
        elif not sku.is_active:
            scan_error = _("SKU %(code)s is not on sale.") % {"code": sku.code}
        else:
            same = next((line for line in lines if line.sku == sku.code), None)
            if same is not None and same.quantity_value is not None:
                same.quantity = str(same.quantity_value + 1)
            elif len(lines) >= MAX_LINES:
                scan_error = _("An order has at most %(max)s lines.") % {"max": MAX_LINES}
            else:
                lines.append(PostedLine(sku.code, "1", ""))
    context = _lines_context(
        lines,
        shop_code=request.POST.get("shop"),
        customer_id=_int(request.POST.get("customer")) or None,
        scan_error=scan_error,
        scan=scanned if scan_error else "",
    )
    return render(request, "orders/partials/entry_lines.html", context, status=422 if scan_error else 200)


def _lines_context(
    lines: list[PostedLine],
    *,
    shop_code: str | None,
    customer_id: int | None,
    lines_error: str = "",
    scan_error: str = "",
    scan: str = "",
) -> dict[str, Any]:
    """The lines shown with their SKU, price tiers and amounts; a price the agent has
    not changed (still the quote it was shown with) follows the quote at its quantity."""
    facts = sku_facts_by_code([line.sku for line in lines])
    tiers = _price_tiers([facts[line.sku] for line in lines if line.sku in facts], shop_code, customer_id)
    views = []
    for line in lines:
        line_tiers = tiers.get(line.sku, [])
        quantity = line.quantity_value or 1
        quote = next((tier.unit_price for tier in reversed(line_tiers) if tier.from_quantity <= quantity), None)
        if quote is not None and (not line.unit_price.strip() or line.unit_price.strip() == line.quoted.strip()):
            line.unit_price = str(quote)
        line.quoted = str(quote) if quote is not None else line.quoted
        views.append(LineView(line, facts.get(line.sku), line_tiers))
    subtotal = sum((view.amount or ZERO for view in views), ZERO)
    return {
        "lines": views,
        "subtotal": to_money(subtotal),
        "lines_error": lines_error,
        "scan_error": scan_error,
        "scan": scan,
    }


def _price_tiers(skus: list[SkuFacts], shop_code: str | None, customer_id: int | None) -> dict[str, list[Tier]]:
    """Each SKU's unit price by quantity for this shop and customer, as (from quantity,
    price) steps: the price lists' quote at every quantity where some tier starts (the
    quote is the same between two such quantities), the first step at 1."""
    if not skus:
        return {}
    shop = Shop.objects.filter(code=shop_code).first() if shop_code else None
    level_id = (
        Customer.objects.filter(pk=customer_id).values_list("level_id", flat=True).first() if customer_id else None
    )
    starts: dict[int, set[int]] = defaultdict(lambda: {1})
    for sku_id, quantity in PriceListItem.objects.filter(sku_id__in=[sku.id for sku in skus]).values_list(
        "sku_id", "min_quantity"
    ):
        starts[sku_id].add(quantity)
    requests = [PriceRequest(sku.id, quantity) for sku in skus for quantity in sorted(starts[sku.id])]
    quotes = iter(expected_unit_prices(requests, level_id=level_id, shop_id=shop.pk if shop else None))
    tiers: dict[str, list[Tier]] = {}
    for sku in skus:
        steps: list[Tier] = []
        for quantity in sorted(starts[sku.id]):
            price = next(quotes).unit_price
            if not steps or steps[-1].unit_price != price:
                steps.append(Tier(quantity, price))
        tiers[sku.code] = steps
    return tiers
