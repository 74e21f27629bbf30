"""/api/v1 dropship (分销/代销): the staff's dropship purchases and the supplier's own
purchase orders. Parse, call one action or query of purchasing.dropship, answer.

A supplier's token reaches only /supplier/…; another supplier's purchase order is 404.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.idempotency import idempotent
from sellerdesk.core.schemas import Money
from sellerdesk.orders import queries as order_queries
from sellerdesk.orders.schemas import Strict
from sellerdesk.purchasing import dropship
from sellerdesk.purchasing.buyer_privacy import ship_to_for_supplier
from sellerdesk.purchasing.models import PurchaseKind, PurchaseOrder, PurchaseStatus

router = Router(tags=["dropship"])

PAGE_SIZE = 50


class SupplierRef(Schema):
    code: str
    name: str


class DropshipLineOut(Schema):
    sku: str
    name: str
    quantity: int
    unit_cost: Money


class DropshipPurchaseOut(Schema):
    number: str
    supplier: SupplierRef
    status: PurchaseStatus
    order: str | None
    lines: list[DropshipLineOut]
    total: Money
    created_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    settled_at: datetime | None
    carrier: str
    tracking_number: str


class DropshipPage(Schema):
    items: list[DropshipPurchaseOut]
    count: int
    page: int


class DropshipFilters(Schema):
    supplier: str = Field(default="", max_length=40)
    status: PurchaseStatus | None = None
    page: int = Field(default=1, ge=1, le=100_000)


class ShipTo(Schema):
    """What the supplier needs to ship to the buyer, and nothing more."""

    name: str
    phone: str
    address: str
    no_price_slip: bool
    # Set once the buyer is masked (settled long enough ago; purchasing.buyer_privacy): why.
    masked_reason: str | None = None


class SupplierPurchaseOut(Schema):
    number: str
    kind: PurchaseKind
    status: PurchaseStatus
    created_at: datetime
    expected_at: str | None
    lines: list[DropshipLineOut]
    total: Money
    paid: bool
    ship_to: ShipTo | None
    carrier: str
    tracking_number: str
    shipped_at: datetime | None


class SupplierFilters(Schema):
    status: PurchaseStatus | None = None


Carrier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=dropship.MAX_CARRIER)]
Tracking = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class DropshipShipIn(Strict):
    carrier: Carrier
    tracking_number: Tracking


def _lines(purchase: PurchaseOrder) -> list[dict[str, Any]]:
    return [
        {
            "sku": line.sku.code,
            "name": line.sku.name,
            "quantity": line.quantity,
            "unit_cost": line.unit_cost,
        }
        for line in purchase.lines.all()
    ]


def _total(purchase: PurchaseOrder) -> Decimal:
    return sum((line.unit_cost * line.quantity for line in purchase.lines.all()), Decimal("0.00"))


def dropship_out(purchase: PurchaseOrder) -> dict[str, Any]:
    return {
        "number": purchase.number,
        "supplier": {"code": purchase.supplier.code, "name": purchase.supplier.name},
        "status": purchase.status,
        "order": purchase.for_order.number if purchase.for_order else None,
        "lines": _lines(purchase),
        "total": _total(purchase),
        "created_at": purchase.created_at,
        "paid_at": purchase.paid_at,
        "shipped_at": purchase.shipped_at,
        "settled_at": purchase.settled_at,
        "carrier": purchase.carrier,
        "tracking_number": purchase.tracking_number,
    }


def supplier_out(purchase: PurchaseOrder) -> dict[str, Any]:
    shown = ship_to_for_supplier(purchase)
    ship_to = asdict(shown) if shown is not None else None
    return {
        "number": purchase.number,
        "kind": purchase.kind,
        "status": purchase.status,
        "created_at": purchase.created_at,
        "expected_at": purchase.expected_at.isoformat() if purchase.expected_at else None,
        "lines": _lines(purchase),
        "total": _total(purchase),
        "paid": purchase.paid_at is not None,
        "ship_to": ship_to,
        "carrier": purchase.carrier,
        "tracking_number": purchase.tracking_number,
        "shipped_at": purchase.shipped_at,
    }


# --- staff ---------------------------------------------------------------------------


@router.get("/dropship-purchases", response={200: DropshipPage, **ERROR_RESPONSES})
def list_dropship_purchases(request: HttpRequest, filters: Query[DropshipFilters]) -> Any:
    purchases = dropship.dropship_purchases(
        actor=actor_of(request), supplier=filters.supplier.strip() or None, status=filters.status
    )
    page = Paginator(purchases, PAGE_SIZE).get_page(filters.page)
    return {"items": [dropship_out(p) for p in page.object_list], "count": page.paginator.count, "page": page.number}


@router.get("/dropship-purchases/{number}", response={200: DropshipPurchaseOut, **ERROR_RESPONSES})
def get_dropship_purchase(request: HttpRequest, number: str) -> Any:
    return dropship_out(dropship.get_dropship_purchase(actor=actor_of(request), number=number))


@router.post("/dropship-purchases/{number}/pay", response={200: DropshipPurchaseOut, **ERROR_RESPONSES})
def pay_dropship_purchase(request: HttpRequest, number: str) -> Any:
    actor = actor_of(request)
    purchase = dropship.pay_dropship_purchase(
        purchase=dropship.get_dropship_purchase(actor=actor, number=number), actor=actor
    )
    return dropship_out(dropship.get_dropship_purchase(actor=actor, number=purchase.number))


@router.post("/orders/{number}/dropship", response={201: list[DropshipPurchaseOut], **ERROR_RESPONSES})
def create_dropship_purchase(request: HttpRequest, number: str) -> Status[Any]:
    actor = actor_of(request)

    def produce() -> tuple[int, Any]:
        order = order_queries.get_order(number=number, actor=actor)
        purchases = dropship.create_dropship_purchase(order=order, actor=actor)
        return 201, [dropship_out(dropship.get_dropship_purchase(actor=actor, number=p.number)) for p in purchases]

    return idempotent(request, produce)


# --- the supplier ----------------------------------------------------------------------


@router.get("/supplier/purchase-orders", response={200: list[SupplierPurchaseOut], **ERROR_RESPONSES})
def list_supplier_purchases(request: HttpRequest, filters: Query[SupplierFilters]) -> Any:
    purchases = dropship.supplier_purchases(actor=actor_of(request), status=filters.status)
    return [supplier_out(purchase) for purchase in purchases[:500]]


@router.get("/supplier/purchase-orders/{number}", response={200: SupplierPurchaseOut, **ERROR_RESPONSES})
def get_supplier_purchase(request: HttpRequest, number: str) -> Any:
    return supplier_out(dropship.get_supplier_purchase(actor=actor_of(request), number=number))


@router.post("/supplier/purchase-orders/{number}/ship", response={200: SupplierPurchaseOut, **ERROR_RESPONSES})
def ship_supplier_purchase(request: HttpRequest, number: str, payload: DropshipShipIn) -> Any:
    actor = actor_of(request)
    purchase = dropship.get_supplier_purchase(actor=actor, number=number)
    dropship.ship_dropship_purchase(
        purchase=purchase, actor=actor, carrier=payload.carrier, tracking_number=payload.tracking_number
    )
    return supplier_out(dropship.get_supplier_purchase(actor=actor, number=number))
