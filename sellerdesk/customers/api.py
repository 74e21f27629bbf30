"""/api/v1/customers and /api/v1/customer-levels: parse, call one action or query, answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.idempotency import idempotent
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.core.permissions import require
from sellerdesk.core.schemas import Money
from sellerdesk.customers import actions, queries
from sellerdesk.customers.models import Customer, CustomerLevel
from sellerdesk.shops.models import Shop

router = Router(tags=["customers"])


class LevelOut(BaseModel):
    code: str
    name: str
    rank: int
    shop: str | None


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = Field(min_length=1, max_length=50)
    rank: StrictInt = Field(default=0, ge=0, le=32767)
    shop: str | None = Field(default=None, max_length=40)


class CustomerOut(BaseModel):
    id: int
    shop: str
    nickname: str
    name: str
    phone: str
    order_count: int
    total_spent: Money
    level: LevelOut | None
    is_b2b: bool
    credit_limit: Money
    payment_terms_days: int
    discount_note: str
    agent: str | None
    delivery_area: str
    unloading_notes: str
    delivery_requirements: str
    delayed_order_handling: str
    number: str
    # The seller's number, else C + the id: what the pages show.
    display_number: str
    route_order: int | None
    transport_mode: str
    vehicle: str
    last_order_at: datetime | None


class CustomerDetailOut(CustomerOut):
    credit_used: Money
    remaining_credit: Money


class CustomerPage(BaseModel):
    items: list[CustomerOut]
    count: int
    page: int
    pages: int


class CustomerPatch(BaseModel):
    """Only the fields sent change; `level` and `agent` may be null to clear them."""

    model_config = ConfigDict(extra="forbid")
    level: str | None = Field(default=None, max_length=40)
    is_b2b: StrictBool | None = None
    credit_limit: Money | None = None
    payment_terms_days: StrictInt | None = Field(default=None, ge=0, le=actions.MAX_PAYMENT_TERMS_DAYS)
    discount_note: str | None = Field(default=None, max_length=200)
    agent: str | None = Field(default=None, max_length=150)
    delivery_area: str | None = Field(default=None, max_length=100)
    unloading_notes: str | None = Field(default=None, max_length=300)
    delivery_requirements: str | None = Field(default=None, max_length=300)
    delayed_order_handling: str | None = Field(default=None, max_length=300)
    number: str | None = Field(default=None, max_length=30)
    # null clears it: the customer has no place in the delivery round.
    route_order: StrictInt | None = Field(default=None, ge=0, le=actions.MAX_ROUTE_ORDER)
    transport_mode: str | None = Field(default=None, max_length=20)
    vehicle: str | None = Field(default=None, max_length=50)


def level_out(level: CustomerLevel) -> dict[str, Any]:
    return {"code": level.code, "name": level.name, "rank": level.rank, "shop": level.shop.code if level.shop else None}


def customer_out(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "shop": customer.shop.code,
        "nickname": customer.nickname,
        "name": customer.name,
        "phone": customer.phone,
        "order_count": customer.order_count,
        "total_spent": customer.total_spent,
        "level": level_out(customer.level) if customer.level else None,
        "is_b2b": customer.is_b2b,
        "credit_limit": customer.credit_limit,
        "payment_terms_days": customer.payment_terms_days,
        "discount_note": customer.discount_note,
        "agent": customer.agent.username if customer.agent else None,
        "delivery_area": customer.delivery_area,
        "unloading_notes": customer.unloading_notes,
        "delivery_requirements": customer.delivery_requirements,
        "delayed_order_handling": customer.delayed_order_handling,
        "number": customer.number,
        "display_number": customer.display_number,
        "route_order": customer.route_order,
        "transport_mode": customer.transport_mode,
        "vehicle": customer.vehicle,
        "last_order_at": customer.last_order_at,
    }


def customer_detail_out(customer: Customer) -> dict[str, Any]:
    used = queries.CREDIT_USED.get()(customer)
    return {
        **customer_out(customer),
        "credit_used": used,
        "remaining_credit": max(to_money(customer.credit_limit) - used, ZERO),
    }


@router.get("/customers", response={200: CustomerPage, **ERROR_RESPONSES})
def list_customers(request: HttpRequest, filters: Query[queries.CustomerFilters]) -> Any:
    page = queries.search_customers(filters=filters, actor=actor_of(request))
    return {
        "items": [customer_out(customer) for customer in page.object_list],
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
    }


@router.get("/customers/{int:customer_id}", response={200: CustomerDetailOut, **ERROR_RESPONSES})
def get_customer(request: HttpRequest, customer_id: int) -> Any:
    return customer_detail_out(queries.get_customer(customer_id=customer_id, actor=actor_of(request)))


def _changes(customer: Customer, payload: CustomerPatch) -> dict[str, Any]:
    """The payload's fields as values for actions.update_customer, codes and usernames
    looked up; an unknown one is a ValidationFailed naming it."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in payload.model_fields_set:
        value = getattr(payload, field)
        if field == "level" and value is not None:
            found = [
                level for level in CustomerLevel.objects.filter(code=value) if level.shop_id in (None, customer.shop_id)
            ]
            # The shop's own level wins over a global one with the same code.
            value = min(found, key=lambda level: level.shop_id is None, default=None)
            if value is None:
                errors[field] = _("unknown customer level %(code)s for this shop") % {"code": getattr(payload, field)}
        elif field == "agent" and value is not None:
            value = User.objects.filter(username=value).first()
            if value is None:
                errors[field] = _("unknown user %(username)s") % {"username": getattr(payload, field)}
        elif value is None and field not in ("level", "agent", "route_order"):
            errors[field] = _("must not be null")
        changes[field] = value
    if errors:
        raise ValidationFailed(errors)
    return changes


@router.patch("/customers/{int:customer_id}", response={200: CustomerDetailOut, **ERROR_RESPONSES})
def update_customer(request: HttpRequest, customer_id: int, payload: CustomerPatch) -> Any:
    customer = queries.get_customer(customer_id=customer_id, actor=actor_of(request))
    require(actor_of(request), "customers.edit")  # before looking up what the body names
    actions.update_customer(customer=customer, actor=actor_of(request), changes=_changes(customer, payload))
    return customer_detail_out(queries.get_customer(customer_id=customer_id, actor=None))


@router.get("/customer-levels", response={200: list[LevelOut], **ERROR_RESPONSES})
def list_levels(request: HttpRequest, shop: str = "") -> Any:
    return [level_out(level) for level in queries.levels(actor=actor_of(request), shop_code=shop)]


@router.post("/customer-levels", response={201: LevelOut, **ERROR_RESPONSES})
def create_level(request: HttpRequest, payload: LevelIn) -> Status[Any]:
    shop = None
    if payload.shop:
        shop = Shop.objects.filter(code=payload.shop).first()
        if shop is None:
            raise ValidationFailed({"shop": _("unknown shop %(code)s") % {"code": payload.shop}})

    def produce() -> tuple[int, Any]:
        level = actions.create_customer_level(
            actor=actor_of(request), code=payload.code, name=payload.name, rank=payload.rank, shop=shop
        )
        return 201, level_out(level)

    return idempotent(request, produce)
