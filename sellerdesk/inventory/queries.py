"""Reads of stock used by the API, the staff screens and other apps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import NotFound
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.inventory.availability import available_expression, available_units, free_units
from sellerdesk.inventory.models import (
    Bin,
    BinStock,
    StockCount,
    StockLevel,
    StockMovement,
    Transfer,
    Warehouse,
)

MOVEMENTS_PER_PAGE = 50
SKUS_PER_PAGE = 25


@dataclass(frozen=True)
class StockFigures:
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return available_units(on_hand=self.on_hand, reserved=self.reserved)


def stock_of(sku_id: int) -> StockFigures:
    """Stock of a SKU summed over all warehouses."""
    sums = StockLevel.objects.filter(sku_id=sku_id).aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    return StockFigures(on_hand=sums["on_hand"] or 0, reserved=sums["reserved"] or 0)


def stock_by_sku(sku_ids: list[int]) -> dict[int, StockFigures]:
    rows = (
        StockLevel.objects.filter(sku_id__in=sku_ids)
        .values("sku_id")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    )
    return {row["sku_id"]: StockFigures(row["on_hand"], row["reserved"]) for row in rows}


# --- The five figures ---------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The five figures sellers use (plus presale) of one SKU in one warehouse or summed."""

    on_hand: int = 0
    reserved: int = 0
    in_transit: int = 0
    defective: int = 0
    presale_reserved: int = 0
    reorder_point: int | None = None

    @property
    def available(self) -> int:
        return available_units(on_hand=self.on_hand, reserved=self.reserved)

    @property
    def is_low(self) -> bool:
        """Available has fallen to the reorder point."""
        return self.reorder_point is not None and self.available <= self.reorder_point

    def plus(self, other: Figures) -> Figures:
        return Figures(
            self.on_hand + other.on_hand,
            self.reserved + other.reserved,
            self.in_transit + other.in_transit,
            self.defective + other.defective,
            self.presale_reserved + other.presale_reserved,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "on_hand": self.on_hand,
            "reserved": self.reserved,
            "available": self.available,
            "in_transit": self.in_transit,
            "defective": self.defective,
            "presale_reserved": self.presale_reserved,
        }


def figures_of(level: StockLevel) -> Figures:
    return Figures(
        level.on_hand, level.reserved, level.in_transit, level.defective, level.presale_reserved, level.reorder_point
    )


@dataclass
class SkuStock:
    """One SKU's figures in each warehouse (every warehouse given, zeros where it has none)."""

    sku: Sku
    by_warehouse: list[tuple[Warehouse, Figures]] = field(default_factory=list)

    @property
    def total(self) -> Figures:
        total = Figures()
        for _warehouse, figures in self.by_warehouse:
            total = total.plus(figures)
        return total

    @property
    def is_low(self) -> bool:
        return any(figures.is_low for _warehouse, figures in self.by_warehouse)


def warehouses(*, actor: User | None, active_only: bool = False) -> list[Warehouse]:
    require(actor, "stock.view")
    rows = Warehouse.objects.order_by("-is_active", "priority", "code")
    return list(rows.filter(is_active=True) if active_only else rows)


def get_warehouse(*, code: str, actor: User | None) -> Warehouse:
    require(actor, "stock.view")
    warehouse = Warehouse.objects.filter(code=code).first() if "\x00" not in code else None
    if warehouse is None:
        raise NotFound(_("No warehouse %(code)s.") % {"code": code}, details={"code": code})
    return warehouse


def get_sku(*, code: str) -> Sku:
    sku = Sku.objects.filter(code=code).first() if "\x00" not in code else None
    if sku is None:
        raise NotFound(_("No SKU %(code)s.") % {"code": code}, details={"code": code})
    return sku


def search_skus(q: str) -> QuerySet[Sku]:
    rows = Sku.objects.order_by("code")
    q = q.strip()
    if q:
        rows = rows.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(barcode=q))
    return rows


def sku_stock(*, skus: list[Sku], actor: User | None, warehouse: Warehouse | None = None) -> list[SkuStock]:
    """The figures of these SKUs in every active warehouse (or one)."""
    require(actor, "stock.view")
    houses = [warehouse] if warehouse else warehouses(actor=actor, active_only=True)
    levels = {
        (level.sku_id, level.warehouse_id): level
        for level in StockLevel.objects.filter(sku__in=skus, warehouse__in=houses)
    }
    return [
        SkuStock(
            sku,
            [
                (house, figures_of(levels[(sku.pk, house.pk)]) if (sku.pk, house.pk) in levels else Figures())
                for house in houses
            ],
        )
        for sku in skus
    ]


def stock_overview(
    *, q: str, actor: User | None, warehouse: Warehouse | None = None, low_only: bool = False, page: int = 1
) -> tuple[Page[Sku], list[SkuStock]]:
    """SKUs matching `q` (code, name or barcode), a page of them, with their figures."""
    require(actor, "stock.view")
    rows = search_skus(q)
    if low_only:
        low = StockLevel.objects.alias(available_units=available_expression()).filter(
            reorder_point__isnull=False, available_units__lte=F("reorder_point")
        )
        if warehouse:
            low = low.filter(warehouse=warehouse)
        rows = rows.filter(pk__in=low.values("sku_id"))
    elif warehouse:
        rows = rows.filter(stock_levels__warehouse=warehouse).distinct()
    found = Paginator(rows, SKUS_PER_PAGE).get_page(page)
    return found, sku_stock(skus=list(found.object_list), actor=actor, warehouse=warehouse)


# --- The ledger ---------------------------------------------------------------------


@dataclass(frozen=True)
class MovementFilters:
    sku: str = ""
    warehouse: str = ""
    kind: str = ""
    document: str = ""


def movements(*, filters: MovementFilters, actor: User | None, page: int = 1) -> Page[StockMovement]:
    """The ledger, newest first, filtered by SKU code, warehouse code, kind and document."""
    require(actor, "stock.view")
    rows = StockMovement.objects.select_related("sku", "warehouse", "bin", "actor").order_by("-at", "-pk")
    if filters.sku:
        rows = rows.filter(sku__code=filters.sku.strip())
    if filters.warehouse:
        rows = rows.filter(warehouse__code=filters.warehouse.strip())
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.document:
        rows = rows.filter(document=filters.document.strip())
    return Paginator(rows, MOVEMENTS_PER_PAGE).get_page(page)


# --- Bins, transfers, counts --------------------------------------------------------


@dataclass(frozen=True)
class BinRow:
    bin: Bin
    units: int
    skus: int


def bins_of(*, warehouse: Warehouse, actor: User | None) -> list[BinRow]:
    require(actor, "stock.view")
    held: dict[int, tuple[int, int]] = {
        row["bin_id"]: (row["units"], row["skus"])
        for row in BinStock.objects.filter(bin__warehouse=warehouse, quantity__gt=0)
        .values("bin_id")
        .annotate(units=Sum("quantity"), skus=Count("sku_id"))
    }
    return [
        BinRow(bin, *held.get(bin.pk, (0, 0)))
        for bin in Bin.objects.filter(warehouse=warehouse).order_by("route_order", "code")
    ]


def bin_stock_of(*, sku: Sku, warehouse: Warehouse) -> list[BinStock]:
    return list(
        BinStock.objects.filter(sku=sku, bin__warehouse=warehouse, quantity__gt=0)
        .select_related("bin")
        .order_by("bin__route_order", "bin__code")
    )


def get_transfer(*, number: str, actor: User | None) -> Transfer:
    require(actor, "stock.view")
    transfer = (
        Transfer.objects.select_related("from_warehouse", "to_warehouse", "created_by").filter(number=number).first()
        if "\x00" not in number
        else None
    )
    if transfer is None:
        raise NotFound(_("No transfer %(number)s.") % {"number": number}, details={"number": number})
    return transfer


def transfers(*, actor: User | None, status: str = "", page: int = 1) -> Page[Transfer]:
    require(actor, "stock.view")
    rows = Transfer.objects.select_related("from_warehouse", "to_warehouse").prefetch_related("lines__sku")
    if status:
        rows = rows.filter(status=status)
    return Paginator(rows.order_by("-created_at", "-pk"), 25).get_page(page)


def get_count(*, number: str, actor: User | None) -> StockCount:
    require(actor, "stock.view")
    count = (
        StockCount.objects.select_related("warehouse", "created_by", "posted_by").filter(number=number).first()
        if "\x00" not in number
        else None
    )
    if count is None:
        raise NotFound(_("No stock count %(number)s.") % {"number": number}, details={"number": number})
    return count


def counts(*, actor: User | None, status: str = "", page: int = 1) -> Page[StockCount]:
    require(actor, "stock.view")
    rows = StockCount.objects.select_related("warehouse")
    if status:
        rows = rows.filter(status=status)
    return Paginator(rows.order_by("-created_at", "-pk"), 25).get_page(page)


# --- free stock by warehouse (intake and allocation) ---------------------------------------


@dataclass(frozen=True)
class WarehouseInfo:
    """An active warehouse as allocation's strategies see it."""

    id: int
    priority: int
    regions: tuple[str, ...] = ()
    code: str = ""

    def serves(self, province: str) -> bool:
        return not self.regions or province in self.regions


def active_warehouses() -> list[WarehouseInfo]:
    return [
        WarehouseInfo(pk, priority, tuple(regions or ()), code)
        for pk, priority, regions, code in Warehouse.objects.filter(is_active=True)
        .order_by("priority", "pk")
        .values_list("pk", "priority", "regions", "code")
    ]


def free_of_rows(level_rows: Iterable[tuple[int, int, int, int, int, int]]) -> dict[tuple[int, int], int]:
    """The free units of stock rows read as `LEVEL_FIELDS`, by (sku_id, warehouse_id)."""
    return {
        (sku_id, warehouse_id): free_units(
            on_hand=on_hand, reserved=reserved, in_transit=in_transit, presale_reserved=presale_reserved
        )
        for sku_id, warehouse_id, on_hand, reserved, presale_reserved, in_transit in level_rows
    }


LEVEL_FIELDS = ("sku_id", "warehouse_id", "on_hand", "reserved", "presale_reserved", "in_transit")


def free_levels(sku_ids: Iterable[int], warehouse_ids: Iterable[int]) -> list[tuple[int, int, int, int, int, int]]:
    """The stock rows of these SKUs in these warehouses, as read (not locked)."""
    return list(
        StockLevel.objects.filter(
            sku_id__in=sorted(set(sku_ids)), warehouse_id__in=sorted(set(warehouse_ids))
        ).values_list(*LEVEL_FIELDS)
    )


def free_stock(sku_ids: Sequence[int], warehouse_ids: Sequence[int]) -> dict[tuple[int, int], int]:
    return free_of_rows(free_levels(sku_ids, warehouse_ids))


def locked_levels(sku_ids: Iterable[int], warehouse_ids: Iterable[int]) -> list[tuple[int, int, int, int, int, int]]:
    """Lock the stock rows in (sku_id, warehouse_id) order, then read them."""
    rows = (
        StockLevel.objects.select_for_update()
        .filter(sku_id__in=sorted(set(sku_ids)), warehouse_id__in=sorted(set(warehouse_ids)))
        .order_by("sku_id", "warehouse_id")
        .values_list(*LEVEL_FIELDS)
    )
    return list(rows)


def lock_free_stock(sku_ids: Sequence[int], warehouse_ids: Sequence[int]) -> dict[tuple[int, int], int]:
    return free_of_rows(locked_levels(sku_ids, warehouse_ids))
