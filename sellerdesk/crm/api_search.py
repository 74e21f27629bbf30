"""GET /api/v1/search?q=: the one search box as JSON (crm.search.search_everything)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import BaseModel, Field

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.schemas import Money
from sellerdesk.crm.search import MAX_QUERY_LENGTH, Group, search_everything

router = Router(tags=["search"])


class SearchIn(BaseModel):
    q: str = Field(min_length=1, max_length=MAX_QUERY_LENGTH)
    limit: int = Field(default=10, ge=1, le=50)


class OrderHit(BaseModel):
    number: str
    external_id: str
    shop: str
    status: str
    buyer_name: str
    buyer_nickname: str
    buyer_phone: str
    tracking_number: str
    total: Money
    created_at: datetime


class CustomerHit(BaseModel):
    id: int
    number: str
    name: str
    nickname: str
    phone: str
    shop: str
    order_count: int
    total_spent: Money


class CaseHit(BaseModel):
    number: str
    order: str
    status: str
    created_at: datetime


class ConversationHit(BaseModel):
    id: int
    contact: str
    contact_name: str
    shop: str
    status: str
    last_message_at: datetime


class OrderGroup(BaseModel):
    items: list[OrderHit]
    more: bool


class CustomerGroup(BaseModel):
    items: list[CustomerHit]
    more: bool


class CaseGroup(BaseModel):
    items: list[CaseHit]
    more: bool


class ConversationGroup(BaseModel):
    items: list[ConversationHit]
    more: bool


class SearchOut(BaseModel):
    q: str
    # The number of the one order `q` names by its own key (the page opens it), else null.
    exact_order: str | None
    # A kind the caller may not view is null.
    orders: OrderGroup | None
    customers: CustomerGroup | None
    cases: CaseGroup | None
    conversations: ConversationGroup | None


def _group(group: Group | None, hit: Any) -> dict[str, Any] | None:
    if group is None:
        return None
    return {"items": [hit(item) for item in group.items], "more": group.more}


def _order(order: Any) -> dict[str, Any]:
    return {
        "number": order.number,
        "external_id": order.external_id,
        "shop": order.shop.code,
        "status": order.status,
        "buyer_name": order.buyer_name,
        "buyer_nickname": order.buyer_nickname,
        "buyer_phone": order.buyer_phone,
        "tracking_number": order.tracking_number,
        "total": order.total,
        "created_at": order.created_at,
    }


def _customer(customer: Any) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "number": customer.display_number,
        "name": customer.name,
        "nickname": customer.nickname,
        "phone": customer.phone,
        "shop": customer.shop.code,
        "order_count": customer.order_count,
        "total_spent": customer.total_spent,
    }


def _case(case: Any) -> dict[str, Any]:
    return {"number": case.number, "order": case.order.number, "status": case.status, "created_at": case.created_at}


def _conversation(conversation: Any) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "contact": conversation.contact,
        "contact_name": conversation.contact_name,
        "shop": conversation.shop.code,
        "status": conversation.status,
        "last_message_at": conversation.last_message_at,
    }


@router.get("/search", response={200: SearchOut, **ERROR_RESPONSES})
def search(request: HttpRequest, query: Query[SearchIn]) -> Any:
    """Orders, customers, after-sales cases and conversations `q` finds (the kinds the
    caller may view), at most `limit` of each, newest first; the same search as the
    order list's `q` for the orders."""
    results = search_everything(q=query.q, actor=actor_of(request), limit=query.limit)
    groups = results.groups
    return {
        "q": results.q,
        "exact_order": results.exact_order.number if results.exact_order is not None else None,
        "orders": _group(groups.get("orders"), _order),
        "customers": _group(groups.get("customers"), _customer),
        "cases": _group(groups.get("cases"), _case),
        "conversations": _group(groups.get("conversations"), _conversation),
    }
