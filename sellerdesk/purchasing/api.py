"""/api/v1/suppliers, /api/v1/purchase-orders and /api/v1/purchase-suggestions: parse,
call one action or query, answer. PDFs are answered as application/pdf."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from sellerdesk.catalog.models import Sku
from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.idempotency import idempotent
from sellerdesk.core.permissions import require
from sellerdesk.core.schemas import BusinessDate, Code, Money
from sellerdesk.inventory.models import Warehouse
from sellerdesk.purchasing import actions, documents, importer, queries, suggestions
from sellerdesk.purchasing.models import PurchaseOrder, PurchaseStatus, Receipt, Supplier, SupplierSku

router = Router(tags=["purchasing"])

PAGE_SIZE = 50
PDF = {200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- suppliers


class SupplierIn(Strict):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = Field(min_length=1, max_length=100)
    contact_name: str = Field(default="", max_length=50)
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=254)
    address: str = Field(default="", max_length=300)
    lead_time_days: StrictInt = Field(default=7, ge=0, le=actions.MAX_LEAD_TIME_DAYS)
    is_overseas: StrictBool = False
    is_active: StrictBool = True
    note: str = Field(default="", max_length=300)


class SupplierOut(Schema):
    code: str
    name: str
    contact_name: str
    phone: str
    email: str
    address: str
    lead_time_days: int
    is_overseas: bool
    is_active: bool
    note: str


class SupplierSkuIn(Strict):
    cost: Money
    supplier_code: str = Field(default="", max_length=64)
    min_order_quantity: StrictInt = Field(default=1, ge=1, le=actions.MAX_QUANTITY)
    is_preferred: StrictBool = False
    is_dropship: StrictBool = False
    restock_date: BusinessDate | None = None


class SupplierSkuOut(Schema):
    sku: str
    name: str
    supplier_code: str
    cost: Money
    min_order_quantity: int
    is_preferred: bool
    is_dropship: bool
    restock_date: date | None


class RestockOut(Schema):
    supplier: str
    restock_date: date | None
    on_order: int
    next_expected: date | None


def supplier_out(supplier: Supplier) -> dict[str, Any]:
    return {name: getattr(supplier, name) for name in SupplierOut.model_fields}


def supplier_sku_out(item: SupplierSku) -> dict[str, Any]:
    return {
        "sku": item.sku.code,
        "name": item.sku.name,
        "supplier_code": item.supplier_code,
        "cost": item.cost,
        "min_order_quantity": item.min_order_quantity,
        "is_preferred": item.is_preferred,
        "is_dropship": item.is_dropship,
        "restock_date": item.restock_date,
    }


def _fields(payload: BaseModel) -> dict[str, Any]:
    """The parsed values (model_dump would turn money back into strings)."""
    return {name: getattr(payload, name) for name in type(payload).model_fields}


def _supplier_data(payload: SupplierIn) -> actions.SupplierData:
    return actions.SupplierData(**_fields(payload))


def _sku(code: str) -> Sku:
    sku = Sku.objects.filter(code=code).first()
    if sku is None:
        raise NotFound(_("No SKU %(code)s.") % {"code": code}, details={"sku": code})
    return sku


@router.get("/suppliers", response={200: list[SupplierOut], **ERROR_RESPONSES})
def list_suppliers(request: HttpRequest) -> Any:
    return [supplier_out(supplier) for supplier in queries.suppliers(actor=actor_of(request))]


@router.post("/suppliers", response={201: SupplierOut, **ERROR_RESPONSES})
def create_supplier(request: HttpRequest, payload: SupplierIn) -> Status[Any]:
    actor = actor_of(request)

    def produce() -> tuple[int, Any]:
        return 201, supplier_out(actions.create_supplier(data=_supplier_data(payload), actor=actor))

    return idempotent(request, produce)


@router.get("/suppliers/{code}", response={200: SupplierOut, **ERROR_RESPONSES})
def get_supplier(request: HttpRequest, code: str) -> Any:
    return supplier_out(queries.get_supplier(code=code, actor=actor_of(request)))


@router.put("/suppliers/{code}", response={200: SupplierOut, **ERROR_RESPONSES})
def update_supplier(request: HttpRequest, code: str, payload: SupplierIn) -> Any:
    actor = actor_of(request)
    supplier = queries.get_supplier(code=code, actor=actor)
    return supplier_out(actions.update_supplier(supplier=supplier, data=_supplier_data(payload), actor=actor))


@router.delete("/suppliers/{code}", response={204: None, **ERROR_RESPONSES})
def delete_supplier(request: HttpRequest, code: str) -> Status[None]:
    actor = actor_of(request)
    actions.delete_supplier(supplier=queries.get_supplier(code=code, actor=actor), actor=actor)
    return Status(204, None)


@router.get("/suppliers/{code}/skus", response={200: list[SupplierSkuOut], **ERROR_RESPONSES})
def list_supplier_skus(request: HttpRequest, code: str) -> Any:
    actor = actor_of(request)
    supplier = queries.get_supplier(code=code, actor=actor)
    return [supplier_sku_out(item) for item in queries.supplier_skus(supplier=supplier, actor=actor)]


@router.put("/suppliers/{code}/skus/{sku}", response={200: SupplierSkuOut, **ERROR_RESPONSES})
def set_supplier_sku(request: HttpRequest, code: str, sku: str, payload: SupplierSkuIn) -> Any:
    actor = actor_of(request)
    supplier = queries.get_supplier(code=code, actor=actor)
    item = actions.set_supplier_sku(
        supplier=supplier, sku=_sku(sku), data=actions.SupplierSkuData(**_fields(payload)), actor=actor
    )
    return supplier_sku_out(item)


@router.delete("/suppliers/{code}/skus/{sku}", response={204: None, **ERROR_RESPONSES})
def remove_supplier_sku(request: HttpRequest, code: str, sku: str) -> Status[None]:
    actor = actor_of(request)
    actions.remove_supplier_sku(supplier=queries.get_supplier(code=code, actor=actor), sku=_sku(sku), actor=actor)
    return Status(204, None)


@router.get("/skus/{code}/restock", response={200: list[RestockOut], **ERROR_RESPONSES})
def sku_restock(request: HttpRequest, code: str) -> Any:
    """When the SKU is expected back, per supplier: what agents tell a buyer."""
    return [info.__dict__ for info in queries.restock_info(sku=_sku(code), actor=actor_of(request))]


# ---------------------------------------------------------------- purchase orders


class PurchaseLineIn(Strict):
    sku: Code
    quantity: StrictInt = Field(gt=0, le=actions.MAX_QUANTITY)
    unit_cost: Money | None = None


class PurchaseOrderIn(Strict):
    supplier: str = Field(min_length=1, max_length=40)
    warehouse: str | None = Field(default=None, max_length=40)
    expected_at: BusinessDate | None = None
    note: str = Field(default="", max_length=500)
    requires_customs: StrictBool | None = None
    lines: list[PurchaseLineIn] = Field(min_length=1, max_length=actions.MAX_LINES)


class PurchaseLineOut(Schema):
    sku: str
    name: str
    barcode: str | None
    quantity: int
    unit_cost: Money
    line_total: Money
    received_good: int
    received_damaged: int
    outstanding: int


class CustomsOut(Schema):
    documents: str
    prepayment: Money | None
    cleared_at: datetime | None


class PurchaseOrderOut(Schema):
    number: str
    supplier: str
    supplier_name: str
    kind: str
    status: str
    warehouse: str | None
    expected_at: date | None
    note: str
    created_at: datetime
    sent_at: datetime | None
    closed_at: datetime | None
    requires_customs: bool
    customs: CustomsOut
    total: Money
    lines: list[PurchaseLineOut]
    actions: list[str]


class PurchaseOrderPage(Schema):
    items: list[PurchaseOrderOut]
    count: int
    page: int
    pages: int


class PurchaseFilters(Schema):
    status: str = Field(default="", max_length=20)
    supplier: str = Field(default="", max_length=40)
    q: str = Field(default="", max_length=100)
    page: StrictInt = Field(default=1, ge=1, le=100_000)


class PurchaseReasonIn(Strict):
    reason: str = Field(default="", max_length=300)


class CustomsIn(Strict):
    documents: str = Field(min_length=1, max_length=500)
    prepayment: Money | None = None


class ClearIn(Strict):
    cleared_at: datetime | None = None


class ReceiveLineIn(Strict):
    sku: Code
    good: StrictInt = Field(ge=0, le=actions.MAX_QUANTITY)
    damaged: StrictInt = Field(default=0, ge=0, le=actions.MAX_QUANTITY)
    reason: str = Field(default="", max_length=300)
    bin: str = Field(default="", max_length=40)


class ReceiveIn(Strict):
    lines: list[ReceiveLineIn] = Field(min_length=1, max_length=actions.MAX_LINES)
    bin: str = Field(default="", max_length=40)
    note: str = Field(default="", max_length=500)


class ReceiptLineOut(Schema):
    sku: str
    good: int
    damaged: int
    over: int
    reason: str
    bin: str | None


class ReceiptOut(Schema):
    number: str
    purchase_order: str
    received_at: datetime
    received_by: str | None
    note: str
    lines: list[ReceiptLineOut]


class ReceiveOut(Schema):
    receipt: ReceiptOut
    purchase_order: PurchaseOrderOut


def _local(value: datetime | None) -> datetime | None:
    """Times answered in the shop's time zone, with its offset."""
    return timezone.localtime(value) if value else None


def purchase_order_out(purchase_order: PurchaseOrder) -> dict[str, Any]:
    lines = list(purchase_order.lines.all())
    return {
        "number": purchase_order.number,
        "supplier": purchase_order.supplier.code,
        "supplier_name": purchase_order.supplier.name,
        "kind": purchase_order.kind,
        "status": purchase_order.status,
        "warehouse": purchase_order.warehouse.code if purchase_order.warehouse else None,
        "expected_at": purchase_order.expected_at,
        "note": purchase_order.note,
        "created_at": _local(purchase_order.created_at),
        "sent_at": _local(purchase_order.sent_at),
        "closed_at": _local(purchase_order.closed_at),
        "requires_customs": purchase_order.requires_customs,
        "customs": {
            "documents": purchase_order.customs_documents,
            "prepayment": purchase_order.customs_prepayment,
            "cleared_at": _local(purchase_order.customs_cleared_at),
        },
        "total": sum((line.line_total for line in lines), Decimal("0.00")),
        "lines": [
            {
                "sku": line.sku.code,
                "name": line.sku.name,
                "barcode": line.sku.barcode,
                "quantity": line.quantity,
                "unit_cost": line.unit_cost,
                "line_total": line.line_total,
                "received_good": line.received_good,
                "received_damaged": line.received_damaged,
                "outstanding": line.outstanding,
            }
            for line in lines
        ],
        "actions": actions.allowed_actions(purchase_order),
    }


def receipt_out(receipt: Receipt) -> dict[str, Any]:
    return {
        "number": receipt.number,
        "purchase_order": receipt.purchase_order.number,
        "received_at": _local(receipt.received_at),
        "received_by": receipt.received_by.username if receipt.received_by else None,
        "note": receipt.note,
        "lines": [
            {
                "sku": line.line.sku.code,
                "good": line.good,
                "damaged": line.damaged,
                "over": line.over,
                "reason": line.reason,
                "bin": line.bin.code if line.bin else None,
            }
            for line in receipt.lines.select_related("line__sku", "bin")
        ],
    }


def _purchase_order(request: HttpRequest, number: str) -> PurchaseOrder:
    return queries.get_purchase_order(number=number, actor=actor_of(request))


def _answer(number: str) -> dict[str, Any]:
    return purchase_order_out(queries.get_purchase_order(number=number, actor=None))


def _draft(payload: PurchaseOrderIn) -> actions.PurchaseDraft:
    supplier = Supplier.objects.filter(code=payload.supplier).first()
    bad: dict[str, str] = {}
    if supplier is None:
        bad["supplier"] = _("unknown supplier %(code)s") % {"code": payload.supplier}
    warehouse = None
    if payload.warehouse:
        warehouse = Warehouse.objects.filter(code=payload.warehouse).first()
        if warehouse is None:
            bad["warehouse"] = _("unknown warehouse %(code)s") % {"code": payload.warehouse}
    if bad:
        raise ValidationFailed(bad)
    assert supplier is not None
    return actions.PurchaseDraft(
        supplier=supplier,
        warehouse=warehouse,
        expected_at=payload.expected_at,
        note=payload.note,
        requires_customs=payload.requires_customs,
        lines=[actions.LineDraft(line.sku, line.quantity, line.unit_cost) for line in payload.lines],
    )


@router.get("/purchase-orders", response={200: PurchaseOrderPage, **ERROR_RESPONSES})
def list_purchase_orders(request: HttpRequest, filters: Query[PurchaseFilters]) -> Any:
    if filters.status and filters.status not in PurchaseStatus.values:
        raise ValidationFailed({"status": _("one of %(values)s") % {"values": ", ".join(PurchaseStatus.values)}})
    found = queries.purchase_orders(
        actor=actor_of(request), status=filters.status, supplier=filters.supplier, q=filters.q
    ).prefetch_related("lines__sku")
    page = Paginator(found, PAGE_SIZE).get_page(filters.page)
    return {
        "items": [purchase_order_out(item) for item in page.object_list],
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
    }


@router.post("/purchase-orders", response={201: PurchaseOrderOut, **ERROR_RESPONSES})
def create_purchase_order(request: HttpRequest, payload: PurchaseOrderIn) -> Status[Any]:
    actor = actor_of(request)

    def produce() -> tuple[int, Any]:
        require(actor, "purchasing.edit")
        created = actions.create_purchase_order(draft=_draft(payload), actor=actor)
        return 201, _answer(created.number)

    return idempotent(request, produce)


@router.post("/purchase-orders/import", response={201: PurchaseOrderOut, **ERROR_RESPONSES})
def import_purchase_order(
    request: HttpRequest,
    file: File[UploadedFile],
    supplier: Form[str],
    purchase_order: Form[str] = "",
    warehouse: Form[str] = "",
) -> Status[Any]:
    """A supplier's filled-in list (.xlsx or .csv, UTF-8 or GBK) as a new draft, or added
    to the draft `purchase_order`. Any bad row: 422 naming each as `rows[<line>].<column>`."""
    actor = actor_of(request)
    require(actor, "purchasing.edit")
    found = Supplier.objects.filter(code=supplier).first()
    if found is None:
        raise ValidationFailed({"supplier": _("unknown supplier %(code)s") % {"code": supplier}})
    target = queries.get_purchase_order(number=purchase_order, actor=actor) if purchase_order else None
    place = Warehouse.objects.filter(code=warehouse).first() if warehouse else None
    if warehouse and place is None:
        raise ValidationFailed({"warehouse": _("unknown warehouse %(code)s") % {"code": warehouse}})
    if (file.size or 0) > importer.MAX_BYTES:
        raise ValidationFailed({"file": _("larger than %(n)s MB") % {"n": importer.MAX_BYTES // (1024 * 1024)}})
    content = file.read()
    result, _import = importer.import_purchase_list(
        supplier=found,
        filename=file.name or "",
        content=content,
        actor=actor,
        purchase_order=target,
        warehouse=place,
    )
    return Status(201, _answer(result.number))


@router.get("/purchase-orders/{number}", response={200: PurchaseOrderOut, **ERROR_RESPONSES})
def get_purchase_order(request: HttpRequest, number: str) -> Any:
    return purchase_order_out(_purchase_order(request, number))


@router.put("/purchase-orders/{number}", response={200: PurchaseOrderOut, **ERROR_RESPONSES})
def update_purchase_order(request: HttpRequest, number: str, payload: PurchaseOrderIn) -> Any:
    actor = actor_of(request)
    require(actor, "purchasing.edit")
    purchase_order = _purchase_order(request, number)
    actions.update_purchase_order(purchase_order=purchase_order, draft=_draft(payload), actor=actor)
    return _answer(number)


@router.post("/purchase-orders/{number}/send", response={200: PurchaseOrderOut, **ERROR_RESPONSES})
def send_purchase_order(request: HttpRequest, number: str) -> Any:
    actions.send_purchase_order(purchase_order=_purchase_order(request, number), actor=actor_of(request))
    return _answer(number)


@router.post("/purchase-orders/{number}/cancel", response={200: PurchaseOrderOut, **ERROR_RESPONSES})
def cancel_purchase_order(request: HttpRequest, number: str, payload: PurchaseReasonIn) -> Any:
    actions.cancel_purchase_order(
        purchase_order=_purchase_order(request, number), actor=actor_of(request), reason=payload.reason
    )
    return _answer(number)


@router.post("/purchase-orders/{number}/close", response={200: PurchaseOrderOut, **ERROR_RESPONSES})
def close_purchase_order(request: HttpRequest, number: str, payload: PurchaseReasonIn) -> Any:
    actions.close_purchase_order(
        purchase_order=_purchase_order(request, number), actor=actor_of(request), reason=payload.reason
    )
    return _answer(number)


@router.post("/purchase-orders/{number}/customs", response={200: PurchaseOrderOut, **ERROR_RESPONSES})
def record_customs(request: HttpRequest, number: str, payload: CustomsIn) -> Any:
    actions.record_customs(
        purchase_order=_purchase_order(request, number),
        actor=actor_of(request),
        documents=payload.documents,
        prepayment=payload.prepayment,
    )
    return _answer(number)


@router.post("/purchase-orders/{number}/clear", response={200: PurchaseOrderOut, **ERROR_RESPONSES})
def clear_customs(request: HttpRequest, number: str, payload: ClearIn) -> Any:
    actions.clear_customs(
        purchase_order=_purchase_order(request, number), actor=actor_of(request), cleared_at=payload.cleared_at
    )
    return _answer(number)


@router.post("/purchase-orders/{number}/receive", response={201: ReceiveOut, **ERROR_RESPONSES})
def receive_purchase_order(request: HttpRequest, number: str, payload: ReceiveIn) -> Status[Any]:
    actor = actor_of(request)

    def produce() -> tuple[int, Any]:
        receipt = actions.receive_purchase_order(
            purchase_order=_purchase_order(request, number),
            lines=[
                actions.ReceiveLine(line.sku, line.good, line.damaged, line.reason, line.bin) for line in payload.lines
            ],
            bin=payload.bin,
            note=payload.note,
            actor=actor,
        )
        return 201, {"receipt": receipt_out(receipt), "purchase_order": _answer(number)}

    return idempotent(request, produce)


@router.get("/purchase-orders/{number}/receipts", response={200: list[ReceiptOut], **ERROR_RESPONSES})
def list_receipts(request: HttpRequest, number: str) -> Any:
    actor = actor_of(request)
    purchase_order = _purchase_order(request, number)
    return [receipt_out(receipt) for receipt in queries.receipts(purchase_order=purchase_order, actor=actor)]


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@router.get("/purchase-orders/{number}/labels.pdf", response=ERROR_RESPONSES, openapi_extra={"responses": PDF})
def labels_pdf(request: HttpRequest, number: str, per: Literal["unit", "line"] = "line") -> HttpResponse:
    """Code 128 labels of the goods: one per ordered unit (`per=unit`) or one per line."""
    purchase_order = _purchase_order(request, number)
    return _pdf(documents.labels_pdf(purchase_order, per_unit=per == "unit"), f"{number}-labels.pdf")


@router.get("/purchase-orders/{number}/document.pdf", response=ERROR_RESPONSES, openapi_extra={"responses": PDF})
def purchase_order_pdf(request: HttpRequest, number: str) -> HttpResponse:
    return _pdf(documents.purchase_order_pdf(_purchase_order(request, number)), f"{number}.pdf")


@router.get("/purchase-orders/{number}/delivery-notice.pdf", response=ERROR_RESPONSES, openapi_extra={"responses": PDF})
def delivery_notice_pdf(request: HttpRequest, number: str) -> HttpResponse:
    return _pdf(documents.delivery_notice_pdf(_purchase_order(request, number)), f"{number}-delivery-notice.pdf")


# ---------------------------------------------------------------- suggestions


class SuggestionReasonOut(Schema):
    source: str
    quantity: int
    text: str


class SuggestionOut(Schema):
    sku: str
    name: str
    quantity: int
    unit_cost: Money | None
    min_order_quantity: int
    available: int
    in_transit: int
    reasons: list[SuggestionReasonOut]


class SuggestionGroupOut(Schema):
    supplier: str | None
    supplier_name: str | None
    warehouse: str
    total: Money
    lines: list[SuggestionOut]


@router.get("/purchase-suggestions", response={200: list[SuggestionGroupOut], **ERROR_RESPONSES})
def purchase_suggestions(request: HttpRequest) -> Any:
    """What to order and why (stockouts, presale, reorder points), grouped by supplier and warehouse."""
    return [
        {
            "supplier": group.supplier.code if group.supplier else None,
            "supplier_name": group.supplier.name if group.supplier else None,
            "warehouse": group.warehouse.code,
            "total": group.total,
            "lines": [
                {
                    "sku": item.sku.code,
                    "name": item.sku.name,
                    "quantity": item.quantity,
                    "unit_cost": item.unit_cost,
                    "min_order_quantity": item.min_order_quantity,
                    "available": item.available,
                    "in_transit": item.in_transit,
                    "reasons": [reason.__dict__ for reason in item.reasons],
                }
                for item in group.suggestions
            ],
        }
        for group in suggestions.compute_suggestions(actor=actor_of(request))
    ]
