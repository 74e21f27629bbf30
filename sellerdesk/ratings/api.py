"""/api/v1/orders/{number}/ratings and /api/v1/ratings."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from pydantic import BaseModel, ConfigDict, Field

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.idempotency import idempotent
from sellerdesk.orders.queries import get_order
from sellerdesk.ratings import actions, queries
from sellerdesk.ratings.models import Rating

router = Router(tags=["ratings"])


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    side: Literal["buyer", "seller"]
    score: Literal["good", "neutral", "bad"]
    comment: str = Field(default="", max_length=500)


class RatingOut(BaseModel):
    order: str
    side: str
    score: str
    comment: str
    is_default: bool
    rated_at: datetime


def rating_out(rating: Rating) -> dict[str, Any]:
    return {
        "order": rating.order.number,
        "side": rating.side,
        "score": rating.score,
        "comment": rating.comment,
        "is_default": rating.is_default,
        "rated_at": timezone.localtime(rating.rated_at),
    }


@router.get("/orders/{number}/ratings", response={200: list[RatingOut], **ERROR_RESPONSES})
def order_ratings(request: HttpRequest, number: str) -> Any:
    order = get_order(number=number, actor=actor_of(request))
    return [rating_out(r) for r in order.ratings.order_by("side")]


@router.post("/orders/{number}/ratings", response={201: RatingOut, **ERROR_RESPONSES})
def rate(request: HttpRequest, number: str, payload: RatingIn) -> Status[Any]:
    def produce() -> tuple[int, Any]:
        actor = actor_of(request)
        order = get_order(number=number, actor=actor)
        rating = actions.rate_order(
            order=order, side=payload.side, score=payload.score, comment=payload.comment, actor=actor
        )
        return 201, rating_out(rating)

    return idempotent(request, produce)


@router.get("/ratings", response={200: list[RatingOut], **ERROR_RESPONSES})
def list_ratings(
    request: HttpRequest,
    side: Literal["", "buyer", "seller"] = "",
    score: Literal["", "good", "neutral", "bad"] = "",
) -> Any:
    return [rating_out(r) for r in queries.list_ratings(actor=actor_of(request), side=side, score=score)[:200]]
