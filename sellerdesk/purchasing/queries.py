"""Reads of suppliers and purchase orders used by the API, the screens and other apps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import NotFound
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.purchasing.models import (
    PurchaseKind,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    Supplier,
    SupplierSku,
)
from sellerdesk.purchasing.states import AWAITING_GOODS


def suppliers(*, actor: User | None, include_inactive: bool = True) -> QuerySet[Supplier]:
    require(actor, "purchasing.view")
    found = Supplier.objects.annotate(sku_count=Count("skus", distinct=True)).order_by("name", "pk")
    return found if include_inactive else found.filter(is_active=True)


def get_supplier(*, code: str, actor: User | None) -> Supplier:
    require(actor, "purchasing.view")
    supplier = Supplier.objects.filter(code=code).first()
    if supplier is None:
        raise NotFound(_("No supplier %(code)s.") % {"code": code}, details={"supplier": code})
    return supplier


def supplier_skus(*, supplier: Supplier, actor: User | None) -> QuerySet[SupplierSku]:
    require(actor, "purchasing.view")
    return supplier.skus.select_related("sku").order_by("sku__code")


def purchase_orders(
    *, actor: User | None, status: str = "", supplier: str = "", q: str = ""
) -> QuerySet[PurchaseOrder]:
    """Purchase orders, newest first, with their supplier and warehouse."""
    require(actor, "purchasing.view")
    found = PurchaseOrder.objects.select_related("supplier", "warehouse")
    if status:
        found = found.filter(status=status)
    if supplier:
        found = found.filter(supplier__code=supplier)
    if q:
        found = found.filter(Q(number__icontains=q) | Q(supplier__name__icontains=q) | Q(note__icontains=q))
    return found.order_by("-created_at", "-pk")


def status_counts(*, actor: User | None) -> dict[str, int]:
    require(actor, "purchasing.view")
    rows = PurchaseOrder.objects.values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}


def get_purchase_order(*, number: str, actor: User | None) -> PurchaseOrder:
    require(actor, "purchasing.view")
    purchase_order = (
        PurchaseOrder.objects.select_related("supplier", "warehouse", "created_by")
        .prefetch_related(
            Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("sku").order_by("pk")),
        )
        .filter(number=number)
        .first()
    )
    if purchase_order is None:
        raise NotFound(_("No purchase order %(number)s.") % {"number": number}, details={"number": number})
    return purchase_order


def receipts(*, purchase_order: PurchaseOrder, actor: User | None) -> QuerySet[Receipt]:
    require(actor, "purchasing.view")
    return purchase_order.receipts.select_related("received_by").prefetch_related("lines__line__sku", "lines__bin")


def supplier_codes(purchase_order: PurchaseOrder) -> dict[int, str]:
    """SKU id → the supplier's own code for it, for the documents the supplier reads."""
    return dict(
        SupplierSku.objects.filter(
            supplier_id=purchase_order.supplier_id, sku_id__in=[line.sku_id for line in purchase_order.lines.all()]
        ).values_list("sku_id", "supplier_code")
    )


@dataclass(frozen=True)
class ScanMatch:
    """What a scanned code means on a purchase order: its line, or why it is no use."""

    code: str
    line: PurchaseOrderLine | None
    problem: str = ""  # "unknown" (no SKU has it) or "not_ordered" (a SKU not on this order)


def match_scan(*, purchase_order: PurchaseOrder, code: str) -> ScanMatch:
    """A scanned barcode (or a typed SKU code) against the purchase order's lines."""
    code = code.strip()
    sku = Sku.objects.filter(barcode=code).first() if code else None
    if sku is None and code:
        sku = Sku.objects.filter(code=code).first()
    if sku is None:
        return ScanMatch(code, None, "unknown")
    line = next((line for line in purchase_order.lines.all() if line.sku_id == sku.pk), None)
    return ScanMatch(code, line, "" if line else "not_ordered")


@dataclass(frozen=True)
class RestockInfo:
    """When a SKU is expected back: what agents tell a buyer asking "when is it back"."""

    supplier: str
    restock_date: date | None
    on_order: int  # units on sent purchase orders not yet received
    next_expected: date | None  # the earliest expected date of those purchase orders


# Stock purchase orders still expecting goods, read from the table.
OPEN_STATUSES = AWAITING_GOODS


def restock_info(*, sku: Sku, actor: User | None) -> list[RestockInfo]:
    """Per supplier of the SKU (preferred first): its restock date and what is on order.

    Readable by every staff role: agents answer buyers with it."""
    require(actor, "stock.view")
    open_lines = list(
        PurchaseOrderLine.objects.filter(
            sku=sku, purchase_order__status__in=OPEN_STATUSES, purchase_order__kind=PurchaseKind.STOCK
        ).select_related("purchase_order")
    )
    answer = []
    for item in SupplierSku.objects.filter(sku=sku).select_related("supplier").order_by("-is_preferred", "pk"):
        mine = [line for line in open_lines if line.purchase_order.supplier_id == item.supplier_id]
        expected = [line.purchase_order.expected_at for line in mine if line.purchase_order.expected_at]
        answer.append(
            RestockInfo(
                supplier=item.supplier.name,
                restock_date=item.restock_date,
                on_order=sum(line.outstanding for line in mine),
                next_expected=min(expected) if expected else None,
            )
        )
    return answer


def restock_dates(sku_ids: Sequence[int]) -> dict[int, date]:
    """The earliest restock date a supplier gave for each SKU (补货日期): inventory.hooks.RESTOCK_DATES."""
    rows = (
        SupplierSku.objects.filter(sku_id__in=sku_ids, restock_date__isnull=False)
        .values("sku_id")
        .annotate(first=Min("restock_date"))
        .values_list("sku_id", "first")
    )
    return dict(rows)
