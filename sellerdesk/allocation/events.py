"""The order-timeline events allocation writes, one writer each, and the renderers of
its own codes (registered on import; `AllocationConfig.ready()` imports this module)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy

from sellerdesk.core import messages
from sellerdesk.core.models import User
from sellerdesk.orders.events import build_event, register_event_code, write_event
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType

SHORT_LINES_DROPPED = "short_lines_dropped"

register_event_code(
    SHORT_LINES_DROPPED,
    OrderEventType.LINES_CHANGED,
    gettext_lazy("Short lines dropped; total ¥%(before)s → ¥%(after)s"),
    format=lambda data: {"before": data.get("total_before", ""), "after": data.get("total_after", "")},
    example={"total_before": "118.00", "total_after": "59.00"},
)


def build_allocated_event(
    order: Order,
    *,
    before: str,
    warehouse_id: int,
    warehouse: str,
    moves: list[dict[str, object]],
    shortages_resolved: int,
    actor: User | None,
    at: datetime,
) -> OrderEvent:
    """Unsaved: the order's lines were reserved in one warehouse. A batch inserts many
    in one statement; a single allocation inserts it with `orders.events.insert_events`."""
    return build_event(
        order,
        OrderEventType.ALLOCATED,
        actor=actor,
        at=at,
        status_before=before,
        status_after=order.status,
        warehouse_id=warehouse_id,
        warehouse=warehouse,
        moves=moves,
        shortages_resolved=shortages_resolved,
    )


def stockout_handled_event(
    order: Order,
    *,
    option: str,
    buyer_answer: str,
    promised_date: str | None,
    transfer: str,
    parts: list[str],
    refund: str,
    lines: list[dict[str, Any]],
    actor: User | None,
    at: datetime,
) -> OrderEvent:
    """An agent handled the stockout with the option the buyer agreed to (what the buyer
    said is kept as typed); `lines` are the shortages it handled."""
    return write_event(
        order,
        OrderEventType.STOCKOUT_HANDLED,
        actor=actor,
        at=at,
        option=option,
        buyer_answer=buyer_answer,
        promised_date=promised_date,
        transfer=transfer,
        parts=parts,
        refund=refund,
        lines=lines,
    )


def short_lines_dropped_event(
    order: Order,
    *,
    lines_before: list[dict[str, Any]],
    lines_after: list[dict[str, Any]],
    total_before: str,
    refund: str,
    actor: User | None,
    at: datetime,
) -> OrderEvent:
    """The buyer chose to drop the short lines; the total falls to the order's total."""
    return write_event(
        order,
        OrderEventType.LINES_CHANGED,
        code=SHORT_LINES_DROPPED,
        actor=actor,
        at=at,
        lines_before=lines_before,
        lines_after=lines_after,
        total_before=total_before,
        total_after=str(order.total),
        balance_due="0.00",
        refund=refund,
    )


# --- texts allocation stores as codes: close and refund reasons, movement notes -------------

CLOSED_OUT_OF_STOCK = "closed_out_of_stock"
REFUND_SHORT_LINES_DROPPED = "refund_short_lines_dropped"
NOTE_ALLOCATED = "note_allocated"
NOTE_PRESALE_ARRIVED = "note_presale_arrived"
NOTE_SHORT_IN = "note_short_in"
# The note of a transfer made for a stockout (inventory.Transfer.note_data).
TRANSFER_NOTE_STOCKOUT = "transfer_note_stockout"

messages.register(CLOSED_OUT_OF_STOCK, gettext_lazy("Out of stock; the buyer chose to cancel"))
messages.register(REFUND_SHORT_LINES_DROPPED, gettext_lazy("short lines dropped"))
messages.register(NOTE_ALLOCATED, gettext_lazy("Allocated"))
messages.register(NOTE_PRESALE_ARRIVED, gettext_lazy("presale arrived"))
messages.register(NOTE_SHORT_IN, gettext_lazy("short in %(document)s"), example={"document": "P2612060001"})
messages.register(TRANSFER_NOTE_STOCKOUT, gettext_lazy("stockout of %(number)s"), example={"number": "2612060001"})
