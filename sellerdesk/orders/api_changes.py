"""/api/v1/orders/{number}/lines, /address, /carrier: changes during the hold buffer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.schemas import UnitPrice
from sellerdesk.orders import changes
from sellerdesk.orders.api_helpers import order_answer, requested_order
from sellerdesk.orders.schemas import OrderOut

router = Router(tags=["orders"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LineChangeIn(Strict):
    line: StrictInt | None = Field(default=None, ge=1, description="The line's position; none adds a line.")
    sku: str | None = Field(default=None, min_length=1, max_length=64)
    quantity: StrictInt | None = Field(default=None, ge=1, le=changes.MAX_QUANTITY)
    unit_price: UnitPrice | None = None
    remove: StrictBool = False


class LinesIn(Strict):
    changes: list[LineChangeIn] = Field(min_length=1, max_length=100)


class AddressChangeIn(Strict):
    province: str = Field(max_length=20)
    city: str = Field(max_length=30)
    district: str = Field(default="", max_length=30)
    detail: str = Field(max_length=200)


class CarrierChangeIn(Strict):
    carrier: str = Field(min_length=1, max_length=20)


@router.patch("/orders/{number}/lines", response={200: OrderOut, **ERROR_RESPONSES})
def change_lines(request: HttpRequest, number: str, payload: LinesIn) -> Any:
    order = changes.change_order_lines(
        order=requested_order(request, number),
        actor=actor_of(request),
        changes=[
            changes.LineChange(
                line=change.line,
                sku=change.sku.strip() if change.sku else None,
                quantity=change.quantity,
                unit_price=Decimal(change.unit_price) if change.unit_price is not None else None,
                remove=change.remove,
            )
            for change in payload.changes
        ],
    )
    return order_answer(order.number)


@router.put("/orders/{number}/address", response={200: OrderOut, **ERROR_RESPONSES})
def correct_address(request: HttpRequest, number: str, payload: AddressChangeIn) -> Any:
    order = changes.correct_address(
        order=requested_order(request, number),
        actor=actor_of(request),
        address=changes.NewAddress(payload.province, payload.city, payload.district, payload.detail),
    )
    return order_answer(order.number)


@router.put("/orders/{number}/carrier", response={200: OrderOut, **ERROR_RESPONSES})
def choose_carrier(request: HttpRequest, number: str, payload: CarrierChangeIn) -> Any:
    order = changes.choose_carrier(
        order=requested_order(request, number), actor=actor_of(request), carrier_code=payload.carrier
    )
    return order_answer(order.number)
