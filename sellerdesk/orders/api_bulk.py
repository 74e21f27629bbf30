"""`POST /api/v1/orders/bulk`: one move (approve, hold, release, assign) on many orders,
answered per order (orders.bulk)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.orders.bulk import BULK_MAX, BulkAction, run_bulk
from sellerdesk.orders.schemas import Strict

router = Router(tags=["orders"])


class OrderBulkIn(Strict):
    action: Literal["approve", "hold", "release", "assign"]
    orders: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(min_length=1, max_length=BULK_MAX)
    reason: str = Field(default="", max_length=200, description="Why the orders are held (hold: required).")
    note: str = Field(default="", max_length=200, description="A note on the release or approval of held orders.")
    assignee: str | None = Field(
        default=None, max_length=150, description="assign: the staff user's username; null to clear the assignment."
    )


class OrderBulkResultOut(Schema):
    number: str
    ok: bool
    code: str = Field(description="The refusal's error code (invalid_transition, not_found, …); empty when done.")
    message: str = Field(description="Why it was refused, in the request's language; empty when done.")


class OrderBulkOut(Schema):
    done: int
    refused: int
    results: list[OrderBulkResultOut]


@router.post(
    "/orders/bulk",
    response={200: OrderBulkOut, **ERROR_RESPONSES},
    summary="One move on many orders, answered per order",
)
def bulk(request: HttpRequest, payload: OrderBulkIn) -> Any:
    """Each order is done by the move's own action in its own transaction: done, or
    refused and left untouched, whatever happens to the others (200 either way). The
    whole request is refused (403/422, nothing done) without the move's permission, with
    a hold without a reason, or an assignee who is no active staff."""
    assignee = None
    if payload.action == "assign" and payload.assignee is not None:
        # PostgreSQL refuses NUL in a string: no username has one.
        assignee = None if "\x00" in payload.assignee else User.objects.filter(username=payload.assignee).first()
        if assignee is None:
            raise ValidationFailed({"assignee": _("no user %(name)s") % {"name": payload.assignee}})
    results = run_bulk(
        action=BulkAction(payload.action),
        numbers=payload.orders,
        actor=actor_of(request),
        reason=payload.reason,
        note=payload.note,
        assignee=assignee,
    )
    done = sum(1 for result in results if result.ok)
    return {
        "done": done,
        "refused": len(results) - done,
        "results": [
            {"number": result.number, "ok": result.ok, "code": result.code, "message": result.message}
            for result in results
        ],
    }
