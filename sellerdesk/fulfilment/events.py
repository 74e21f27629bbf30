"""The order-timeline events fulfilment writes (picking, the packing check, packed), one
writer each, and the renderers of their codes (registered on import;
`FulfilmentConfig.ready()` imports this module)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core import messages
from sellerdesk.core.audit import record, register_audit_code
from sellerdesk.core.messages import Params
from sellerdesk.core.models import AuditEvent, User
from sellerdesk.fulfilment.models import Wave, WaveStepKind
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


# --- the wave's own audit events (core.audit) ---------------------------------------------

WAVE = "wave"
WAVE_CREATED = "wave_created"
WAVE_STEP_STARTED = "wave_step_started"
WAVE_STEP_FINISHED = "wave_step_finished"
WAVE_PICK_CONFIRMED = "wave_pick_confirmed"
WAVE_CLOSED = "wave_closed"


def _step(data: Params) -> dict[str, object]:
    step = data.get("step", "")
    return {"step": WaveStepKind(step).label if step in WaveStepKind.values else step}


def _pick_confirmed(data: Params) -> str:
    if not data.get("short_units"):
        return str(_("Pick confirmed: every unit found."))
    return _("Pick confirmed: %(units)s unit(s) not found, %(orders)s order(s) short.") % {
        "units": data["short_units"],
        "orders": data.get("short_orders", 0),
    }


register_audit_code(
    WAVE_CREATED,
    WAVE,
    gettext_lazy("Wave %(wave)s created: %(orders)s orders, %(items)s items."),
    example={"wave": "W2612060001", "orders": 50, "items": 120, "mode": "wave"},
)
register_audit_code(WAVE_STEP_STARTED, WAVE, gettext_lazy("%(step)s started."), format=_step, example={"step": "pick"})
register_audit_code(
    WAVE_STEP_FINISHED, WAVE, gettext_lazy("%(step)s finished."), format=_step, example={"step": "pack"}
)
register_audit_code(WAVE_PICK_CONFIRMED, WAVE, render=_pick_confirmed, example={"short_units": 2, "short_orders": 1})
register_audit_code(WAVE_CLOSED, WAVE, gettext_lazy("Every order of the wave is packed: the wave is closed."))


def wave_created_event(wave: Wave, *, actor: User | None, at: datetime) -> AuditEvent:
    return record(
        object_kind=WAVE,
        object_id=wave.pk,
        code=WAVE_CREATED,
        actor=actor,
        at=at,
        wave=wave.number,
        orders=wave.order_count,
        items=wave.item_count,
        mode=wave.mode,
    )


def wave_step_event(wave: Wave, *, step: str, finished: bool, actor: User | None, at: datetime) -> AuditEvent:
    """A worker started (or finished) picking, sorting or packing the wave."""
    code = WAVE_STEP_FINISHED if finished else WAVE_STEP_STARTED
    return record(object_kind=WAVE, object_id=wave.pk, code=code, actor=actor, at=at, step=step)


def wave_pick_confirmed_event(
    wave: Wave, *, short_units: int, short_orders: int, actor: User | None, at: datetime
) -> AuditEvent:
    return record(
        object_kind=WAVE,
        object_id=wave.pk,
        code=WAVE_PICK_CONFIRMED,
        actor=actor,
        at=at,
        short_units=short_units,
        short_orders=short_orders,
    )


def wave_closed_event(wave_id: int, *, at: datetime) -> AuditEvent:
    return record(object_kind=WAVE, object_id=wave_id, code=WAVE_CLOSED, actor=None, at=at)
