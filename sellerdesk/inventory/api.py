"""/api/v1 warehouses, bins, stock figures, the ledger, stock counts and transfers:
parse, call one action or query, answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from sellerdesk.catalog.models import Sku
from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.idempotency import idempotent
from sellerdesk.core.permissions import require
from sellerdesk.inventory import actions, queries
from sellerdesk.inventory.models import (
    Bin,
    MovementKind,
    StockCount,
    StockMovement,
    Transfer,
    Warehouse,
)

router = Router(tags=["inventory"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Province = Annotated[str, Field(min_length=1, max_length=20)]
SkuCode = Annotated[str, Field(min_length=1, max_length=64)]
BinCode = Annotated[str, Field(min_length=1, max_length=40)]
Quantity = Annotated[StrictInt, Field(ge=1, le=10_000_000)]


# --- Warehouses and bins --------------------------------------------------------------


class WarehousePatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    regions: list[Province] | None = Field(default=None, max_length=40)
    priority: StrictInt | None = Field(default=None, ge=0, le=32767)
    is_default: StrictBool | None = None
    is_active: StrictBool | None = None
    contact_name: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    province: str | None = Field(default=None, max_length=30)
    city: str | None = Field(default=None, max_length=30)
    district: str | None = Field(default=None, max_length=30)
    address_detail: str | None = Field(default=None, max_length=200)


class WarehouseIn(WarehousePatch):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=100)  # type: ignore[assignment]


class WarehouseOut(Schema):
    code: str
    name: str
    is_default: bool
    is_active: bool
    priority: int
    regions: list[str]
    contact_name: str
    phone: str
    province: str
    city: str
    district: str
    address_detail: str


def warehouse_out(warehouse: Warehouse) -> dict[str, Any]:
    return {name: getattr(warehouse, name) for name in WarehouseOut.model_fields}


def _fields(payload: WarehousePatch) -> dict[str, Any]:
    """The fields the client sent; an explicit null is refused rather than guessed at."""
    sent = payload.model_dump(exclude_unset=True, exclude={"code"})
    nulls = {name: _("must not be null") for name, value in sent.items() if value is None}
    if nulls:
        raise ValidationFailed(nulls)
    return sent


@router.get("/warehouses", response={200: list[WarehouseOut], **ERROR_RESPONSES})
def list_warehouses(request: HttpRequest) -> Any:
    return [warehouse_out(warehouse) for warehouse in queries.warehouses(actor=actor_of(request))]


@router.post("/warehouses", response={201: WarehouseOut, **ERROR_RESPONSES})
def create_warehouse(request: HttpRequest, payload: WarehouseIn) -> Status[Any]:
    def produce() -> tuple[int, Any]:
        warehouse = actions.create_warehouse(code=payload.code, fields=_fields(payload), actor=actor_of(request))
        return 201, warehouse_out(warehouse)

    return idempotent(request, produce)


@router.get("/warehouses/{code}", response={200: WarehouseOut, **ERROR_RESPONSES})
def get_warehouse(request: HttpRequest, code: str) -> Any:
    return warehouse_out(queries.get_warehouse(code=code, actor=actor_of(request)))


@router.patch("/warehouses/{code}", response={200: WarehouseOut, **ERROR_RESPONSES})
def update_warehouse(request: HttpRequest, code: str, payload: WarehousePatch) -> Any:
    actor = actor_of(request)
    warehouse = queries.get_warehouse(code=code, actor=actor)
    return warehouse_out(actions.update_warehouse(warehouse=warehouse, fields=_fields(payload), actor=actor))


class BinsIn(Strict):
    code: str = Field(min_length=1, max_length=90, description="One code (A-01-05) or a range (A-01-01..A-01-20).")
    zone: str = Field(default="", max_length=20)
    route_order: StrictInt | None = Field(default=None, ge=0, le=10_000_000)


class BinOut(Schema):
    code: str
    zone: str
    route_order: int
    is_active: bool
    units: int


def _bin_out(bin: Bin, units: int = 0) -> dict[str, Any]:
    return {
        "code": bin.code,
        "zone": bin.zone,
        "route_order": bin.route_order,
        "is_active": bin.is_active,
        "units": units,
    }


@router.get("/warehouses/{code}/bins", response={200: list[BinOut], **ERROR_RESPONSES})
def list_bins(request: HttpRequest, code: str) -> Any:
    actor = actor_of(request)
    warehouse = queries.get_warehouse(code=code, actor=actor)
    return [_bin_out(row.bin, row.units) for row in queries.bins_of(warehouse=warehouse, actor=actor)]


@router.post("/warehouses/{code}/bins", response={201: list[BinOut], **ERROR_RESPONSES})
def create_bins(request: HttpRequest, code: str, payload: BinsIn) -> Status[Any]:
    actor = actor_of(request)
    warehouse = queries.get_warehouse(code=code, actor=actor)

    def produce() -> tuple[int, Any]:
        created = actions.create_bins(
            warehouse=warehouse, codes=payload.code, zone=payload.zone, route_order=payload.route_order, actor=actor
        )
        return 201, [_bin_out(bin) for bin in created]

    return idempotent(request, produce)


# --- Stock figures and the ledger -----------------------------------------------------


class FiguresOut(Schema):
    on_hand: int
    reserved: int
    available: int
    in_transit: int
    defective: int
    presale_reserved: int


class WarehouseFiguresOut(FiguresOut):
    warehouse: str
    reorder_point: int | None
    is_low: bool


class SkuStockOut(Schema):
    sku: str
    name: str
    warehouses: list[WarehouseFiguresOut]
    total: FiguresOut


class StockPage(Schema):
    items: list[SkuStockOut]
    count: int
    page: int
    pages: int


class StockFilters(Schema):
    sku: str = Field(default="", max_length=64, description="exact SKU code")
    q: str = Field(default="", max_length=100, description="part of a SKU code or name")
    warehouse: str = Field(default="", max_length=40, description="warehouse code")
    low: bool = Field(default=False, description="only SKUs at or below their reorder point")
    page: int = Field(default=1, ge=1, le=100_000)


def _warehouse_filter(code: str, actor: Any) -> Warehouse | None:
    if not code:
        return None
    warehouse = Warehouse.objects.filter(code=code).first() if "\x00" not in code else None
    if warehouse is None:
        raise ValidationFailed({"warehouse": _("unknown warehouse %(code)s") % {"code": code}})
    require(actor, "stock.view")
    return warehouse


def sku_stock_out(row: queries.SkuStock) -> dict[str, Any]:
    return {
        "sku": row.sku.code,
        "name": row.sku.name,
        "warehouses": [
            {
                "warehouse": warehouse.code,
                **figures.as_dict(),
                "reorder_point": figures.reorder_point,
                "is_low": figures.is_low,
            }
            for warehouse, figures in row.by_warehouse
        ],
        "total": row.total.as_dict(),
    }


@router.get("/stock", response={200: StockPage, **ERROR_RESPONSES})
def get_stock(request: HttpRequest, filters: Query[StockFilters]) -> Any:
    """The five figures (on hand, reserved, available, in transit, defective; plus
    presale reserved) per SKU in each active warehouse, with totals."""
    actor = actor_of(request)
    warehouse = _warehouse_filter(filters.warehouse, actor)
    if filters.sku:
        sku = Sku.objects.filter(code=filters.sku).first() if "\x00" not in filters.sku else None
        if sku is None:
            raise ValidationFailed({"sku": _("unknown SKU %(code)s") % {"code": filters.sku}})
        rows = queries.sku_stock(skus=[sku], actor=actor, warehouse=warehouse)
        return {"items": [sku_stock_out(row) for row in rows], "count": 1, "page": 1, "pages": 1}
    page, rows = queries.stock_overview(
        q=filters.q, actor=actor, warehouse=warehouse, low_only=filters.low, page=filters.page
    )
    return {
        "items": [sku_stock_out(row) for row in rows],
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
    }


class MovementOut(Schema):
    at: datetime
    sku: str
    warehouse: str
    bin: str | None
    kind: str
    on_hand_delta: int
    reserved_delta: int
    in_transit_delta: int
    defective_delta: int
    presale_delta: int
    document: str
    actor: str | None
    note: str


class MovementPage(Schema):
    items: list[MovementOut]
    count: int
    page: int
    pages: int


class MovementFilters(Schema):
    sku: str = Field(default="", max_length=64)
    warehouse: str = Field(default="", max_length=40)
    kind: MovementKind | None = None
    document: str = Field(default="", max_length=64)
    page: int = Field(default=1, ge=1, le=100_000)


def movement_out(movement: StockMovement) -> dict[str, Any]:
    return {
        "at": movement.at,
        "sku": movement.sku.code,
        "warehouse": movement.warehouse.code,
        "bin": movement.bin.code if movement.bin else None,
        "kind": movement.kind,
        "on_hand_delta": movement.on_hand_delta,
        "reserved_delta": movement.reserved_delta,
        "in_transit_delta": movement.in_transit_delta,
        "defective_delta": movement.defective_delta,
        "presale_delta": movement.presale_delta,
        "document": movement.document,
        "actor": movement.actor.username if movement.actor else None,
        "note": movement.note_text,  # in the request's language
    }


@router.get("/stock/movements", response={200: MovementPage, **ERROR_RESPONSES})
def list_movements(request: HttpRequest, filters: Query[MovementFilters]) -> Any:
    """The stock ledger, newest first, 50 a page."""
    page = queries.movements(
        filters=queries.MovementFilters(
            sku=filters.sku, warehouse=filters.warehouse, kind=filters.kind or "", document=filters.document
        ),
        actor=actor_of(request),
        page=filters.page,
    )
    return {
        "items": [movement_out(movement) for movement in page.object_list],
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
    }


class PutawayIn(Strict):
    sku: SkuCode
    warehouse: str = Field(min_length=1, max_length=40)
    bin: BinCode = Field(description="the bin the units go into")
    from_bin: BinCode | None = Field(default=None, description="the bin they come from; omitted: not in any bin")
    quantity: Quantity


class BinQuantityOut(Schema):
    bin: str
    quantity: int


class PutawayOut(Schema):
    sku: str
    warehouse: str
    on_hand: int
    unbinned: int
    bins: list[BinQuantityOut]


def _sku(code: str, path: str) -> Sku:
    sku = Sku.objects.filter(code=code).first() if "\x00" not in code else None
    if sku is None:
        raise ValidationFailed({path: _("unknown SKU %(code)s") % {"code": code}})
    return sku


def _bin(warehouse: Warehouse, code: str, path: str) -> Bin:
    bin = Bin.objects.filter(warehouse=warehouse, code=code).first() if "\x00" not in code else None
    if bin is None:
        raise ValidationFailed(
            {path: _("no bin %(bin)s in %(warehouse)s") % {"bin": code, "warehouse": warehouse.code}}
        )
    return bin


@router.post("/stock/putaway", response={200: PutawayOut, **ERROR_RESPONSES})
def putaway(request: HttpRequest, payload: PutawayIn) -> Any:
    """Put units away into a bin, or move them from one bin to another."""
    actor = actor_of(request)
    warehouse = _warehouse_filter(payload.warehouse, actor)
    assert warehouse is not None
    sku = _sku(payload.sku, "sku")
    to_bin = _bin(warehouse, payload.bin, "bin")
    from_bin = _bin(warehouse, payload.from_bin, "from_bin") if payload.from_bin else None
    actions.move_bin_stock(
        sku=sku, warehouse=warehouse, from_bin=from_bin, to_bin=to_bin, quantity=payload.quantity, actor=actor
    )
    held = queries.bin_stock_of(sku=sku, warehouse=warehouse)
    on_hand = queries.sku_stock(skus=[sku], actor=actor, warehouse=warehouse)[0].total.on_hand
    return {
        "sku": sku.code,
        "warehouse": warehouse.code,
        "on_hand": on_hand,
        "unbinned": on_hand - sum(row.quantity for row in held),
        "bins": [{"bin": row.bin.code, "quantity": row.quantity} for row in held],
    }


class ReorderPointIn(Strict):
    sku: str = Field(min_length=1, max_length=64)
    warehouse: str = Field(min_length=1, max_length=40)
    reorder_point: StrictInt | None = Field(description="available at or below this is low; null clears it")
    reorder_quantity: StrictInt | None = None


class ReorderPointOut(Schema):
    sku: str
    warehouse: str
    reorder_point: int | None
    reorder_quantity: int | None


@router.put("/stock/reorder-point", response={200: ReorderPointOut, **ERROR_RESPONSES})
def set_reorder_point(request: HttpRequest, payload: ReorderPointIn) -> Any:
    """When a SKU's available stock in a warehouse falls to its reorder point it shows as
    low, and purchasing suggests ordering the reorder quantity."""
    actor = actor_of(request)
    warehouse = _warehouse_filter(payload.warehouse, actor)
    assert warehouse is not None
    sku = _sku(payload.sku, "sku")
    level = actions.set_reorder_point(
        sku=sku,
        warehouse=warehouse,
        reorder_point=payload.reorder_point,
        reorder_quantity=payload.reorder_quantity,
        actor=actor,
    )
    return {
        "sku": sku.code,
        "warehouse": warehouse.code,
        "reorder_point": level.reorder_point,
        "reorder_quantity": level.reorder_quantity,
    }


# --- Stock counts (盘点) ----------------------------------------------------------------


class CountIn(Strict):
    warehouse: str = Field(min_length=1, max_length=40)
    skus: list[SkuCode] | None = Field(default=None, max_length=5000, description="omitted: every SKU with stock")
    bins: list[BinCode] | None = Field(default=None, max_length=1000, description="count these bins, per bin")
    note: str = Field(default="", max_length=200)


class CountLineOut(Schema):
    id: int
    sku: str
    name: str
    bin: str | None
    expected: int
    counted: int | None
    difference: int | None


class CountOut(Schema):
    number: str
    warehouse: str
    status: str
    note: str
    created_at: datetime
    created_by: str | None
    posted_at: datetime | None
    lines: list[CountLineOut]


class CountedIn(Strict):
    id: StrictInt
    counted: Annotated[StrictInt, Field(ge=0, le=10_000_000)] | None


class CountLinesIn(Strict):
    lines: list[CountedIn] = Field(min_length=1, max_length=5000)


def count_out(count: StockCount) -> dict[str, Any]:
    lines = count.lines.select_related("sku", "bin").order_by("pk")
    return {
        "number": count.number,
        "warehouse": count.warehouse.code,
        "status": count.status,
        "note": count.note,
        "created_at": count.created_at,
        "created_by": count.created_by.username if count.created_by else None,
        "posted_at": count.posted_at,
        "lines": [
            {
                "id": line.pk,
                "sku": line.sku.code,
                "name": line.sku.name,
                "bin": line.bin.code if line.bin else None,
                "expected": line.expected,
                "counted": line.counted,
                "difference": line.difference,
            }
            for line in lines
        ],
    }


def _count(request: HttpRequest, number: str) -> StockCount:
    return queries.get_count(number=number, actor=actor_of(request))


def _count_answer(number: str) -> dict[str, Any]:
    return count_out(queries.get_count(number=number, actor=None))


@router.post("/stock-counts", response={201: CountOut, **ERROR_RESPONSES})
def start_count(request: HttpRequest, payload: CountIn) -> Status[Any]:
    actor = actor_of(request)
    warehouse = _warehouse_filter(payload.warehouse, actor)
    assert warehouse is not None
    skus = [_sku(code, f"skus[{index}]") for index, code in enumerate(payload.skus)] if payload.skus else None
    bins = (
        [_bin(warehouse, code, f"bins[{index}]") for index, code in enumerate(payload.bins)] if payload.bins else None
    )

    def produce() -> tuple[int, Any]:
        count = actions.start_count(warehouse=warehouse, skus=skus, bins=bins, note=payload.note, actor=actor)
        return 201, _count_answer(count.number)

    return idempotent(request, produce)


@router.get("/stock-counts/{number}", response={200: CountOut, **ERROR_RESPONSES})
def get_count(request: HttpRequest, number: str) -> Any:
    return count_out(_count(request, number))


@router.put("/stock-counts/{number}/lines", response={200: CountOut, **ERROR_RESPONSES})
def enter_counts(request: HttpRequest, number: str, payload: CountLinesIn) -> Any:
    """Counted quantities by line id; null clears a line. All or nothing."""
    count = _count(request, number)
    actions.enter_counts(
        count=count, counted={line.id: line.counted for line in payload.lines}, actor=actor_of(request)
    )
    return _count_answer(number)


@router.post("/stock-counts/{number}/post", response={200: CountOut, **ERROR_RESPONSES})
def post_count(request: HttpRequest, number: str) -> Any:
    actions.post_count(count=_count(request, number), actor=actor_of(request))
    return _count_answer(number)


@router.post("/stock-counts/{number}/cancel", response={200: CountOut, **ERROR_RESPONSES})
def cancel_count(request: HttpRequest, number: str) -> Any:
    actions.cancel_count(count=_count(request, number), actor=actor_of(request))
    return _count_answer(number)


# --- Transfers (调拨) -------------------------------------------------------------------


class TransferLineIn(Strict):
    sku: SkuCode
    quantity: Quantity


class TransferIn(Strict):
    from_warehouse: str = Field(min_length=1, max_length=40)
    to_warehouse: str = Field(min_length=1, max_length=40)
    lines: list[TransferLineIn] = Field(min_length=1, max_length=200)
    for_order: str = Field(default="", max_length=20)
    note: str = Field(default="", max_length=200)
    ship: StrictBool = Field(default=False, description="ship at once (units leave the source now)")


class TransferLineOut(Schema):
    sku: str
    name: str
    quantity: int
    received: int


class TransferOut(Schema):
    number: str
    from_warehouse: str
    to_warehouse: str
    status: Literal["draft", "shipped", "received", "cancelled"]
    for_order: str
    note: str
    created_at: datetime
    shipped_at: datetime | None
    received_at: datetime | None
    lines: list[TransferLineOut]


def transfer_out(transfer: Transfer) -> dict[str, Any]:
    return {
        "number": transfer.number,
        "from_warehouse": transfer.from_warehouse.code,
        "to_warehouse": transfer.to_warehouse.code,
        "status": transfer.status,
        "for_order": transfer.for_order,
        "note": transfer.note_text,  # in the request's language
        "created_at": transfer.created_at,
        "shipped_at": transfer.shipped_at,
        "received_at": transfer.received_at,
        "lines": [
            {"sku": line.sku.code, "name": line.sku.name, "quantity": line.quantity, "received": line.received}
            for line in transfer.lines.select_related("sku").order_by("pk")
        ],
    }


def _transfer(request: HttpRequest, number: str) -> Transfer:
    return queries.get_transfer(number=number, actor=actor_of(request))


def _transfer_answer(number: str) -> dict[str, Any]:
    return transfer_out(queries.get_transfer(number=number, actor=None))


def _known_warehouse(code: str, path: str) -> Warehouse:
    warehouse = Warehouse.objects.filter(code=code).first() if "\x00" not in code else None
    if warehouse is None:
        raise ValidationFailed({path: _("unknown warehouse %(code)s") % {"code": code}})
    return warehouse


@router.post("/transfers", response={201: TransferOut, **ERROR_RESPONSES})
def create_transfer(request: HttpRequest, payload: TransferIn) -> Status[Any]:
    actor = actor_of(request)
    require(actor, "stock.transfer")
    source = _known_warehouse(payload.from_warehouse, "from_warehouse")
    target = _known_warehouse(payload.to_warehouse, "to_warehouse")
    lines = [(_sku(line.sku, f"lines[{index}].sku"), line.quantity) for index, line in enumerate(payload.lines)]

    @transaction.atomic  # created and shipped, or neither
    def produce() -> tuple[int, Any]:
        transfer = actions.create_transfer(
            from_warehouse=source,
            to_warehouse=target,
            lines=lines,
            for_order=payload.for_order,
            note=payload.note,
            actor=actor,
        )
        if payload.ship:
            actions.ship_transfer(transfer=transfer, actor=actor)
        return 201, _transfer_answer(transfer.number)

    return idempotent(request, produce)


@router.get("/transfers/{number}", response={200: TransferOut, **ERROR_RESPONSES})
def get_transfer(request: HttpRequest, number: str) -> Any:
    return transfer_out(_transfer(request, number))


@router.post("/transfers/{number}/ship", response={200: TransferOut, **ERROR_RESPONSES})
def ship_transfer(request: HttpRequest, number: str) -> Any:
    actions.ship_transfer(transfer=_transfer(request, number), actor=actor_of(request))
    return _transfer_answer(number)


class TransferBinIn(Strict):
    bin: BinCode
    quantity: Quantity


class TransferReceiptLineIn(Strict):
    sku: SkuCode
    # 0: nothing of this SKU arrived now.
    quantity: Annotated[StrictInt, Field(ge=0, le=10_000_000)]
    # Where some or all of the units go (bins of the destination); the rest stay unbinned.
    bins: list[TransferBinIn] = Field(default_factory=list, max_length=50)


class TransferReceiptIn(Strict):
    # Empty: every unit still in transit arrives. Else only these (a partial receipt).
    lines: list[TransferReceiptLineIn] = Field(default_factory=list, max_length=200)


@router.post("/transfers/{number}/receive", response={200: TransferOut, **ERROR_RESPONSES})
def receive_transfer(request: HttpRequest, number: str, payload: TransferReceiptIn) -> Status[Any]:
    """Receive the units that arrived — all still in transit, or the lines given (in
    part), each put away into the bins given. The transfer is received once every unit
    is. With an Idempotency-Key, a repeated request receives nothing twice."""
    transfer = _transfer(request, number)
    target = transfer.to_warehouse
    receipts = [
        actions.LineReceipt(
            _sku(line.sku, f"lines[{index}].sku").pk,
            line.quantity,
            tuple(
                actions.BinPart(_bin(target, part.bin, f"lines[{index}].bins[{position}].bin"), part.quantity)
                for position, part in enumerate(line.bins)
            ),
        )
        for index, line in enumerate(payload.lines)
    ]

    def produce() -> tuple[int, Any]:
        actions.receive_transfer(transfer=transfer, actor=actor_of(request), receipts=receipts or None)
        return 200, _transfer_answer(transfer.number)

    return idempotent(request, produce)


@router.post("/transfers/{number}/cancel", response={200: TransferOut, **ERROR_RESPONSES})
def cancel_transfer(request: HttpRequest, number: str) -> Any:
    actions.cancel_transfer(transfer=_transfer(request, number), actor=actor_of(request))
    return _transfer_answer(number)
