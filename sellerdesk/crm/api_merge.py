"""/api/v1: merging duplicate customers, the duplicate candidates, the same buyer in other
shops, a customer's level by hand and the level thresholds. Parse, call one action or
query (crm.merging, crm.buyers, customers.tiers), answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.idempotency import idempotent
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.schemas import Money
from sellerdesk.crm import buyers, merging
from sellerdesk.customers import queries, tiers
from sellerdesk.customers.api import CustomerDetailOut, customer_detail_out
from sellerdesk.customers.models import Customer, CustomerLevel
from sellerdesk.shops.access import limit_to_visible_shops, visible_shop_ids
from sellerdesk.shops.models import Shop

router = Router(tags=["customers"])


class CustomerMergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keep: StrictInt
    duplicates: list[StrictInt] = Field(min_length=1, max_length=merging.MAX_DUPLICATES)
    reason: str = Field(min_length=1, max_length=merging.MAX_REASON_LENGTH)


class MergeOut(BaseModel):
    id: int
    merged: int
    merged_number: str
    moved: dict[str, int]


class MergeResultOut(BaseModel):
    kept: CustomerDetailOut
    merges: list[MergeOut]


class CandidateOut(BaseModel):
    id: int
    number: str
    identity: str
    nickname: str
    name: str
    phone: str
    order_count: int
    total_spent: Money
    last_order_at: datetime | None


class DuplicateGroupOut(BaseModel):
    phone: str
    customers: list[CandidateOut]


class SameBuyerOut(CandidateOut):
    shop: str
    shop_name: str


class SameBuyerTotalsOut(BaseModel):
    shops: int
    order_count: int
    total_spent: Money
    last_order_at: datetime | None


class SameBuyerAnswer(BaseModel):
    customers: list[SameBuyerOut]
    totals: SameBuyerTotalsOut


class CustomerLevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: str | None = Field(max_length=40)
    reason: str = Field(min_length=1, max_length=tiers.MAX_REASON_LENGTH)
    lock: StrictBool = True


class ThresholdsOut(BaseModel):
    id: int
    code: str
    name: str
    rank: int
    shop: str | None
    min_spent: Money | None
    min_orders: int | None


class ThresholdsPatch(BaseModel):
    """Only the fields sent change; null: not by this measure."""

    model_config = ConfigDict(extra="forbid")
    min_spent: Money | None = None
    min_orders: StrictInt | None = Field(default=None, ge=0)


def _candidate(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "number": customer.display_number,
        "identity": customer.identity,
        "nickname": customer.nickname,
        "name": customer.name,
        "phone": customer.phone,
        "order_count": customer.order_count,
        "total_spent": customer.total_spent,
        "last_order_at": customer.last_order_at,
    }


def _thresholds(level: CustomerLevel) -> dict[str, Any]:
    return {
        "id": level.pk,
        "code": level.code,
        "name": level.name,
        "rank": level.rank,
        "shop": level.shop.code if level.shop else None,
        "min_spent": level.min_spent,
        "min_orders": level.min_orders,
    }


def _customers_named(ids: list[int], field: str, actor: User | None) -> list[Customer]:
    # Another shop's customer is as unknown as a missing one (shops.access).
    visible = limit_to_visible_shops(Customer.objects.all(), actor)
    found = {customer.pk: customer for customer in visible.select_related("level").filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationFailed({field: _("unknown customer %(id)s") % {"id": missing[0]}})
    return [found[pk] for pk in ids]


@router.post("/customers/merge", response={200: MergeResultOut, **ERROR_RESPONSES})
def merge(request: HttpRequest, payload: CustomerMergeIn) -> Any:
    """Merge the duplicates into the customer kept (one shop); audited; idempotent with an
    Idempotency-Key."""
    actor = actor_of(request)
    require(actor, "customers.merge")  # before saying which ids exist
    [keep] = _customers_named([payload.keep], "keep", actor)
    duplicates = _customers_named(payload.duplicates, "duplicates", actor)

    def produce() -> tuple[int, Any]:
        merges = merging.merge_customers(keep=keep, duplicates=duplicates, actor=actor, reason=payload.reason)
        kept = queries.get_customer(customer_id=keep.pk, actor=None)
        return 200, {
            "kept": customer_detail_out(kept),
            "merges": [
                {"id": m.pk, "merged": m.merged_id, "merged_number": m.merged.display_number, "moved": m.moved}
                for m in merges
            ],
        }

    return idempotent(request, produce)


@router.get("/customers/duplicates", response={200: list[DuplicateGroupOut], **ERROR_RESPONSES})
def duplicates(request: HttpRequest, shop: str, limit: int = Query(50, ge=1, le=200)) -> Any:  # type: ignore[type-arg]
    """The shop's customers sharing a phone under different identities, by phone."""
    actor = actor_of(request)
    # A shop the actor may not see is as unknown as a missing one (shops.access).
    found = limit_to_visible_shops(Shop.objects.all(), actor, shop_field="pk").filter(code=shop).first()
    if found is None:
        raise ValidationFailed({"shop": _("unknown shop %(code)s") % {"code": shop}})
    groups = merging.duplicate_candidates(shop=found, actor=actor, limit=limit)
    return [{"phone": g.phone, "customers": [_candidate(c) for c in g.customers]} for g in groups]


@router.get("/customers/{int:customer_id}/same-buyer", response={200: SameBuyerAnswer, **ERROR_RESPONSES})
def same_buyer(request: HttpRequest, customer_id: int) -> Any:
    """The same buyer in the seller's other shops, with the totals over all of them."""
    actor = actor_of(request)
    customer = queries.get_customer(customer_id=customer_id, actor=actor)
    others = buyers.same_buyer(customer, visible=visible_shop_ids(actor))
    totals = buyers.buyer_totals(customer, others)
    return {
        "customers": [{**_candidate(other), "shop": other.shop.code, "shop_name": other.shop.name} for other in others],
        "totals": {
            "shops": totals.shops,
            "order_count": totals.order_count,
            "total_spent": totals.total_spent,
            "last_order_at": totals.last_order_at,
        },
    }


@router.post("/customers/{int:customer_id}/level", response={200: CustomerDetailOut, **ERROR_RESPONSES})
def set_level(request: HttpRequest, customer_id: int, payload: CustomerLevelIn) -> Any:
    """Give the customer a level by hand (null: none) with the reason; `lock` (default)
    keeps the automatic tiers from moving it."""
    actor = actor_of(request)
    customer = queries.get_customer(customer_id=customer_id, actor=actor)
    require(actor, "customers.edit")
    level = None
    if payload.level is not None:
        level = tiers.level_by_code(shop_id=customer.shop_id, code=payload.level)
        if level is None:
            raise ValidationFailed(
                {"level": _("unknown customer level %(code)s for this shop") % {"code": payload.level}}
            )
    tiers.set_level(customer=customer, level=level, actor=actor, reason=payload.reason, lock=payload.lock)
    return customer_detail_out(queries.get_customer(customer_id=customer_id, actor=None))


@router.get("/customer-levels/thresholds", response={200: list[ThresholdsOut], **ERROR_RESPONSES})
def list_thresholds(request: HttpRequest, shop: str = "") -> Any:
    """Every level (or those of one shop and the global ones) with its thresholds."""
    return [_thresholds(level) for level in queries.levels(actor=actor_of(request), shop_code=shop)]


@router.patch("/customer-levels/{int:level_id}", response={200: ThresholdsOut, **ERROR_RESPONSES})
def update_thresholds(request: HttpRequest, level_id: int, payload: ThresholdsPatch) -> Any:
    """Change a level's thresholds; audited; customers move at the next hourly promotion."""
    actor = actor_of(request)
    require(actor, "customers.edit")
    level = CustomerLevel.objects.select_related("shop").filter(pk=level_id).first()
    if level is None:
        raise NotFound(_("No customer level %(id)s.") % {"id": level_id}, details={"id": level_id})
    sent = payload.model_fields_set
    level = tiers.set_thresholds(
        level=level,
        actor=actor,
        min_spent=payload.min_spent if "min_spent" in sent else level.min_spent,
        min_orders=payload.min_orders if "min_orders" in sent else level.min_orders,
    )
    return _thresholds(CustomerLevel.objects.select_related("shop").get(pk=level.pk))
