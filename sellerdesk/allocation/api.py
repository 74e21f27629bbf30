"""/api/v1 allocation and stockouts (缺货): parse, call one action or query, answer.

| call | body | effect |
|---|---|---|
| `POST /orders/{number}/allocate` | | allocate an approved (or waiting stockout) order |
| `GET /stockouts?sku=&shop=&option=&open=` | | stockout orders with short quantities and restock dates |
| `POST /stockouts/{order_number}/resolve` | `{"option", "buyer_answer", "promised_date"?,
  "from_warehouse"?}` | handle it |
| `GET /stockouts/plan?sku=` | | B2B: waiting orders by customer rank, and which the stock allocates |
| `POST /stockouts/plan/apply` | `{"sku"}` | allocate them in that order |
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import BaseModel, Field

from sellerdesk.allocation import actions, queries, shortages
from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.schemas import BusinessDate
from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders import queries as order_queries
from sellerdesk.orders.models import Order, ShortageOption
from sellerdesk.orders.schemas import Strict

router = Router(tags=["stockouts"])

Code = Annotated[str, Field(min_length=1, max_length=64)]


class AllocationOut(BaseModel):
    number: str
    status: str
    outcome: str
    warehouse: str | None
    parts: list[AllocationOut] = []


class ShortageOut(BaseModel):
    sku: str
    # None once the short line was dropped from the order (option "drop"): the stockout
    # is kept for the record, its line is gone.
    position: int | None
    quantity: int | None
    short_quantity: int
    option: str | None
    buyer_answer: str
    promised_date: date | None
    refund_amount: Decimal | None
    document: str
    handled_by: str | None
    restock_date: date | None
    is_open: bool


class StockoutOut(BaseModel):
    number: str
    shop: str
    status: str
    warehouse: str | None
    promised_ship_date: date | None
    total: Decimal
    shortages: list[ShortageOut]


class StockoutFiltersIn(Strict):
    sku: str = Field("", max_length=64)
    shop: str = Field("", max_length=40)
    option: Literal["", "none", "transfer", "backorder", "drop", "delay", "cancel"] = ""
    open: bool | None = True


class StockoutResolveIn(Strict):
    option: Literal["transfer", "backorder", "drop", "delay", "cancel"]
    buyer_answer: str = Field(max_length=500)
    promised_date: BusinessDate | None = None
    from_warehouse: str | None = Field(None, min_length=1, max_length=40)


class ResolveOut(BaseModel):
    number: str
    status: str
    option: str
    transfer: str | None
    refund: Decimal
    parts: list[AllocationOut]


class PlanIn(Strict):
    sku: Code


class PlanRowOut(BaseModel):
    rank: int
    number: str
    customer: str
    level: str
    level_rank: int
    has_terms: bool
    completed_orders: int
    short_quantity: int
    allocates: bool
    warehouse: str | None
    status: str


def _warehouse_code(order: Order) -> str | None:
    return order.warehouse.code if order.warehouse_id and order.warehouse else None


def _allocation_out(order: Order, outcome: str, parts: list[Order] | None = None) -> dict[str, Any]:
    order.refresh_from_db()
    return {
        "number": order.number,
        "status": order.status,
        "outcome": outcome,
        "warehouse": _warehouse_code(order),
        "parts": [
            _allocation_out(part, "allocated" if part.status == "allocated" else part.status) for part in parts or []
        ],
    }


@router.post("/orders/{number}/allocate", response={200: AllocationOut, **ERROR_RESPONSES})
def allocate(request: HttpRequest, number: str) -> Any:
    actor = actor_of(request)
    result = actions.allocate_order(order=order_queries.get_order(number=number, actor=actor), actor=actor)
    return _allocation_out(result.order, result.outcome, result.parts)


def _stockout_out(order: Order) -> dict[str, Any]:
    return {
        "number": order.number,
        "shop": order.shop.code,
        "status": order.status,
        "warehouse": _warehouse_code(order),
        "promised_ship_date": order.promised_ship_date,
        "total": order.total,
        "shortages": [
            {
                "sku": row.sku.code,
                "position": row.line.position if row.line is not None else None,
                "quantity": row.line.quantity if row.line is not None else None,
                "short_quantity": row.short_quantity,
                "option": row.option or None,
                "buyer_answer": row.buyer_answer,
                "promised_date": row.promised_date,
                "refund_amount": row.refund_amount,
                "document": row.document,
                "handled_by": row.handled_by.username if row.handled_by else None,
                "restock_date": row.restock_date,
                "is_open": row.is_open,
            }
            for row in order.shortage_rows  # type: ignore[attr-defined]
        ],
    }


@router.get("/stockouts", response={200: list[StockoutOut], **ERROR_RESPONSES})
def list_stockouts(request: HttpRequest, filters: Query[StockoutFiltersIn]) -> Any:
    found = queries.stockout_orders(
        actor=actor_of(request),
        filters=queries.StockoutFilter(sku=filters.sku, shop=filters.shop, option=filters.option, is_open=filters.open),
    )
    return [_stockout_out(order) for order in found]


def _plan_out(rows: list[shortages.PlanRow]) -> list[dict[str, Any]]:
    return [
        {
            "rank": index + 1,
            "number": row.order.number,
            "customer": str(row.order.customer),
            "level": row.rank.level if row.rank else "",
            "level_rank": row.rank.level_rank if row.rank else 0,
            "has_terms": row.rank.has_terms if row.rank else False,
            "completed_orders": row.rank.completed_orders if row.rank else 0,
            "short_quantity": row.short,
            "allocates": row.allocates,
            "warehouse": _code_of(row.warehouse_id),
            "status": row.order.status,
        }
        for index, row in enumerate(rows)
    ]


def _code_of(warehouse_id: int | None) -> str | None:
    if warehouse_id is None:
        return None
    return Warehouse.objects.filter(pk=warehouse_id).values_list("code", flat=True).first()


@router.get("/stockouts/plan", response={200: list[PlanRowOut], **ERROR_RESPONSES})
def plan(request: HttpRequest, filters: Query[PlanIn]) -> Any:
    return _plan_out(shortages.allocation_plan(sku=filters.sku, actor=actor_of(request)))


@router.post("/stockouts/plan/apply", response={200: list[PlanRowOut], **ERROR_RESPONSES})
def apply_plan(request: HttpRequest, payload: PlanIn) -> Any:
    return _plan_out(shortages.apply_allocation_plan(sku=payload.sku, actor=actor_of(request)))


@router.post("/stockouts/{order_number}/resolve", response={200: ResolveOut, **ERROR_RESPONSES})
def resolve(request: HttpRequest, order_number: str, payload: StockoutResolveIn) -> Any:
    actor = actor_of(request)
    result = shortages.resolve_stockout(
        order=order_queries.get_order(number=order_number, actor=actor),
        option=payload.option,
        buyer_answer=payload.buyer_answer,
        promised_date=payload.promised_date,
        from_warehouse=payload.from_warehouse,
        actor=actor,
    )
    return {
        "number": result.order.number,
        "status": result.order.status,
        "option": str(ShortageOption(result.option).value),
        "transfer": result.transfer_number or None,
        "refund": result.refund,
        "parts": [_allocation_out(part, part.status) for part in result.parts],
    }
