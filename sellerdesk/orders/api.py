"""/api/v1/orders: parse, call one action or query, answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.idempotency import idempotent
from sellerdesk.orders import actions, queries, saved_views
from sellerdesk.orders.api_helpers import order_answer, requested_order
from sellerdesk.orders.review import actions as review_actions
from sellerdesk.orders.review.queue import review_queue as review_queue_query
from sellerdesk.orders.schemas import (
    CancelIn,
    EventOut,
    FlagIn,
    HoldIn,
    NoteIn,
    NoteOut,
    OrderIn,
    OrderOut,
    OrderPage,
    QueueFilters,
    QueuePageOut,
    ReleaseIn,
    RepriceIn,
    ReviewOut,
    ShipIn,
    order_out,
    queue_item_out,
)
from sellerdesk.orders.timeline import describe_event
from sellerdesk.shops.models import Shop

router = Router(tags=["orders"])


@router.post("/orders", response={201: OrderOut, **ERROR_RESPONSES})
def create_order(request: HttpRequest, payload: OrderIn) -> Status[Any]:
    address = payload.address

    def produce() -> tuple[int, Any]:
        draft = actions.OrderDraft(
            shop=payload.shop,
            external_id=payload.external_id.strip(),
            source=payload.source,
            buyer=actions.Buyer(payload.buyer.name, payload.buyer.phone, payload.buyer.nickname.strip()),
            address=actions.Address(address.province, address.city, address.district, address.detail),
            lines=[actions.LineDraft(line.sku, line.quantity, line.unit_price) for line in payload.lines],
            payment_method=payload.payment_method or "online",
            shipping_method=payload.shipping_method,
            shipping_fee=payload.shipping_fee,
            buyer_message=payload.buyer_message,
        )
        order = actions.place_order(draft=draft, actor=actor_of(request))
        return 201, order_out(order)

    return idempotent(request, produce)


@router.get("/orders", response={200: OrderPage, **ERROR_RESPONSES})
def list_orders(request: HttpRequest, filters: Query[queries.OrderFilters]) -> Any:
    """The orders the filters select, a page at a time; `view`: one of the caller's saved
    views (GET /api/v1/orders/views) selects instead of the other filters."""
    if filters.view is not None:
        view = saved_views.get_view(user=actor_of(request), view_id=filters.view)
        filters = saved_views.filters_of(view, page=filters.page)
    page = queries.search_orders(filters=filters, actor=actor_of(request))
    return {
        "items": [order_out(order) for order in page.object_list],
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
    }


@router.get("/orders/{number}", response={200: OrderOut, **ERROR_RESPONSES})
def get_order(request: HttpRequest, number: str) -> Any:
    return order_out(requested_order(request, number))


@router.get("/orders/{number}/events", response={200: list[EventOut], **ERROR_RESPONSES})
def order_events(request: HttpRequest, number: str) -> Any:
    order = requested_order(request, number)
    return [
        {
            "type": event.type,
            "at": timezone.localtime(event.at),
            "actor": event.actor.username if event.actor else None,
            "data": event.data,
            "text": describe_event(event),
        }
        for event in order.events.select_related("actor").order_by("at", "pk")
    ]


@router.patch("/orders/{number}/prices", response={200: OrderOut, **ERROR_RESPONSES})
def change_prices(request: HttpRequest, number: str, payload: RepriceIn) -> Any:
    positions = [line.position for line in payload.lines]
    repeated = {
        f"lines[{index}].position": _("line %(n)s is given twice") % {"n": position}
        for index, position in enumerate(positions)
        if position in positions[:index]
    }
    if repeated:
        raise ValidationFailed(repeated)
    order = actions.change_line_prices(
        order=requested_order(request, number),
        actor=actor_of(request),
        prices={line.position: line.unit_price for line in payload.lines},
        reason=payload.reason,
    )
    return order_answer(order.number)


@router.post("/orders/{number}/cancel", response={200: OrderOut, **ERROR_RESPONSES})
def cancel(request: HttpRequest, number: str, payload: CancelIn) -> Any:
    actions.cancel_order(order=requested_order(request, number), actor=actor_of(request), reason=payload.reason)
    return order_answer(number)


@router.post("/orders/{number}/approve", response={200: OrderOut, **ERROR_RESPONSES})
def approve(request: HttpRequest, number: str) -> Any:
    actions.approve_order(order=requested_order(request, number), actor=actor_of(request))
    return order_answer(number)


@router.post("/orders/{number}/ship", response={200: OrderOut, **ERROR_RESPONSES})
def ship(request: HttpRequest, number: str, payload: ShipIn) -> Any:
    actions.ship_order(
        order=requested_order(request, number),
        actor=actor_of(request),
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
    )
    return order_answer(number)


@router.post("/orders/{number}/deliver", response={200: OrderOut, **ERROR_RESPONSES})
def deliver(request: HttpRequest, number: str) -> Any:
    actions.deliver_order(order=requested_order(request, number), actor=actor_of(request))
    return order_answer(number)


@router.post("/orders/{number}/confirm-receipt", response={200: OrderOut, **ERROR_RESPONSES})
def confirm_receipt(request: HttpRequest, number: str) -> Any:
    actions.confirm_receipt(order=requested_order(request, number), actor=actor_of(request))
    return order_answer(number)


@router.post("/orders/{number}/flag", response={200: OrderOut, **ERROR_RESPONSES})
def flag(request: HttpRequest, number: str, payload: FlagIn) -> Any:
    actions.set_flag(
        order=requested_order(request, number),
        actor=actor_of(request),
        color=payload.color,
        reason=payload.reason,
    )
    return order_answer(number)


@router.post("/orders/{number}/notes", response={201: NoteOut, **ERROR_RESPONSES})
def add_note(request: HttpRequest, number: str, payload: NoteIn) -> Status[Any]:
    def produce() -> tuple[int, Any]:
        note = actions.add_note(order=requested_order(request, number), actor=actor_of(request), text=payload.text)
        return 201, {
            "id": note.pk,
            "text": note.text,
            "author": note.author.signature,
            "at": timezone.localtime(note.at),
            "display": note.display,
        }

    return idempotent(request, produce)


@router.get("/orders/{number}/notes", response={200: list[NoteOut], **ERROR_RESPONSES})
def list_notes(request: HttpRequest, number: str) -> Any:
    order = requested_order(request, number)
    return [
        {
            "id": note.pk,
            "text": note.text,
            "author": note.author.signature,
            "at": timezone.localtime(note.at),
            "display": note.display,
        }
        for note in order.notes.select_related("author")
    ]


# --- review and the exception queue ------------------------------------------------


@router.post("/orders/{number}/hold", response={200: OrderOut, **ERROR_RESPONSES})
def hold(request: HttpRequest, number: str, payload: HoldIn) -> Any:
    order = review_actions.hold_order(
        order=requested_order(request, number), actor=actor_of(request), reason=payload.reason
    )
    return order_answer(order.number)


@router.post("/orders/{number}/release", response={200: OrderOut, **ERROR_RESPONSES})
def release(request: HttpRequest, number: str, payload: ReleaseIn) -> Any:
    order = review_actions.release_order(
        order=requested_order(request, number), actor=actor_of(request), note=payload.note
    )
    return order_answer(order.number)


@router.post("/orders/{number}/review", response={200: ReviewOut, **ERROR_RESPONSES})
def review(request: HttpRequest, number: str) -> Any:
    order = requested_order(request, number)
    verdict = review_actions.review_order_now(order=order, actor=actor_of(request))
    answer = order_answer(order.number)
    outcome = {"approved": "approved", "on_hold": "held"}.get(answer["status"], "reviewed")
    return {
        "outcome": outcome,
        "rules_passed": verdict.passed,
        "findings": [finding.as_dict() for finding in verdict.findings],
        "order": answer,
    }


@router.get("/review-queue", response={200: QueuePageOut, **ERROR_RESPONSES})
def review_queue(request: HttpRequest, filters: Query[QueueFilters]) -> Any:
    if filters.shop and not Shop.objects.filter(code=filters.shop).exists():
        raise ValidationFailed({"shop": _("unknown shop %(code)s") % {"code": filters.shop}})
    queue = review_queue_query(actor=actor_of(request), reason=filters.reason, shop=filters.shop, page=filters.page)
    return {
        "items": [queue_item_out(order) for order in queue.page.object_list],
        "count": queue.page.paginator.count,
        "page": queue.page.number,
        "pages": queue.page.paginator.num_pages,
        "counts": queue.counts,
    }
