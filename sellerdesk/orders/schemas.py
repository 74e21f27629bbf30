from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

from sellerdesk.core.addresses import normalize_province, parse_address
from sellerdesk.core.schemas import Code, Money, Name, Phone, Text, UnitPrice, money_at_most
from sellerdesk.orders.actions import MAX_SHIPPING_FEE
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import allowed_actions

MAX_LINES: int = settings.SELLERDESK["MAX_ORDER_LINES"]
MAX_QUANTITY: int = settings.SELLERDESK["MAX_LINE_QUANTITY"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BuyerIn(Strict):
    name: Name
    phone: Phone
    nickname: str = Field(default="", max_length=100)


class AddressIn(Strict):
    province: str = Field(min_length=2, max_length=20)
    city: str = Field(min_length=2, max_length=30)
    district: str = Field(default="", max_length=30)
    detail: str = Field(min_length=2, max_length=200)

    @field_validator("province")
    @classmethod
    def known_province(cls, value: str) -> str:
        province = normalize_province(value)
        if province is None:
            raise ValueError("not a province of China")
        return province

    @field_validator("city", "district", "detail")
    @classmethod
    def stripped(cls, value: str) -> str:
        return value.strip()


class LineIn(Strict):
    sku: Code
    quantity: StrictInt = Field(gt=0, le=MAX_QUANTITY)
    unit_price: UnitPrice | None = None


class OrderIn(Strict):
    shop: str | None = Field(default=None, max_length=40)
    external_id: str = Field(default="", max_length=64)
    source: Literal["inquiry", "silent", "cod", "remittance", "phone", "manual", "api"] = "api"
    buyer: BuyerIn
    address: AddressIn  # or one string: "浙江省杭州市西湖区文三路90号"
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)
    payment_method: Literal["online", "cod", "remittance"] | None = None
    shipping_method: Literal["express", "post"] = "express"
    shipping_fee: money_at_most(MAX_SHIPPING_FEE) = Decimal("0.00")  # type: ignore[valid-type]  # the form's limit
    buyer_message: Text = ""

    @field_validator("address", mode="before")
    @classmethod
    def parse_one_line(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not 6 <= len(value.strip()) <= 250:
                raise ValueError("give the full address: province, city, district, street")
            parsed = parse_address(value)
            if parsed is None or len(parsed.detail) < 2:
                raise ValueError("cannot read province, city and street from this address")
            return {
                "province": parsed.province,
                "city": parsed.city,
                "district": parsed.district,
                "detail": parsed.detail,
            }
        return value

    @model_validator(mode="after")
    def payment_defaults(self) -> OrderIn:
        if self.payment_method is None:
            self.payment_method = (
                "cod" if self.source == "cod" else "remittance" if self.source == "remittance" else "online"
            )
        return self


class BuyerOut(BaseModel):
    name: str
    phone: str
    nickname: str


class AddressOut(BaseModel):
    province: str
    city: str
    district: str
    detail: str


class LineOut(BaseModel):
    sku: str
    name: str
    quantity: int
    unit_price: Money


class FlagOut(BaseModel):
    color: str
    reason: str


class InstructionsOut(BaseModel):
    no_price_slip: bool
    no_invoice: bool
    is_gift: bool
    fragile: bool
    reinforced_packaging: bool
    preferred_carrier: str
    delivery_notes: list[str]
    unrecognised: str


class OrderOut(BaseModel):
    number: str
    shop: str
    external_id: str
    source: str
    status: str
    payment_status: str
    payment_method: str
    shipping_method: str
    subtotal: Money
    shipping_fee: Money
    total: Money
    paid_amount: Money
    refunded_amount: Money
    pay_deadline: datetime | None
    buyer: BuyerOut
    address: AddressOut
    lines: list[LineOut]
    buyer_message: str
    instructions: InstructionsOut
    flag: FlagOut
    # The username of the agent the order is assigned to (the order list's "assign").
    assignee: str | None
    carrier: str | None
    tracking_number: str | None
    auto_confirm_at: datetime | None
    created_at: datetime
    allowed_actions: list[str]


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value else None


def order_out(order: Order) -> dict[str, Any]:
    lines = getattr(order, "placed_lines", None) or order.lines.all()
    return {
        "number": order.number,
        "shop": order.shop.code,
        "external_id": order.external_id,
        "source": order.source,
        "status": order.status,
        "payment_status": order.payment_status,
        "payment_method": order.payment_method,
        "shipping_method": order.shipping_method,
        "subtotal": order.subtotal,
        "shipping_fee": order.shipping_fee,
        "total": order.total,
        "paid_amount": order.paid_amount,
        "refunded_amount": order.refunded_amount,
        "pay_deadline": _local(order.pay_deadline),
        "buyer": {"name": order.buyer_name, "phone": order.buyer_phone, "nickname": order.buyer_nickname},
        "address": {
            "province": order.province,
            "city": order.city,
            "district": order.district,
            "detail": order.address_detail,
        },
        "lines": [
            {"sku": line.sku_code, "name": line.name, "quantity": line.quantity, "unit_price": line.unit_price}
            for line in lines
        ],
        "buyer_message": order.buyer_message,
        "instructions": order.buyer_instructions.as_dict(),
        "flag": {"color": order.flag_color, "reason": order.flag_reason},
        "assignee": order.assignee.username if order.assignee is not None else None,
        "carrier": order.carrier or None,
        "tracking_number": order.tracking_number or None,
        "auto_confirm_at": _local(order.auto_confirm_at),
        "created_at": _local(order.created_at),
        "allowed_actions": [action.value for action in allowed_actions(order.status)],
    }


class OrderPage(BaseModel):
    items: list[OrderOut]
    count: int
    page: int
    pages: int


class PaymentIn(Strict):
    amount: Money
    method: Literal["online", "remittance", "cod"]
    reference: str = Field(default="", max_length=100)


class PaymentOut(BaseModel):
    id: int
    amount: Money
    method: str
    reference: str
    received_at: datetime
    order: OrderOut


class CancelIn(Strict):
    reason: str = Field(min_length=1, max_length=200)


class ShipIn(Strict):
    carrier: str = Field(min_length=1, max_length=50)
    tracking_number: str = Field(min_length=4, max_length=64, pattern=r"^[A-Za-z0-9\-]+$")


class NoteIn(Strict):
    text: str = Field(min_length=1, max_length=500)


class NoteOut(BaseModel):
    id: int
    text: str
    author: str
    at: datetime
    display: str


class PriceLineIn(Strict):
    position: StrictInt = Field(ge=1, le=MAX_LINES)
    unit_price: UnitPrice


class RepriceIn(Strict):
    lines: list[PriceLineIn] = Field(min_length=1, max_length=MAX_LINES)
    reason: str = Field(default="", max_length=200)


class FlagIn(Strict):
    color: Literal["", "red", "orange", "yellow", "green", "blue", "purple"]
    reason: str = Field(default="", max_length=200)


class EventOut(BaseModel):
    type: str
    at: datetime
    actor: str | None
    data: dict[str, Any]
    # The event's sentence rendered from data's code and parameters, in the request's language.
    text: str = ""


# --- review and the exception queue ------------------------------------------------


class HoldIn(Strict):
    reason: str = Field(min_length=1, max_length=500)


class ReleaseIn(Strict):
    note: str = Field(default="", max_length=500)


class FindingOut(BaseModel):
    code: str
    message: str
    suggestion: dict[str, Any] | None


class ReviewOut(BaseModel):
    outcome: Literal["approved", "held", "reviewed"]
    rules_passed: list[str]
    findings: list[FindingOut]
    order: OrderOut


class HoldOut(BaseModel):
    reason: str
    label: str
    message: str
    suggestion: dict[str, Any] | None
    created_at: datetime
    created_by: str | None


class QueueItemOut(BaseModel):
    number: str
    shop: str
    buyer_name: str
    total: Decimal
    flag: dict[str, str]
    held_at: datetime | None
    holds: list[HoldOut]


class QueueFilters(BaseModel):
    reason: str | None = Field(default=None, max_length=40)
    shop: str | None = Field(default=None, max_length=40)
    page: int = Field(default=1, ge=1, le=100_000)


class QueuePageOut(BaseModel):
    items: list[QueueItemOut]
    count: int
    page: int
    pages: int
    counts: dict[str, int]


def hold_out(hold: Any) -> dict[str, Any]:
    from sellerdesk.orders.review.rules import reason_label

    return {
        "reason": hold.reason,
        "label": reason_label(hold.reason),
        "message": hold.message_text,
        "suggestion": hold.suggestion,
        "created_at": timezone.localtime(hold.created_at),
        "created_by": hold.created_by.username if hold.created_by else None,
    }


def queue_item_out(order: Order) -> dict[str, Any]:
    holds = getattr(order, "open_holds", [])
    return {
        "number": order.number,
        "shop": order.shop.code,
        "buyer_name": order.buyer_name,
        "total": order.total,
        "flag": {"color": order.flag_color, "reason": order.flag_reason},
        "held_at": _local(holds[0].created_at) if holds else None,
        "holds": [hold_out(hold) for hold in holds],
    }
