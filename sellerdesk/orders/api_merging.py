"""/api/v1/orders merge, unmerge and split (合单 / 拆单): parse, call one action, answer."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field, StrictInt

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.idempotency import idempotent
from sellerdesk.orders import merging, queries
from sellerdesk.orders.api_helpers import order_answer
from sellerdesk.orders.schemas import OrderOut, Strict

router = Router(tags=["orders"])


class MergeIn(Strict):
    numbers: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(max_length=50)


class PartLineIn(Strict):
    position: StrictInt
    quantity: StrictInt


class SplitIn(Strict):
    parts: list[Annotated[list[PartLineIn], Field(max_length=200)]] = Field(max_length=50)


@router.post("/orders/merge", response={201: OrderOut, **ERROR_RESPONSES})
def merge_orders(request: HttpRequest, payload: MergeIn) -> Status[Any]:
    actor = actor_of(request)

    def produce() -> tuple[int, Any]:
        orders = [queries.get_order(number=number, actor=actor) for number in payload.numbers]
        merged = merging.merge_orders(orders=orders, actor=actor)
        return 201, order_answer(merged.number)

    return idempotent(request, produce)


@router.post("/orders/{number}/unmerge", response={200: list[OrderOut], **ERROR_RESPONSES})
def unmerge_order(request: HttpRequest, number: str) -> Any:
    actor = actor_of(request)
    originals = merging.unmerge_order(order=queries.get_order(number=number, actor=actor), actor=actor)
    return [order_answer(original.number) for original in originals]


@router.post("/orders/{number}/split", response={201: list[OrderOut], **ERROR_RESPONSES})
def split_order(request: HttpRequest, number: str, payload: SplitIn) -> Status[Any]:
    actor = actor_of(request)

    def produce() -> tuple[int, Any]:
        parts = [[merging.PartLine(line.position, line.quantity) for line in part] for part in payload.parts]
        created = merging.split_order(order=queries.get_order(number=number, actor=actor), actor=actor, parts=parts)
        return 201, [order_answer(part.number) for part in created]

    return idempotent(request, produce)
