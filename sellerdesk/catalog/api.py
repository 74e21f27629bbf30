"""/api/v1/price-lists (the SKU endpoints answer with stock: sellerdesk.inventory.api_skus)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from sellerdesk.catalog.models import PriceList
from sellerdesk.catalog.pricing import actions as pricing_actions
from sellerdesk.catalog.pricing import queries as pricing_queries
from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.idempotency import idempotent
from sellerdesk.core.schemas import BusinessDatetime, Money

router = Router(tags=["catalog"])


# Price lists (阶梯价): /api/v1/price-lists


class PriceTierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(min_length=1, max_length=64)
    min_quantity: StrictInt = Field(ge=1, le=10_000_000)
    unit_price: Money


class PriceListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    shop: str | None = Field(default=None, max_length=40)
    level: str | None = Field(default=None, max_length=40)
    valid_from: BusinessDatetime | None = None
    valid_to: BusinessDatetime | None = None
    is_active: bool = True
    items: list[PriceTierIn] = Field(default_factory=list, max_length=pricing_actions.MAX_TIERS)


class PriceTierOut(BaseModel):
    sku: str
    min_quantity: int
    unit_price: Money


class PriceListOut(BaseModel):
    id: int
    name: str
    shop: str | None
    level: str | None
    valid_from: datetime | None
    valid_to: datetime | None
    is_active: bool
    items: list[PriceTierOut]


def price_list_out(price_list: PriceList) -> dict[str, Any]:
    return {
        "id": price_list.pk,
        "name": price_list.name,
        "shop": price_list.shop.code if price_list.shop else None,
        "level": price_list.level.code if price_list.level else None,
        "valid_from": timezone.localtime(price_list.valid_from) if price_list.valid_from else None,
        "valid_to": timezone.localtime(price_list.valid_to) if price_list.valid_to else None,
        "is_active": price_list.is_active,
        "items": [
            {"sku": item.sku.code, "min_quantity": item.min_quantity, "unit_price": item.unit_price}
            for item in sorted(price_list.items.all(), key=lambda item: (item.sku.code, item.min_quantity))
        ],
    }


def _price_list_draft(payload: PriceListIn) -> pricing_actions.PriceListDraft:
    return pricing_actions.PriceListDraft(
        name=payload.name,
        shop_code=payload.shop or "",
        level_code=payload.level or "",
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        is_active=payload.is_active,
        items=[pricing_actions.TierDraft(item.sku, item.min_quantity, item.unit_price) for item in payload.items],
    )


def _price_list_answer(price_list_id: int) -> dict[str, Any]:
    return price_list_out(pricing_queries.get_price_list(price_list_id=price_list_id, actor=None))


@router.get("/price-lists", response={200: list[PriceListOut], **ERROR_RESPONSES})
def list_price_lists(request: HttpRequest) -> Any:
    return [price_list_out(found) for found in pricing_queries.price_lists(actor=actor_of(request))]


@router.post("/price-lists", response={201: PriceListOut, **ERROR_RESPONSES})
def create_price_list(request: HttpRequest, payload: PriceListIn) -> Status[Any]:
    def produce() -> tuple[int, Any]:
        created = pricing_actions.create_price_list(actor=actor_of(request), draft=_price_list_draft(payload))
        return 201, _price_list_answer(created.pk)

    return idempotent(request, produce)


@router.get("/price-lists/{price_list_id}", response={200: PriceListOut, **ERROR_RESPONSES})
def get_price_list(request: HttpRequest, price_list_id: int) -> Any:
    return price_list_out(pricing_queries.get_price_list(price_list_id=price_list_id, actor=actor_of(request)))


@router.put("/price-lists/{price_list_id}", response={200: PriceListOut, **ERROR_RESPONSES})
def replace_price_list(request: HttpRequest, price_list_id: int, payload: PriceListIn) -> Any:
    found = pricing_queries.get_price_list(price_list_id=price_list_id, actor=actor_of(request))
    pricing_actions.replace_price_list(actor=actor_of(request), price_list=found, draft=_price_list_draft(payload))
    return _price_list_answer(found.pk)


@router.delete("/price-lists/{price_list_id}", response={204: None, **ERROR_RESPONSES})
def delete_price_list(request: HttpRequest, price_list_id: int) -> Status[None]:
    found = pricing_queries.get_price_list(price_list_id=price_list_id, actor=actor_of(request))
    pricing_actions.delete_price_list(actor=actor_of(request), price_list=found)
    return Status(204, None)
