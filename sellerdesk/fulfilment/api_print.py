"""`POST /api/v1/orders/documents`: labels or packing slips of any orders in one PDF."""

from __future__ import annotations

from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router
from pydantic import BaseModel, ConfigDict, Field

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.fulfilment.api import pdf_response
from sellerdesk.fulfilment.selection import PRINT_MAX, selection_document

router = Router(tags=["fulfilment"])


class OrderDocumentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["labels", "packing-slips"]
    orders: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(min_length=1, max_length=PRINT_MAX)


@router.post(
    "/orders/documents",
    response={**ERROR_RESPONSES},
    summary="Labels or packing slips of the chosen orders, in one PDF",
)
def order_documents(request: HttpRequest, payload: OrderDocumentsIn) -> HttpResponse:
    """One PDF, in the order given. Labels: each order's booked parcel; the orders without
    one are named on a last page and in the X-Orders-Left-Out header (422 when none has a
    label). X-Orders-Printed: how many orders the PDF holds."""
    document = selection_document(numbers=payload.orders, kind=payload.kind, actor=actor_of(request))
    response = pdf_response(document.content, f"orders-{payload.kind}.pdf")
    response["X-Orders-Printed"] = str(len(document.printed))
    response["X-Orders-Left-Out"] = ",".join([*document.without_label, *document.unknown])[:2000]
    return response
