"""One small writer per order event type. Events store ids and facts, not copies of
personal data; the timeline in the UI and `GET /orders/{n}/events` are these rows.

Every event has a `code` (its type, or `data["code"]` when a type has several
sentences) and its data holds the parameters of the sentence, never the sentence:
`sellerdesk.core.messages` renders it when read, in the reader's language. Orders
registers the renderers of its codes in `orders/timeline.py`; an upper app that writes
order events registers its own codes in its `events.py` with `register_event_code` and
writes them through `write_event` / `build_event` here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sellerdesk.core import fastinsert, messages
from sellerdesk.core.models import User
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType, OrderLine

_TYPE_OF_CODE: dict[str, OrderEventType] = {}


def register_event_code(code: str, event_type: OrderEventType, template: Any = None, **renderer: Any) -> None:
    """Declare an event code, the event type it is written as, and how its sentence is
    rendered (see `core.messages.register`). A code without this cannot be written."""
    messages.register(code, template, **renderer)
    _TYPE_OF_CODE[str(code)] = event_type


def event_type_of(code: str) -> OrderEventType:
    """The event type a registered code is written as."""
    return _TYPE_OF_CODE[code]


def event_codes() -> list[str]:
    """Every registered event code, sorted."""
    return sorted(_TYPE_OF_CODE)


def build_event(
    order: Order | int,
    event_type: OrderEventType,
    *,
    actor: User | None,
    at: datetime,
    code: str | None = None,
    **data: Any,
) -> OrderEvent:
    """An unsaved event row, for a caller that inserts many at once (a wave, a batch);
    `write_event` inserts one. The code must be registered for `event_type`."""
    code = code or str(event_type)
    if _TYPE_OF_CODE.get(code) != event_type:
        raise LookupError(f"event code {code!r} is not registered for event type {event_type!r}")
    if code != event_type:
        # A type's own code is implied by the type and not repeated in the data.
        data = messages.message(code, **data)
    if isinstance(order, Order):
        return OrderEvent(order=order, type=event_type, actor=actor, at=at, data=data)
    return OrderEvent(order_id=order, type=event_type, actor=actor, at=at, data=data)


def write_event(
    order: Order,
    event_type: OrderEventType,
    *,
    actor: User | None,
    at: datetime,
    code: str | None = None,
    **data: Any,
) -> OrderEvent:
    """Insert one event of `event_type` with `code` (default: the type) and its parameters."""
    event = build_event(order, event_type, actor=actor, at=at, code=code, **data)
    fastinsert.insert([event])
    return event


def order_placed_event(order: Order, lines: list[OrderLine], *, actor: User | None, at: datetime) -> OrderEvent:
    return write_event(
        order,
        OrderEventType.PLACED,
        actor=actor,
        at=at,
        status=order.status,
        total=str(order.total),
        source=order.source,
        lines=[{"sku": line.sku_code, "quantity": line.quantity, "unit_price": str(line.unit_price)} for line in lines],
    )


def status_event(
    order: Order,
    event_type: OrderEventType,
    *,
    actor: User | None,
    at: datetime,
    before: str,
    **data: Any,
) -> OrderEvent:
    return write_event(order, event_type, actor=actor, at=at, status_before=before, status_after=order.status, **data)


def stockout_event(
    order: Order, *, before: str, lines: list[dict[str, Any]], actor: User | None, at: datetime, **facts: Any
) -> OrderEvent:
    """The order went short (allocation, a stock count, a picker, a backorder's waiting
    part): `lines` are its short lines ({"sku", "position", "short"}), `facts` say where it
    was found (warehouse_id, document, wave, backorder_of…)."""
    return status_event(order, OrderEventType.STOCKOUT, actor=actor, at=at, before=before, **facts, lines=lines)


def insert_events(rows: list[OrderEvent]) -> None:
    """Insert rows made by the `build_*` writers below in one statement (a batch review)."""
    fastinsert.insert(rows)


def build_auto_approved_event(
    order: Order, *, before: str, rules_passed: list[str], instructions: Any, actor: User | None, at: datetime
) -> OrderEvent:
    """Unsaved: every review rule passed and the order was approved without a person."""
    return build_event(
        order,
        OrderEventType.APPROVED,
        actor=actor,
        at=at,
        status_before=before,
        status_after=order.status,
        automatic=True,
        rules_passed=rules_passed,
        instructions=instructions,
    )


def build_reviewed_event(
    order: Order, *, rules_passed: list[str], instructions: Any, actor: User | None, at: datetime
) -> OrderEvent:
    """Unsaved: every review rule passed; the shop approves by hand."""
    return build_event(
        order,
        OrderEventType.REVIEWED,
        actor=actor,
        at=at,
        rules_passed=rules_passed,
        instructions=instructions,
    )
