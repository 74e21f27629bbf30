"""The order-timeline events fulfilment writes (picking, the packing check, packed), one
writer each, and the renderers of their codes (registered on import;
`FulfilmentConfig.ready()` imports this module)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils.translation import gettext_lazy

from sellerdesk.core import messages
from sellerdesk.core.models import User
from sellerdesk.orders.events import build_event, register_event_code, status_event, write_event
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType
from sellerdesk.orders.states import OrderStatus

register_event_code(
    OrderEventType.PICKING_STARTED,
    OrderEventType.PICKING_STARTED,
    gettext_lazy("Picking in wave %(wave)s, slot %(slot)s"),
    example={"wave": "W2612060001", "slot": 3, "mode": "sorted"},
)
register_event_code(
    OrderEventType.PACKING_CHECKED,
    OrderEventType.PACKING_CHECKED,
    gettext_lazy("Packing check passed: %(units)s unit(s) scanned"),
    example={"wave": "W2612060001", "units": 3},
)
register_event_code(
    OrderEventType.PACKED,
    OrderEventType.PACKED,
    gettext_lazy("Packed; label %(carrier)s %(number)s printed"),
    format=lambda data: {
        "carrier": data.get("carrier_name") or data.get("carrier", ""),
        "number": data.get("tracking_number", ""),
    },
    example={"wave": "W2612060001", "carrier": "SF", "carrier_name": "顺丰速运", "tracking_number": "SF100"},
)


def picking_started_events(
    slots: Iterable[tuple[int, int]], *, wave: str, mode: str, actor: User | None, at: datetime
) -> list[OrderEvent]:
    """Unsaved "picking started" rows for (order id, slot) pairs of a new wave, for one
    bulk insert: a wave starts hundreds of orders at once."""
    return [
        build_event(
            order_id,
            OrderEventType.PICKING_STARTED,
            actor=actor,
            at=at,
            status_before=OrderStatus.ALLOCATED,
            status_after=OrderStatus.PICKING,
            wave=wave,
            mode=mode,
            slot=slot,
        )
        for order_id, slot in slots
    ]


def packing_checked_event(
    order: Order, *, wave: str, units: int, weight_grams: int | None, actor: User | None, at: datetime
) -> OrderEvent:
    return write_event(
        order, OrderEventType.PACKING_CHECKED, actor=actor, at=at, wave=wave, units=units, weight_grams=weight_grams
    )


def packed_event(
    order: Order,
    *,
    before: str,
    wave: str,
    carrier_code: str,
    carrier_name: str,
    tracking_number: str,
    actor: User | None,
    at: datetime,
) -> OrderEvent:
    return status_event(
        order,
        OrderEventType.PACKED,
        actor=actor,
        at=at,
        before=before,
        wave=wave,
        carrier=carrier_code,
        carrier_name=carrier_name,
        tracking_number=tracking_number,
    )


# --- stock movement notes (StockMovement.note_data) ------------------------------------------

NOTE_PICKED = "note_picked"
messages.register(NOTE_PICKED, gettext_lazy("%(quantity)s picked"), example={"quantity": 3})
