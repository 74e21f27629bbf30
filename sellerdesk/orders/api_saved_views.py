"""/api/v1/orders/views: the token's user's saved views of the order list
(orders.saved_views), and `GET /api/v1/orders?view=` lists what one selects."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Path, Router, Schema, Status
from pydantic import Field

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.limits import MAX_ID
from sellerdesk.orders import saved_views
from sellerdesk.orders.models import SavedView
from sellerdesk.orders.schemas import Strict

router = Router(tags=["orders"])
ViewId = Annotated[int, Path(ge=1, le=MAX_ID)]


class SavedViewIn(Strict):
    name: str = Field(min_length=1, max_length=saved_views.NAME_MAX)
    query: str = Field(
        default="",
        max_length=saved_views.QUERY_MAX,
        description="The order list's filters as a query string (q, status, shop, assignee, date_from, date_to); "
        "anything else (a page number) is dropped.",
        examples=["status=pending_review&shop=tmall"],
    )


class SavedViewOut(Schema):
    id: int
    name: str
    query: str = Field(description="The filters kept, as a query string: GET /api/v1/orders?view={id} applies them.")
    created_at: datetime


def saved_view_out(view: SavedView) -> dict[str, Any]:
    return {"id": view.pk, "name": view.name, "query": view.query, "created_at": view.created_at}


@router.get("/orders/views", response={200: list[SavedViewOut], **ERROR_RESPONSES}, summary="My saved views")
def list_views(request: HttpRequest) -> Any:
    return [saved_view_out(view) for view in saved_views.views_of(actor_of(request))]


@router.post("/orders/views", response={201: SavedViewOut, **ERROR_RESPONSES}, summary="Save a view")
def create_view(request: HttpRequest, payload: SavedViewIn) -> Status[Any]:
    view = saved_views.save_view(user=actor_of(request), name=payload.name, query=payload.query)
    return Status(201, saved_view_out(view))


@router.delete("/orders/views/{view_id}", response={204: None, **ERROR_RESPONSES}, summary="Delete a saved view")
def delete_view(request: HttpRequest, view_id: ViewId) -> Status[None]:
    saved_views.delete_view(user=actor_of(request), view_id=view_id)
    return Status(204, None)
