"""The order-timeline events logistics writes: one writer per event, and the renderers
of their codes (registered on import; `LogisticsConfig.ready()` imports this module).

Each event stores its code and parameters; the sentence is rendered when the timeline
is read, in the reader's language (see `sellerdesk.core.messages`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from sellerdesk.core import messages
from sellerdesk.core.audit import register_settings_code, settings_changed
from sellerdesk.core.messages import Params
from sellerdesk.core.models import AuditEvent, User
from sellerdesk.logistics.models import ExceptionKind, ExceptionOutcome, LogisticsSettings, TrackingKind
from sellerdesk.orders.events import build_event, register_event_code, write_event
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType
from sellerdesk.shops.models import Shop

LABEL_BOOKED = "label_booked"
LABEL_CANCELLED = "label_cancelled"
PARCEL_INTERCEPTED = "parcel_intercepted"
TRACKING = "tracking"
EXCEPTION_DETECTED = "exception_detected"
BUYER_TOLD = "buyer_told"
EXCEPTION_RESOLVED = "exception_resolved"
AUTO_CONFIRM_EXTENDED = "auto_confirm_extended"


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _scan(data: Params) -> str:
    label = _label(TrackingKind, data.get("kind", ""))
    place = f" ({data['location']})" if data.get("location") else ""
    description = data.get("description", "")
    return f"{label}{place}: {description}" if description else f"{label}{place}"


def _resolved(data: Params) -> str:
    text = _("Parcel %(number)s: %(kind)s resolved — %(outcome)s") % {
        "number": data.get("tracking_number", ""),
        "kind": _label(ExceptionKind, data.get("kind", "")),
        "outcome": _label(ExceptionOutcome, data.get("outcome", "")),
    }
    if data.get("extra_fee") is not None:
        text += " " + _("(extra fee ¥%(fee)s)") % {"fee": data["extra_fee"]}
    if data.get("note"):
        text += " · " + str(data["note"])
    return text


def _local_minute(value: str | None) -> str:
    moment = parse_datetime(value or "")
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


register_event_code(
    LABEL_BOOKED,
    OrderEventType.SHIPMENT,
    gettext_lazy("Label booked with %(carrier)s, tracking number %(number)s"),
    format=lambda data: {
        "carrier": data.get("carrier_name") or data.get("carrier", ""),
        "number": data.get("tracking_number", ""),
    },
    example={"carrier": "SF", "carrier_name": "顺丰速运", "tracking_number": "SF100"},
)
register_event_code(
    LABEL_CANCELLED,
    OrderEventType.SHIPMENT,
    gettext_lazy("Label %(number)s cancelled: %(reason)s"),
    # The reason is typed, or the code of the order's close reason (a withdrawn booking).
    format=lambda data: {"number": data.get("tracking_number", ""), "reason": messages.text(data.get("reason", ""))},
    example={"tracking_number": "SF100", "reason": "换快递"},
)
register_event_code(
    PARCEL_INTERCEPTED,
    OrderEventType.SHIPMENT,
    gettext_lazy("Parcel %(number)s intercepted: %(reason)s"),
    # The reason is typed, or the code of the order's close reason (the system intercepted it).
    format=lambda data: {"number": data.get("tracking_number", ""), "reason": messages.text(data.get("reason", ""))},
    example={"tracking_number": "SF100", "reason": "买家取消"},
)
register_event_code(
    TRACKING,
    OrderEventType.TRACKING,
    render=_scan,
    example={"kind": "picked_up", "location": "杭州市", "description": "快件已揽收"},
)
# The detail of a no-update exception, worded by the system (a carrier's scan is its own words).
NO_UPDATE_DETAIL = "no_update_detail"
messages.register(
    NO_UPDATE_DETAIL,
    gettext_lazy("No tracking update for %(hours)s hours (last at %(at)s)"),
    format=lambda data: {"hours": data.get("hours", ""), "at": _local_minute(data.get("last_at"))},
    example={"hours": 48, "last_at": "2026-12-04T10:00:00+08:00"},
)
# A booking refused because the carrier answered with a tracking number in use already.
DUPLICATE_TRACKING_NUMBER = "booking_duplicate_tracking_number"
messages.register(
    DUPLICATE_TRACKING_NUMBER,
    gettext_lazy("%(carrier)s answered with tracking number %(number)s, which is in use already."),
    format=lambda data: {"carrier": data.get("carrier_name", ""), "number": data.get("tracking_number", "")},
    example={"carrier_name": "中通快递", "tracking_number": "ZT100"},
)
# The detail of a troubled scan the carrier described in no words of its own: the scan's
# kind (its label in the reader's language), after the place it was scanned, if any.
SCAN_DETAIL = "exception_scan_detail"
messages.register(
    SCAN_DETAIL,
    render=lambda data: (
        f"{data['location']}: {_label(TrackingKind, data.get('kind', ''))}"
        if data.get("location")
        else _label(TrackingKind, data.get("kind", ""))
    ),
    example={"kind": "lost", "location": "杭州市"},
)
register_event_code(
    EXCEPTION_DETECTED,
    OrderEventType.LOGISTICS_EXCEPTION,
    gettext_lazy("Parcel %(number)s: %(kind)s — %(detail)s"),
    format=lambda data: {
        "number": data.get("tracking_number", ""),
        "kind": _label(ExceptionKind, data.get("kind", "")),
        "detail": messages.text(data.get("detail", "")),
    },
    example={"tracking_number": "SF100", "kind": "no_update", "detail": "3 天无更新"},
)
register_event_code(
    BUYER_TOLD,
    OrderEventType.LOGISTICS_EXCEPTION,
    gettext_lazy("Buyer told about parcel %(number)s: %(text)s"),
    format=lambda data: {"number": data.get("tracking_number", ""), "text": data.get("text", "")},
    example={"tracking_number": "SF100", "text": "包裹延误，正在处理"},
)
register_event_code(
    EXCEPTION_RESOLVED,
    OrderEventType.LOGISTICS_EXCEPTION,
    render=_resolved,
    example={
        "tracking_number": "SF100",
        "kind": "no_update",
        "outcome": "forward",
        "extra_fee": "8.00",
        "note": "转寄",
    },
)
register_event_code(
    AUTO_CONFIRM_EXTENDED,
    OrderEventType.AUTO_CONFIRM_EXTENDED,
    gettext_lazy("Receipt confirmation extended by %(days)s day(s) to %(date)s: %(reason)s"),
    format=lambda data: {
        "days": data.get("days", ""),
        "date": _local_minute(data.get("after")),
        "reason": data.get("reason", ""),
    },
    example={"days": 5, "after": "2026-12-10T10:00:00+08:00", "reason": "换货中"},
)


# --- the writers ---------------------------------------------------------------------------


def label_booked_event(
    order: Order,
    *,
    shipment_id: int,
    carrier_code: str,
    carrier_name: str,
    tracking_number: str,
    actor: User | None,
    at: datetime,
) -> OrderEvent:
    return write_event(
        order,
        OrderEventType.SHIPMENT,
        code=LABEL_BOOKED,
        actor=actor,
        at=at,
        shipment_id=shipment_id,
        carrier=carrier_code,
        carrier_name=carrier_name,
        tracking_number=tracking_number,
        action="created",
    )


def label_cancelled_event(
    order: Order, *, shipment_id: int, tracking_number: str, reason: messages.Text, actor: User | None, at: datetime
) -> OrderEvent:
    return write_event(
        order,
        OrderEventType.SHIPMENT,
        code=LABEL_CANCELLED,
        actor=actor,
        at=at,
        shipment_id=shipment_id,
        tracking_number=tracking_number,
        reason=reason,
        action="cancelled",
    )


def parcel_intercepted_event(
    order: Order, *, shipment_id: int, tracking_number: str, reason: messages.Text, actor: User | None, at: datetime
) -> OrderEvent:
    return write_event(
        order,
        OrderEventType.SHIPMENT,
        code=PARCEL_INTERCEPTED,
        actor=actor,
        at=at,
        shipment_id=shipment_id,
        tracking_number=tracking_number,
        reason=reason,
        action="intercepted",
    )


def build_tracking_event(
    order: Order,
    *,
    shipment_id: int,
    tracking_number: str,
    kind: str,
    location: str,
    description: str,
    at: datetime,
) -> OrderEvent:
    """A carrier's scan on the order's timeline (the system is its actor), not written yet:
    a poll writes a parcel's new scans in one INSERT (core.fastinsert)."""
    return build_event(
        order,
        OrderEventType.TRACKING,
        actor=None,
        at=at,
        shipment_id=shipment_id,
        tracking_number=tracking_number,
        kind=kind,
        location=location,
        description=description,
    )


def exception_detected_event(
    order: Order, *, exception_id: int, tracking_number: str, kind: str, detail: messages.Text, at: datetime
) -> OrderEvent:
    return write_event(
        order,
        OrderEventType.LOGISTICS_EXCEPTION,
        code=EXCEPTION_DETECTED,
        actor=None,
        at=at,
        exception_id=exception_id,
        tracking_number=tracking_number,
        kind=kind,
        detail=detail,
        action="detected",
    )


def buyer_told_event(
    order: Order,
    *,
    exception_id: int,
    message_id: int | None,
    tracking_number: str,
    text: str,
    actor: User | None,
    at: datetime,
) -> OrderEvent:
    return write_event(
        order,
        OrderEventType.LOGISTICS_EXCEPTION,
        code=BUYER_TOLD,
        actor=actor,
        at=at,
        exception_id=exception_id,
        message_id=message_id,
        tracking_number=tracking_number,
        text=text,
        action="contacted",
    )


def exception_resolved_event(
    order: Order,
    *,
    exception_id: int,
    tracking_number: str,
    kind: str,
    outcome: str,
    extra_fee: Decimal | None,
    note: str,
    actor: User | None,
    at: datetime,
) -> OrderEvent:
    return write_event(
        order,
        OrderEventType.LOGISTICS_EXCEPTION,
        code=EXCEPTION_RESOLVED,
        actor=actor,
        at=at,
        exception_id=exception_id,
        tracking_number=tracking_number,
        kind=kind,
        outcome=outcome,
        extra_fee=str(extra_fee) if extra_fee is not None else None,
        note=note,
        action="resolved",
    )


# --- a shop's carrier rules (core.audit, kind "shop_settings") -------------------------------

LOGISTICS_SETTINGS_CHANGED = "logistics_settings_changed"


register_settings_code(
    LOGISTICS_SETTINGS_CHANGED,
    gettext_noop("Carrier rules of %(shop)s saved."),
    LogisticsSettings,
    example={"shop": "main", "shop_name": "主店", "changes": {"stale_after_days": [2, 3]}},
)


def logistics_settings_changed_event(
    shop: Shop, *, changes: dict[str, list[Any]], actor: User | None, at: datetime
) -> AuditEvent:
    return settings_changed(shop, LOGISTICS_SETTINGS_CHANGED, changes=changes, actor=actor, at=at)
