"""/api/v1/skus: a SKU with its stock figures, and setting its stock on hand. The SKU
is catalog's; these answers carry stock, so they live in inventory (above catalog)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from sellerdesk.catalog import actions
from sellerdesk.catalog.models import Sku
from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.idempotency import idempotent
from sellerdesk.core.permissions import require
from sellerdesk.core.schemas import Money
from sellerdesk.inventory import actions as stock_actions
from sellerdesk.inventory.models import Warehouse
from sellerdesk.inventory.queries import stock_of

# Tagged "catalog", with the operation ids they had there: the OpenAPI document is as before.
router = Router(tags=["catalog"])


class SkuIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
    name: str = Field(min_length=1, max_length=200)
    price: Money
    attributes: dict[str, str] = Field(default_factory=dict, max_length=20)
    barcode: str | None = Field(default=None, min_length=4, max_length=64, pattern=r"^[A-Za-z0-9\-]+$")
    # Fulfilled by a supplier (分销/代销): no stock of ours is reserved for it.
    is_dropship: bool = False

    @field_validator("attributes")
    @classmethod
    def short_attributes(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            if not 1 <= len(key) <= 20 or len(text) > 50:
                raise ValueError("attribute names 1–20 characters, values at most 50")
        return value


class SkuChangesIn(BaseModel):
    """Fields of a SKU to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    price: Money | None = None
    barcode: str | None = Field(default=None, min_length=4, max_length=64, pattern=r"^[A-Za-z0-9\-]+$")
    is_dropship: bool | None = None


class StockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on_hand: StrictInt = Field(ge=0, le=10_000_000)
    warehouse: str | None = Field(default=None, max_length=40)
    note: str = Field(default="", max_length=200)


class StockOut(BaseModel):
    on_hand: int
    reserved: int
    available: int


class SkuOut(BaseModel):
    code: str
    name: str
    price: Money
    attributes: dict[str, str]
    barcode: str | None
    is_dropship: bool
    stock: StockOut


def sku_out(sku: Sku) -> dict[str, Any]:
    figures = stock_of(sku.pk)
    return {
        "code": sku.code,
        "name": sku.name,
        "price": sku.price,
        "attributes": sku.attributes,
        "barcode": sku.barcode,
        "is_dropship": sku.is_dropship,
        "stock": {"on_hand": figures.on_hand, "reserved": figures.reserved, "available": figures.available},
    }


def _sku(request: HttpRequest, code: str) -> Sku:
    require(actor_of(request), "catalog.view")
    sku = None if "\x00" in code else Sku.objects.filter(code=code).first()
    if sku is None:
        raise NotFound(_("No SKU %(code)s.") % {"code": code}, details={"code": code})
    return sku


@router.post("/skus", response={201: SkuOut, **ERROR_RESPONSES}, operation_id="sellerdesk_catalog_api_create_sku")
def create_sku(request: HttpRequest, payload: SkuIn) -> Status[Any]:
    def produce() -> tuple[int, Any]:
        sku = actions.create_sku(
            actor=actor_of(request),
            code=payload.code,
            name=payload.name.strip(),
            price=payload.price,
            attributes=payload.attributes,
            barcode=payload.barcode,
            is_dropship=payload.is_dropship,
        )
        return 201, sku_out(sku)

    return idempotent(request, produce)


@router.get("/skus/{code}", response={200: SkuOut, **ERROR_RESPONSES}, operation_id="sellerdesk_catalog_api_get_sku")
def get_sku(request: HttpRequest, code: str) -> Any:
    return sku_out(_sku(request, code))


@router.patch(
    "/skus/{code}", response={200: SkuOut, **ERROR_RESPONSES}, operation_id="sellerdesk_catalog_api_update_sku"
)
def update_sku(request: HttpRequest, code: str, payload: SkuChangesIn) -> Any:
    """Change a SKU's name, price, barcode or dropship flag; fields left out stay."""
    changes = actions.SkuChanges(
        name=payload.name.strip() if payload.name is not None else None,
        price=payload.price,
        barcode=payload.barcode,
        is_dropship=payload.is_dropship,
    )
    return sku_out(actions.update_sku(actor=actor_of(request), sku=_sku(request, code), changes=changes))


@router.put(
    "/skus/{code}/stock", response={200: SkuOut, **ERROR_RESPONSES}, operation_id="sellerdesk_catalog_api_set_stock"
)
def set_stock(request: HttpRequest, code: str, payload: StockIn) -> Any:
    sku = _sku(request, code)
    warehouse = None
    if payload.warehouse:
        warehouse = Warehouse.objects.filter(code=payload.warehouse).first()
        if warehouse is None:
            raise ValidationFailed({"warehouse": _("unknown warehouse %(code)s") % {"code": payload.warehouse}})
    stock_actions.set_on_hand(
        sku=sku, on_hand=payload.on_hand, warehouse=warehouse, actor=actor_of(request), note=payload.note
    )
    return sku_out(sku)
